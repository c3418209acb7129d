package check

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	goldenfile "github.com/dumpsync/dumpsync/internal/golden"
	"github.com/dumpsync/dumpsync/internal/output"
	"github.com/dumpsync/dumpsync/internal/record"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var now = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

const day = 86400

// ago is a request time d days before now.
func ago(d int64) uint32 { return uint32(now.Unix() - d*day) }

// domain makes a domain folder: Resync.cfg holding recs and then tail (bytes
// of a partial record), and, unless cfgs is nil, an Invencfg.box with them.
func domain(t *testing.T, dir string, recs []record.Entry, tail []byte, cfgs []string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var b []byte
	for _, r := range recs {
		b = append(b, r.Raw[:]...)
	}
	b = append(b, tail...)
	path := filepath.Join(dir, "Resync.cfg")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if cfgs != nil {
		box := filepath.Join(dir, "Invencfg.box")
		if err := os.MkdirAll(box, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, c := range cfgs {
			if err := os.WriteFile(filepath.Join(box, c), []byte("cfg"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return path
}

func rec(id string, t uint32) record.Entry { return record.Make(id, t, nil) }

func limit(n int64) Limit { return Limit{N: n, Set: true} }

// key renders the identifying fields of a finding for comparison.
func key(f Finding) string {
	off := "-"
	if f.Offset != nil {
		off = fmt.Sprint(*f.Offset)
	}
	return fmt.Sprintf("%s %s %s @%s", f.Severity, f.Code, deref(f.SmsId), off)
}

func TestHealthFindings(t *testing.T) {
	tests := []struct {
		name string
		recs []record.Entry
		tail []byte
		cfgs []string // nil: no Invencfg.box
		opt  Options
		want []string
		msg  string // a finding's message must contain it
	}{
		{name: "clean", recs: []record.Entry{rec("A1", ago(1)), rec("B2", ago(500))}, cfgs: []string{"A1.cfg", "b2.CFG"}},
		{name: "clean, no Invencfg.box", recs: []record.Entry{rec("A1", ago(1))}},
		{name: "empty file", cfgs: []string{}},
		{name: "partial record", recs: []record.Entry{rec("A1", ago(1))}, tail: []byte{1, 2, 3},
			want: []string{"Error PartialRecord  @48"}, msg: "partial record at byte offset 48: 3 bytes"},
		{name: "only a partial record", tail: []byte{1},
			want: []string{"Error PartialRecord  @0"}},
		{name: "invalid SMSID", recs: []record.Entry{rec("A1", ago(1)), rec("A/1", 0), rec("", ago(1))},
			want: []string{"Warning InvalidSmsId A/1 @48", "Warning InvalidSmsId  @96"}, msg: "SMSID has byte 0x2F at position 1"},
		{name: "zero time", recs: []record.Entry{rec("A1", 0)},
			want: []string{"Warning ZeroTime A1 @0"}},
		{name: "future time", recs: []record.Entry{rec("A1", uint32(now.Unix())), rec("B1", uint32(now.Unix())+1)},
			want: []string{"Warning FutureTime B1 @48"}, msg: "is in the future"},
		{name: "duplicates any case", recs: []record.Entry{rec("A1", ago(3)), rec("B1", ago(2)), rec("a1", ago(1)), rec("A1", ago(1)), rec("B1", 0)},
			want: []string{"Info DuplicateEntry A1 @96", "Info DuplicateEntry B1 @192", "Warning ZeroTime B1 @192"}, msg: "SMSID A1 has 3 entries (first at byte offset 0)"},
		{name: "invalid entries are not duplicates", recs: []record.Entry{rec("A/1", 1), rec("A/1", 1)},
			want: []string{"Warning InvalidSmsId A/1 @0", "Warning InvalidSmsId A/1 @48"}},
		{name: "missing cfg", recs: []record.Entry{rec("A1", ago(1)), rec("B1", ago(1)), rec("b1", ago(1)), rec("C/1", ago(1))}, cfgs: []string{"a1.cfg"},
			want: []string{"Info MissingCfg B1 @48", "Info DuplicateEntry B1 @96", "Warning InvalidSmsId C/1 @144"}, msg: "no B1.cfg in Invencfg.box"},
		{name: "orphan cfg", recs: []record.Entry{rec("A1", ago(1)), rec("C-1", ago(1))}, cfgs: []string{"A1.cfg", "Z9.cfg", "c-1.cfg", "notcfg.txt"},
			want: []string{"Info OrphanCfg c-1 @-", "Info OrphanCfg Z9 @-", "Warning InvalidSmsId C-1 @48"}, msg: "no request for Z9 in the Resync.cfg beside Invencfg.box"},
		{name: "a .cfg with only invalid entries is an orphan, as plan judges", recs: []record.Entry{rec("A1", ago(1)), rec("C-1", ago(1)), rec("c-1", ago(2))}, cfgs: []string{"A1.cfg", "c-1.cfg"},
			want: []string{"Info OrphanCfg c-1 @-", "Warning InvalidSmsId C-1 @48", "Warning InvalidSmsId c-1 @96"}, msg: "no request for c-1 in the Resync.cfg beside Invencfg.box (only invalid entries: 2, which plan does not count as requests)"},
		{name: "too old", recs: []record.Entry{rec("A1", ago(90)), rec("B1", ago(91)), rec("C1", 0), rec("D/1", ago(900))}, opt: Options{MaxAgeDays: limit(90)},
			want: []string{"Error TooOld B1 @48", "Warning ZeroTime C1 @96", "Warning InvalidSmsId D/1 @144"}, msg: "request is 91 days old (more than --max-age-days 90)"},
		{name: "too old by one second, as plan --days judges it", recs: []record.Entry{rec("A1", ago(90)), rec("B1", ago(90)-1)}, opt: Options{MaxAgeDays: limit(90)},
			want: []string{"Error TooOld B1 @48"}},
		{name: "too old 0", recs: []record.Entry{rec("A1", uint32(now.Unix())), rec("B1", uint32(now.Unix())-day)}, opt: Options{MaxAgeDays: limit(0)},
			want: []string{"Error TooOld B1 @48"}},
		{name: "entries at the limit", recs: []record.Entry{rec("A1", ago(1)), rec("B1", ago(1))}, opt: Options{MaxEntries: limit(2)}},
		{name: "too many entries", recs: []record.Entry{rec("A1", ago(1)), rec("B1", ago(1))}, tail: []byte{0}, opt: Options{MaxEntries: limit(1)},
			want: []string{"Error TooManyEntries  @-", "Error PartialRecord  @96"}, msg: "2 entries (more than --max-entries 1)"},
		{name: "bytes at the limit", recs: []record.Entry{rec("A1", ago(1))}, opt: Options{MaxBytes: limit(48)}},
		{name: "too large", recs: []record.Entry{rec("A1", ago(1))}, tail: []byte{0}, opt: Options{MaxBytes: limit(48)},
			want: []string{"Error TooLarge  @-", "Error PartialRecord  @48"}, msg: "49 bytes (more than --max-bytes 48)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := domain(t, t.TempDir(), tt.recs, tt.tail, tt.cfgs)
			tt.opt.Now = now
			var got []Finding
			sum, err := Health([]string{path}, tt.opt, func(f *Finding) error { got = append(got, *f); return nil },
				func(err error) { t.Errorf("warn: %v", err) })
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, f := range got {
				keys = append(keys, key(f))
			}
			if strings.Join(keys, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(keys, "\n"), strings.Join(tt.want, "\n"))
			}
			if tt.msg != "" {
				found := false
				for _, f := range got {
					found = found || strings.Contains(f.Message, tt.msg)
				}
				if !found {
					t.Errorf("no message contains %q: %+v", tt.msg, got)
				}
			}
			var errs, warns, infos int
			for _, f := range got {
				if f.Path == nil || f.Message == "" {
					t.Errorf("finding without Path or Message: %+v", f)
				}
				switch f.Severity {
				case Error:
					errs++
				case Warning:
					warns++
				default:
					infos++
				}
			}
			if sum != (Summary{Errors: errs, Warnings: warns, Infos: infos, Inputs: 1}) {
				t.Errorf("summary %+v, findings %d/%d/%d", sum, errs, warns, infos)
			}
		})
	}
}

func TestHealthUnreadable(t *testing.T) {
	dir := t.TempDir()
	good := domain(t, filepath.Join(dir, "good"), []record.Entry{rec("A1", 0)}, nil, nil)
	missing := filepath.Join(dir, "gone", "Resync.cfg")
	var warned []error
	var got []Finding
	sum, err := Health([]string{missing, good}, Options{Now: now}, func(f *Finding) error { got = append(got, *f); return nil },
		func(err error) { warned = append(warned, err) })
	if err != nil {
		t.Fatal(err)
	}
	if sum.Unreadable != 1 || len(warned) != 1 || len(got) != 1 || got[0].Code != ZeroTime {
		t.Errorf("summary %+v, warned %v, findings %+v", sum, warned, got)
	}
}

func TestSummaryFailed(t *testing.T) {
	tests := []struct {
		sum          Summary
		plain, stric bool
	}{
		{Summary{}, false, false},
		{Summary{Infos: 3}, false, false},
		{Summary{Warnings: 1}, false, true},
		{Summary{Errors: 1}, true, true},
	}
	for _, tt := range tests {
		if got := tt.sum.Failed(false); got != tt.plain {
			t.Errorf("%+v.Failed(false) = %v", tt.sum, got)
		}
		if got := tt.sum.Failed(true); got != tt.stric {
			t.Errorf("%+v.Failed(true) = %v", tt.sum, got)
		}
	}
}

func TestLimit(t *testing.T) {
	for _, s := range []string{"-1", "x", "", "1.5"} {
		var l Limit
		if err := l.UnmarshalText([]byte(s)); err == nil {
			t.Errorf("Limit %q accepted", s)
		}
	}
	var l Limit
	if l.Exceeded(1 << 62) {
		t.Error("an unset limit is exceeded")
	}
	if err := l.UnmarshalText([]byte("10")); err != nil || !l.Set || l.N != 10 {
		t.Fatalf("Limit 10: %+v, %v", l, err)
	}
	if l.Exceeded(10) || !l.Exceeded(11) {
		t.Error("N itself must be allowed, N+1 not")
	}
}

// makeSite builds a site of several domains, each with one kind of defect.
func makeSite(t *testing.T) (root string, files []string) {
	root = t.TempDir()
	inv := filepath.Join(root, "Site.srv", "Maincfg.box", "Invdom.box")
	d := func(name string, recs []record.Entry, tail []byte, cfgs []string) {
		files = append(files, domain(t, filepath.Join(inv, name), recs, tail, cfgs))
	}
	d("Domain.000", []record.Entry{rec("ABC00001", ago(10)), rec("ABC00002", ago(100))}, nil, []string{"ABC00001.cfg", "ABC00002.cfg"})
	d("Domain.001", []record.Entry{rec("ABC00010", ago(10)), rec("ABC00011", ago(20))}, []byte("partial"), []string{"ABC00010.cfg", "ABC00011.cfg"})
	d("Domain.002", []record.Entry{rec("ABC00020", ago(400)), rec("ABC\x0100021", ago(1)), rec("ABC00022", 0), rec("ABC00023", ago(-3))}, nil,
		[]string{"ABC00020.cfg", "ABC00022.cfg", "ABC00023.cfg"})
	d("Domain.003", []record.Entry{rec("ABC00030", ago(40)), rec("abc00030", ago(30)), rec("ABC00031", ago(5)), rec("ABC00030", ago(1))}, nil,
		[]string{"abc00030.CFG", "ABC00099.cfg", "XYZ.cfg"})
	d("Domain.004", []record.Entry{rec("ABC00040", ago(1))}, nil, nil)
	return root, files
}

func TestHealthGolden(t *testing.T) {
	root, files := makeSite(t)
	tests := []struct {
		name string
		opt  Options
	}{
		{"default", Options{}},
		{"thresholds", Options{MaxAgeDays: limit(90), MaxEntries: limit(3), MaxBytes: limit(100)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opt.Now = now
			var buf bytes.Buffer
			enc, err := output.NewEncoder(&buf, output.JSON, Finding{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = Health(files, tt.opt, func(f *Finding) error {
				g := *f
				g.Path = relative(root, f.Path)
				if f.Path != nil { // the repair lines of PartialRecord name the file
					g.Message = strings.ReplaceAll(f.Message, *f.Path, *g.Path)
				}
				return enc.Encode(&g)
			}, func(err error) { t.Errorf("warn: %v", err) })
			if err != nil {
				t.Fatal(err)
			}
			if err := enc.Close(); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("..", "..", "testdata", "golden", "check", tt.name+".json"), buf.Bytes())
		})
	}
}

// relative makes a path portable for golden files: $SITE/... with slashes.
func relative(root string, p *string) *string {
	if p == nil {
		return nil
	}
	rel, err := filepath.Rel(root, *p)
	if err != nil {
		panic(err)
	}
	s := "$SITE/" + filepath.ToSlash(rel)
	return &s
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	goldenfile.Check(t, path, got, *update)
}
