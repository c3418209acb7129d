package plan

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dumpsync/dumpsync/internal/output"
	"github.com/dumpsync/dumpsync/internal/record"
)

var now = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func TestStale(t *testing.T) {
	o := Options{Days: 90, Now: now}
	n := uint32(now.Unix())
	day := uint32(86400)
	tests := []struct {
		name string
		e    record.Entry
		want bool
	}{
		{"exactly N days", record.Make("ABC00001", n-90*day, nil), false},
		{"N days + 1 s", record.Make("ABC00001", n-90*day-1, nil), true},
		{"N days - 1 s", record.Make("ABC00001", n-90*day+1, nil), false},
		{"zero time", record.Make("ABC00001", 0, nil), false},
		{"future", record.Make("ABC00001", n+1, nil), false},
		{"now", record.Make("ABC00001", n, nil), false},
		{"invalid and old", record.Make("ABC/0001", n-900*day, nil), false},
		{"max uint32", record.Make("ABC00001", ^uint32(0), nil), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := o.Stale(&tt.e); got != tt.want {
				t.Errorf("Stale = %v, want %v", got, tt.want)
			}
		})
	}
	zero := Options{Days: 0, Now: now}
	if e := record.Make("ABC00001", n-1, nil); !zero.Stale(&e) {
		t.Error("with --days 0 a request 1 s old must be stale")
	}
	if e := record.Make("ABC00001", n, nil); zero.Stale(&e) {
		t.Error("with --days 0 a request made now is not stale")
	}
}

