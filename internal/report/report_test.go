package report

import (
	"bytes"
	"errors"
	"testing"
)

func TestReporter(t *testing.T) {
	tests := []struct {
		name  string
		quiet bool
		do    func(r *Reporter)
		want  string
		warns int
	}{
		{"error keeps one prefix", false, func(r *Reporter) { r.Error(errors.New("dumpsync: x: no such file")) },
			"dumpsync: x: no such file\n", 0},
		{"errorf and hint", false, func(r *Reporter) { r.Errorf("bad %d", 1); r.Hint("try --%s", "days") },
			"dumpsync: bad 1\ndumpsync: hint: try --days\n", 0},
		{"warnings are counted", false, func(r *Reporter) { r.Warn(errors.New("a")); r.Warnf("b %s", "c") },
			"dumpsync: a\ndumpsync: b c\n", 2},
		{"summary", false, func(r *Reporter) { r.Summary("check", "%d errors", 3) },
			"dumpsync: check: 3 errors\n", 0},
		{"quiet drops the summary and reasons, not errors or warnings", true, func(r *Reporter) {
			r.Summary("apply", "x")
			r.Reason("skipped: y")
			r.Reasons()
			r.Errorf("e")
			r.Warnf("w")
			r.Hint("h")
		}, "dumpsync: e\ndumpsync: w\ndumpsync: hint: h\n", 1},
		{"reasons: most frequent first, ties by first seen, at most five", false, func(r *Reporter) {
			for _, x := range []string{"a", "b", "c", "c", "d", "e", "f", "g", "g", "g"} {
				r.Reason(x)
			}
			r.ReasonN("h", 0)
			r.Reasons()
		}, "dumpsync:   3 g\ndumpsync:   2 c\ndumpsync:   1 a\ndumpsync:   1 b\ndumpsync:   1 d\n", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			r := New(&b)
			r.Quiet = tt.quiet
			tt.do(r)
			if b.String() != tt.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tt.want)
			}
			if r.Warnings() != tt.warns {
				t.Errorf("Warnings() = %d, want %d", r.Warnings(), tt.warns)
			}
		})
	}
}

func TestCount(t *testing.T) {
	for _, c := range []struct {
		n    int64
		want string
	}{{0, "0 entries"}, {1, "1 entry"}, {2, "2 entries"}, {-1, "-1 entries"}, {1234567, "1234567 entries"}} {
		if got := Count(c.n, "entry", "entries"); got != c.want {
			t.Errorf("Count(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}
