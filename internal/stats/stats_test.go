package stats

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dumpsync/dumpsync/internal/plan"
	"github.com/dumpsync/dumpsync/internal/record"
)

var now = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

const day = 86400

// ago is a request time age seconds before now.
func ago(age int64) uint32 { return uint32(now.Unix() - age) }

type collect []File

func (c *collect) Encode(rec any) error { *c = append(*c, *rec.(*File)); return nil }

func write(t *testing.T, dir, name string, es []record.Entry, tail int) string {
	t.Helper()
	var b []byte
	for _, e := range es {
		b = append(b, e.Raw[:]...)
	}
	b = append(b, make([]byte, tail)...)
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func run(t *testing.T, files ...string) (collect, []error) {
	t.Helper()
	var got collect
	var warns []error
	if _, err := Files(files, now, &got, func(err error) { warns = append(warns, err) }); err != nil {
		t.Fatal(err)
	}
	return got, warns
}

func TestCounts(t *testing.T) {
	m := record.Make
	tests := []struct {
		name    string
		entries []record.Entry
		want    File // Path, Oldest, Newest and Ages are checked separately
		oldest  string
		newest  string
		ages    string
	}{
		{name: "empty", want: File{}, ages: "      "},
		{name: "thresholds are exclusive, as plan's", entries: []record.Entry{
			m("ABC00001", ago(30*day), nil),   // exactly 30 days: not over 30
			m("ABC00002", ago(30*day+1), nil), // one second more: over 30
			m("ABC00003", ago(90*day+1), nil),
			m("ABC00004", ago(365*day+1), nil),
			m("ABC00005", ago(4000*day), nil),
		}, want: File{Entries: 5, Valid: 5, Clients: 5, Bytes: 240, Over30: 4, Over60: 3, Over90: 3, Over180: 2, Over365: 2},
			oldest: "2015-11-19T00:00:00Z", newest: "2026-10-02T00:00:00Z", ages: "▄▄ ▄ █"},
		{name: "undated, future and invalid entries are in no Over", entries: []record.Entry{
			m("ABC00001", 0, nil),
			m("ABC00002", ago(-day), nil),         // tomorrow: Newest, but no age band
			m("ab-1", ago(400*day), nil),          // invalid SMSID
			m("ABC00003\x00x", ago(400*day), nil), // invalid: junk after the NUL
			m("abc00004", ago(400*day), nil),      // valid, lower case
			m("ABC00004", ago(10*day), nil),       // the same client
			m("Abc00004", ago(100*day), nil),      // and again
		}, want: File{Entries: 7, Valid: 5, Invalid: 2, Clients: 3, Bytes: 336, Over30: 2, Over60: 2, Over90: 2, Over180: 1, Over365: 1},
			oldest: "2025-09-27T00:00:00Z", newest: "2026-11-02T00:00:00Z", ages: "█  █ █"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := write(t, t.TempDir(), "Resync.cfg", tt.entries, 0)
			got, warns := run(t, p)
			if len(warns) != 0 || len(got) != 1 {
				t.Fatalf("warnings %v, %d records", warns, len(got))
			}
			g := got[0]
			if g.Path != p {
				t.Errorf("Path = %q, want %q", g.Path, p)
			}
			if str(g.Oldest) != tt.oldest || str(g.Newest) != tt.newest {
				t.Errorf("Oldest, Newest = %q, %q, want %q, %q", str(g.Oldest), str(g.Newest), tt.oldest, tt.newest)
			}
			if g.Ages != tt.ages {
				t.Errorf("Ages = %q, want %q", g.Ages, tt.ages)
			}
			g.Path, g.Oldest, g.Newest, g.Ages, g.oldest, g.newest = "", nil, nil, "", "", ""
			if g != tt.want {
				t.Errorf("got  %+v\nwant %+v", g, tt.want)
			}
		})
	}
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// OverN must count exactly what plan finds stale for --days N, entry by entry.
func TestOverIsPlansRule(t *testing.T) {
	var es []record.Entry
	for _, age := range []int64{0, 1, day - 1, day, 30 * day, 30*day + 1, 60 * day, 60*day + 1, 90 * day, 90*day + 1,
		180*day + 1, 365 * day, 365*day + 1, -1, -day} {
		es = append(es, record.Make("ABC00001", ago(age), nil))
	}
	es = append(es, record.Make("ABC00001", 0, nil), record.Make("bad id", ago(400*day), nil))
	got, _ := run(t, write(t, t.TempDir(), "Resync.cfg", es, 0))
	overs := []int64{got[0].Over30, got[0].Over60, got[0].Over90, got[0].Over180, got[0].Over365}
	for i, days := range Thresholds {
		o := plan.Options{Days: days, Now: now}
		var want int64
		for j := range es {
			if o.Stale(&es[j]) {
				want++
			}
		}
		if overs[i] != want {
			t.Errorf("Over%d = %d, plan's rule finds %d stale", days, overs[i], want)
		}
	}
}

func TestProblems(t *testing.T) {
	dir := t.TempDir()
	partial := write(t, dir, "partial.cfg", []record.Entry{record.Make("ABC00001", ago(100*day), nil)}, 7)
	missing := filepath.Join(dir, "missing.cfg")
	sub := filepath.Join(dir, "folder")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	var got collect
	var warns []string
	attention, err := Files([]string{partial, missing, sub}, now, &got, func(err error) { warns = append(warns, err.Error()) })
	if err != nil || !attention {
		t.Fatalf("attention %v, err %v", attention, err)
	}
	// The partial file is counted by its whole records, its Bytes are the size on disk; the others have no record.
	if len(got) != 1 || got[0].Entries != 1 || got[0].Bytes != 55 || got[0].Over90 != 1 {
		t.Errorf("records = %+v", got)
	}
	if len(warns) != 3 || !strings.Contains(warns[0], "partial record") || !strings.Contains(warns[2], "not a regular file") {
		t.Errorf("warnings = %q", warns)
	}
}

func TestEncoderErrorStops(t *testing.T) {
	dir := t.TempDir()
	a := write(t, dir, "a", nil, 0)
	b := write(t, dir, "b", nil, 0)
	n := 0
	boom := errors.New("disk full")
	_, err := Files([]string{a, b}, now, encFunc(func(any) error { n++; return boom }), func(error) {})
	if !errors.Is(err, boom) || n != 1 {
		t.Errorf("err %v after %d records", err, n)
	}
}

type encFunc func(any) error

func (f encFunc) Encode(rec any) error { return f(rec) }

func TestHistogram(t *testing.T) {
	tests := []struct {
		counts []int64
		want   string
	}{
		{[]int64{0, 0, 0}, "   "},
		{[]int64{1, 0, 8}, "▁ █"},
		{[]int64{1, 2, 3, 4, 5, 6, 7, 8}, "▁▂▃▄▅▆▇█"},
		{[]int64{1, 1000000}, "▁█"}, // a non-empty band never looks empty
		{[]int64{1<<62 + 1, 1 << 62}, "██"},
	}
	for _, tt := range tests {
		if got := Histogram(tt.counts); got != tt.want {
			t.Errorf("Histogram(%v) = %q, want %q", tt.counts, got, tt.want)
		}
	}
}