// writeDomain makes a domain folder with the given records and .cfg files.
func writeDomain(t *testing.T, dir string, recs []record.Entry, cfgs ...string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "Invencfg.box"), 0o755); err != nil {
		t.Fatal(err)
	}
	var b []byte
	for _, r := range recs {
		b = append(b, r.Raw[:]...)
	}
	if err := os.WriteFile(filepath.Join(dir, "Resync.cfg"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range cfgs {
		if err := os.WriteFile(filepath.Join(dir, "Invencfg.box", c), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func runPlan(t *testing.T, o Options, domains, logons []string) ([]Row, Summary) {
	t.Helper()
	var rows []Row
	p := &Planner{Opt: o, Warn: func(err error) { t.Logf("warn: %v", err) }}
	sum, err := p.Run(domains, logons, func(r *Row) error { rows = append(rows, *r); return nil })
	if err != nil {
		t.Fatal(err)
	}
	return rows, sum
}

func describe(rows []Row) []string {
	var out []string
	for _, r := range rows {
		s := r.Action + " " + filepath.Base(filepath.Dir(r.Path)) + "/" + filepath.Base(r.Path)
		if r.Offset != nil {
			s += " @" + strconv.FormatInt(*r.Offset, 10)
		}
		out = append(out, s)
	}
	return out
}

func TestPlanRules(t *testing.T) {
	n := uint32(now.Unix())
	day := uint32(86400)
	root := t.TempDir()
	dom := filepath.Join(root, "Domain.000")
	writeDomain(t, dom, []record.Entry{
		record.Make("ABC00001", n-100*day, nil), // stale
		record.Make("ABC00002", n-10*day, nil),  // fresh
		record.Make("abc00001", n-200*day, nil), // stale duplicate, other case
		record.Make("ABC00003", 0, nil),         // undated
		record.Make("ABC00004", n-100*day, nil), // stale, but also a future request below
		record.Make("ABC00004", n+day, nil),
		record.Make("AB/00005", n-100*day, nil), // invalid
		record.Make("ABC00006", n-95*day, nil),  // stale, its file is missing
	}, "ABC00001.cfg", "ABC00002.cfg", "ABC00003.cfg", "ABC00004.cfg", "ABC00099.cfg")
	old := now.Add(-400 * 24 * time.Hour)
	if err := os.Chtimes(filepath.Join(dom, "Invencfg.box", "ABC00099.cfg"), old, old); err != nil {
		t.Fatal(err)
	}
	logon := filepath.Join(root, "LOGON1", "Logon.srv")
	writeDomain(t, logon, []record.Entry{record.Make("ABC00002", n-100*day, nil)},
		"ABC00001.cfg", "ABC00002.cfg", "ABC00077.cfg")

	o := Options{Days: 90, Now: now, Parallel: 2}
	rows, sum := runPlan(t, o, []string{dom}, []string{logon})
	want := []string{
		"RemoveEntry Domain.000/Resync.cfg @0",
		"RemoveEntry Domain.000/Resync.cfg @96",
		"RemoveEntry Domain.000/Resync.cfg @192",
		"RemoveEntry Domain.000/Resync.cfg @336",
		"DeleteFile Invencfg.box/ABC00001.cfg",
		"RemoveEntry Logon.srv/Resync.cfg @0",
		"DeleteFile Invencfg.box/ABC00001.cfg",
		"DeleteFile Invencfg.box/ABC00077.cfg",
	}
	if got := describe(rows); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("plan:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if sum.Entries != 5 || sum.Files != 3 || sum.ResyncFiles != 2 {
		t.Errorf("summary = %+v", sum)
	}
	del := rows[4]
	if del.RequestTime == nil || *del.RequestTime != int64(n-100*day) || del.Cutoff != o.Cutoff() {
		t.Errorf("DeleteFile row times: %+v", del)
	}
	if rows[7].RequestTime != nil {
		t.Errorf("logon orphan must have no RequestTime: %+v", rows[7])
	}

	o.Orphans, o.IncludeInvalid = true, true
	rows, _ = runPlan(t, o, []string{dom}, nil)
	got := strings.Join(describe(rows), "\n")
	for _, w := range []string{"RemoveEntry Domain.000/Resync.cfg @288", "DeleteFile Invencfg.box/ABC00099.cfg"} {
		if !strings.Contains(got, w) {
			t.Errorf("with --orphans --include-invalid, missing %q in\n%s", w, got)
		}
	}

	// Without site domains in the plan, logon .cfg files are not orphans.
	rows, _ = runPlan(t, Options{Days: 90, Now: now}, nil, []string{logon})
	if got := describe(rows); len(got) != 1 || got[0] != "RemoveEntry Logon.srv/Resync.cfg @0" {
		t.Errorf("logon only: %v", got)
	}
	rows, _ = runPlan(t, Options{Days: 90, Now: now, LogonAllCfg: true}, nil, []string{logon})
	if len(rows) != 4 {
		t.Errorf("--logon-all-cfg: %v", describe(rows))
	}
}

// A Resync.cfg that ends in a partial record gets no rows at all: apply
// would refuse every RemoveEntry (it never rewrites such a file) and every
// DeleteFile beside it. plan says so in one warning naming the file.
func TestPlanPartialRecordPlansNothing(t *testing.T) {
	n := uint32(now.Unix())
	for _, logon := range []bool{false, true} {
		dir := filepath.Join(t.TempDir(), "Domain.000")
		if logon {
			dir = filepath.Join(filepath.Dir(dir), "Logon.srv")
		}
		writeDomain(t, dir, []record.Entry{record.Make("ABC00001", n-100*86400, nil)}, "ABC00001.cfg")
		rp := filepath.Join(dir, "Resync.cfg")
		f, _ := os.OpenFile(rp, os.O_APPEND|os.O_WRONLY, 0)
		f.Write([]byte("partial"))
		f.Close()
		var warned []string
		p := &Planner{Opt: Options{Days: 90, Now: now, IncludeInvalid: true, Orphans: true, LogonAllCfg: true},
			Warn: func(err error) { warned = append(warned, err.Error()) }}
		var rows []Row
		domains, logons := []string{dir}, []string(nil)
		if logon {
			domains, logons = nil, domains
		}
		sum, err := p.Run(domains, logons, func(r *Row) error { rows = append(rows, *r); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 0 {
			t.Errorf("logon=%v: rows = %v, want none", logon, describe(rows))
		}
		if !sum.Attention || len(warned) != 1 || !strings.Contains(warned[0], rp+": ends in a partial record at byte offset 48 (size 55") ||
			!strings.Contains(warned[0], "nothing planned") || !strings.Contains(warned[0], "dumpsync check") {
			t.Errorf("logon=%v: warnings %q, want one naming %s, the offset and the repair", logon, warned, rp)
		}
	}
}

func TestHugeDaysPlansNothing(t *testing.T) {
	n := uint32(now.Unix())
	for _, days := range []int64{30_000, 106_751_991_167_300, 200_000_000_000_000, math.MaxInt64} {
		o := Options{Days: days, Now: now}
		for _, tm := range []uint32{1, n - 1, n} {
			if e := record.Make("ABC00001", tm, nil); o.Stale(&e) {
				t.Errorf("--days %d: a request at %d is stale (cutoff %d)", days, tm, o.Cutoff())
			}
		}
		if OlderThan(int64(n), days) {
			t.Errorf("--days %d: a file as old as the epoch is older", days)
		}
	}
}

func TestOlderThan(t *testing.T) {
	for _, tt := range []struct {
		age, days int64
		want      bool
	}{
		{0, 0, false}, {1, 0, true}, {86400, 1, false}, {86401, 1, true}, {-5, 0, false},
		{90 * 86400, 90, false}, {90*86400 + 1, 90, true}, {math.MaxInt64, math.MaxInt64, false},
	} {
		if got := OlderThan(tt.age, tt.days); got != tt.want {
			t.Errorf("OlderThan(%d, %d) = %v, want %v", tt.age, tt.days, got, tt.want)
		}
	}
}

// A site domain whose Resync.cfg cannot be read still counts its .cfg files
// as present at the site, and plans no deletion of its own.
func TestUnreadableSiteDomain(t *testing.T) {
	n := uint32(now.Unix())
	root := t.TempDir()
	dom := filepath.Join(root, "Domain.000")
	writeDomain(t, dom, nil, "ABC00001.cfg", "ABC00002.cfg")
	rp := filepath.Join(dom, "Resync.cfg")
	os.Remove(rp)
	if err := os.Mkdir(rp, 0o755); err != nil { // a folder where the file should be: cannot be read
		t.Fatal(err)
	}
	logon := filepath.Join(root, "LOGON1", "Logon.srv")
	writeDomain(t, logon, []record.Entry{record.Make("ABC00001", n-100*86400, nil)}, "ABC00001.cfg", "ABC00002.cfg", "ABC00077.cfg")
	var warned int
	p := &Planner{Opt: Options{Days: 90, Now: now, Orphans: true}, Warn: func(error) { warned++ }}
	var rows []Row
	sum, err := p.Run([]string{dom}, []string{logon}, func(r *Row) error { rows = append(rows, *r); return nil })
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(describe(rows), "\n")
	want := "RemoveEntry Logon.srv/Resync.cfg @0\nDeleteFile Invencfg.box/ABC00077.cfg"
	if got != want || !sum.Attention || warned == 0 {
		t.Errorf("plan:\n%s\nwant:\n%s (attention %v, warnings %d)", got, want, sum.Attention, warned)
	}
}

// A folder with more entries to remove than a plan holds is read again as
// its rows are emitted (bounded memory, issues 9.3 and 12.4), and the
// states of its .cfg files' SMSIDs are filled by the first read or a second
// one: the rows are the same, byte for byte, whichever reads make them.
func TestPlanRescanGivesTheSameRows(t *testing.T) {
	dom, logon := rescanSite(t)
	for _, o := range rescanOptions {
		defer func(old int) { maxHeldHits, statesBy = old, statesByEither }(maxHeldHits)
		statesBy = statesByScan
		want := encodePlan(t, o, []string{dom}, []string{logon})
		for _, by := range []int{statesByScan, statesBySecondRead, statesByEither} {
			for _, limit := range []int{0, 1, 3, 100, 1 << 20} {
				maxHeldHits, statesBy = limit, by
				if got := encodePlan(t, o, []string{dom}, []string{logon}); got != want {
					t.Errorf("%+v, %d hits held, states by read %d: rows differ from the rows held in memory:\n%s\nwant:\n%s", o, limit, by, got, want)
				}
			}
		}
		if strings.Count(want, "RemoveEntry") < 100 || !strings.Contains(want, "DeleteFile") {
			t.Errorf("%+v: a plan of too little to compare:\n%s", o, want)
		}
	}
}

// rescanOptions are option sets that plan every kind of row of rescanSite.
var rescanOptions = []Options{
	{Days: 90, Now: now, IncludeInvalid: true},
	{Days: 30, Now: now, Orphans: true, Parallel: 3},
	{Days: 0, Now: now, LogonAllCfg: true},
}

// rescanSite makes a domain and a logon server of 400 valid entries (some
// with lower-case SMSIDs), invalid ones (some not ASCII) and 40 .cfg files.
func rescanSite(t *testing.T) (dom, logon string) {
	n := uint32(now.Unix())
	root := t.TempDir()
	dom = filepath.Join(root, "Domain.000")
	var recs []record.Entry
	for i := 0; i < 400; i++ {
		id := fmt.Sprintf("ABC%05X", i%37)
		if i%3 == 0 {
			id = strings.ToLower(id)
		}
		recs = append(recs, record.Make(id, n-uint32(i)*9*86400, []byte{byte(i)}))
		if i%5 == 0 {
			recs = append(recs, record.Make(fmt.Sprintf("A/%d", i), 1, nil))
		}
		if i%50 == 0 {
			recs = append(recs, record.Make("ABC\xe9\xff", uint32(i), nil)) // invalid, not ASCII
		}
	}
	var cfgs []string
	for i := range 40 {
		cfgs = append(cfgs, fmt.Sprintf("ABC%05X.cfg", i))
	}
	writeDomain(t, dom, recs, cfgs...)
	logon = filepath.Join(root, "LOGON1", "Logon.srv")
	writeDomain(t, logon, recs[:150], cfgs[10:]...)
	return dom, logon
}

// encodePlan plans and returns the rows as JSON Lines, every field.
func encodePlan(t *testing.T, o Options, domains, logons []string) string {
	t.Helper()
	var b strings.Builder
	enc, err := output.NewEncoder(&b, output.JSONL, Row{})
	if err != nil {
		t.Fatal(err)
	}
	p := &Planner{Opt: o, Warn: func(err error) { t.Logf("warn: %v", err) }}
	if _, err := p.Run(domains, logons, func(r *Row) error { return enc.Encode(r) }); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// The second read that fills the states refuses bytes other than those
// the plan was made from: rewritten, shorter, or gone.
func TestFillStatesRefusesAChangedFile(t *testing.T) {
	n := uint32(now.Unix())
	dom := filepath.Join(t.TempDir(), "Domain.000")
	recs := []record.Entry{record.Make("ABC00001", n-100*86400, nil), record.Make("ABC00002", n-100*86400, nil)}
	writeDomain(t, dom, recs, "ABC00001.cfg")
	path := filepath.Join(dom, "Resync.cfg")
	p := &Planner{Opt: Options{Days: 90, Now: now}}
	var rp resyncPlan
	if err := p.scanResync(path, &rp, nil); err != nil {
		t.Fatal(err)
	}
	list := listCfgs(dom)
	if err := p.fillStates(&rp, list.ids); err != nil {
		t.Fatalf("unchanged: %v", err)
	}
	if s := list.ids.requests("ABC00001"); s == nil || !s.allStale() {
		t.Fatalf("state of ABC00001: %+v", s)
	}
	appended := append(append([]record.Entry{}, recs...), record.Make("ABC00001", n, nil))
	rewritten := []record.Entry{recs[0], record.Make("ABC00002", n, nil)}
	for _, tt := range []struct {
		name string
		recs []record.Entry
		ok   bool
	}{
		{"appended to (the bytes planned are still there)", appended, true},
		{"rewritten", rewritten, false},
		{"shorter", recs[:1], false},
	} {
		writeDomain(t, dom, tt.recs)
		err := p.fillStates(&rp, listCfgs(dom).ids)
		if (err == nil) != tt.ok || err != nil && !strings.Contains(err.Error(), path+": changed while it was planned") {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	os.Remove(path)
	if err := p.fillStates(&rp, list.ids); err == nil || !strings.Contains(err.Error(), "reading it again") {
		t.Errorf("gone: %v", err)
	}
}

// The read that writes the RemoveEntry rows of a big Resync.cfg (more hits
// than a plan holds) warns when the file is no longer the bytes the plan
// was made from: rewritten, shorter, or gone. Its rows are still written
// as read: apply refuses those that no longer match.
func TestRescanWarnsOfAChangedFile(t *testing.T) {
	n := uint32(now.Unix())
	dom := filepath.Join(t.TempDir(), "Domain.000")
	recs := []record.Entry{record.Make("ABC00001", n-100*86400, nil), record.Make("ABC00002", n-100*86400, nil)}
	path := filepath.Join(dom, "Resync.cfg")
	for _, tt := range []struct {
		name string
		recs []record.Entry // nil: the file is gone
		warn string
		rows int
	}{
		{"unchanged", recs, "", 2},
		{"appended to (the bytes planned are still there)", append(append([]record.Entry{}, recs...), recs[0]), "", 2},
		{"rewritten", []record.Entry{recs[0], record.Make("ABC00002", n-99*86400, nil)}, path + ": changed while it was planned; apply will skip the rows that no longer match: plan again", 2},
		{"shorter", recs[:1], path + ": changed while it was planned; apply will skip the rows that no longer match: plan again", 1},
		{"gone", nil, path + ": reading it again for its rows: ", 0},
	} {
		writeDomain(t, dom, recs)
		var warnings []string
		p := &Planner{Opt: Options{Days: 90, Now: now}, Warn: func(err error) { warnings = append(warnings, err.Error()) }}
		var rp resyncPlan
		if err := p.scanResync(path, &rp, nil); err != nil {
			t.Fatal(err)
		}
		if tt.recs == nil {
			os.Remove(path)
		} else {
			writeDomain(t, dom, tt.recs)
		}
		rows := 0
		rec := &hitRecord{rp: &rp, now: now, days: 90, cutoff: p.Opt.Cutoff()}
		if err := p.emitRescan(rec, func(Record) error { rows++; return nil }); err != nil {
			t.Fatal(err)
		}
		if rows != tt.rows || len(warnings) != 0 && (tt.warn == "" || !strings.HasPrefix(warnings[0], tt.warn)) || len(warnings) == 0 && tt.warn != "" {
			t.Errorf("%s: %d rows, warnings %q; want %d rows, warning %q", tt.name, rows, warnings, tt.rows, tt.warn)
		}
	}
}
