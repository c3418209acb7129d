package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"
)

// The narrow table of a plan of the sample site fits 120 columns, even with
// the 150-byte root the golden tests use; --wide does not shorten anything.
func TestPlanTableFits(t *testing.T) {
	l := defaultPlanSite(t)
	for _, wide := range []bool{false, true} {
		args := planArgs(l, "-f", "table")
		if wide {
			args = append(args, "--wide")
		}
		code, out, errs := planCLI(t, args...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		widest := 0
		for _, line := range strings.Split(out, "\n") {
			widest = max(widest, runewidth.StringWidth(line))
		}
		if !wide && widest > 120 {
			t.Errorf("narrow table is %d columns wide", widest)
		}
		if wide && (widest <= 120 || strings.Contains(out, "…")) {
			t.Errorf("--wide: %d columns, shortened: %v", widest, strings.Contains(out, "…"))
		}
		if !wide && !strings.Contains(out, "…") {
			t.Error("narrow table: no path was shortened")
		}
	}
}

// TestResultTableGolden pins apply's results as narrow and wide tables
// (apply --what-if of the sample plan).
func TestResultTableGolden(t *testing.T) {
	l := defaultPlanSite(t)
	code, plan, errs := planCLI(t, planArgs(l, "-f", "json")...)
	if code != 0 {
		t.Fatalf("plan: exit %d: %s", code, errs)
	}
	planFile := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(planFile, []byte(plan), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		golden string
		extra  []string
	}{
		{"results.txt", nil},
		{"results.wide.txt", []string{"--wide"}},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			args := append([]string{"apply", planFile, "--what-if", "--within", l.Dir, "-f", "table"}, tt.extra...)
			code, out, errs := planCLI(t, args...)
			if code != 0 {
				t.Fatalf("apply: exit %d: %s", code, errs)
			}
			checkGolden(t, tt.golden, normalizePlan(t, out, l.Dir, "table"))
		})
	}
}
