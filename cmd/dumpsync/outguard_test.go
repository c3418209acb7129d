package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOutNeverOverInputs: --out naming a Resync.cfg, a file in an
// Invencfg.box, a file dumpsync keeps beside a Resync.cfg, the plan being
// applied or gated, a file being dumped or the --undo file is a usage error,
// and nothing is read, changed or written. (Before, `dump -f json --out
// Resync.cfg` replaced the Resync.cfg with JSON, and `apply plan.json --out
// plan.json` the plan with its results.)
func TestOutNeverOverInputs(t *testing.T) {
	cache := isolate(t)
	l := newSmallSite(t)
	dom := l.Domains[0]
	resync := filepath.Join(dom, "Resync.cfg")
	plan := planWholeSite(t, l, "json")
	planPath := writeFile(t, "plan.json", plan)
	undo := filepath.Join(t.TempDir(), "undo.json")
	dumped := writeFile(t, "copy.cfg", mustRead(t, resync))
	before := snapshot(t, l.Dir)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"dump", dom, "-f", "json", "--out", resync}, "is a Resync.cfg"},
		{[]string{"dump", resync, "-f", "json", "--out", filepath.Join(dom, "RESYNC.CFG")}, "is a Resync.cfg"},
		{[]string{"stats", dom, "-f", "json", "--out", filepath.Join(dom, "Invencfg.box", "stats.json")}, "is inside an Invencfg.box"},
		{[]string{"check", dom, "-f", "json", "--out", filepath.Join(dom, "Resync.cfg.dumpsync-lock")}, "is a file dumpsync keeps beside a Resync.cfg"},
		{[]string{"plan", "--days", "90", dom, "-f", "json", "--out", filepath.Join(dom, "Invencfg.box", "ABC00001.cfg")}, "is inside an Invencfg.box"},
		{[]string{"apply", planPath, "--within", l.Dir, "--yes", "-f", "json", "--out", resync}, "is a Resync.cfg"},
		{[]string{"apply", planPath, "--within", l.Dir, "--yes", "--out", planPath}, "is also PLAN " + planPath},
		{[]string{"apply", planPath, "--within", l.Dir, "--yes", "--undo", undo, "--out", undo}, "is also --undo " + undo},
		{[]string{"check", "--plan", planPath, "--out", planPath}, "is also --plan " + planPath},
		{[]string{"dump", dumped, "-f", "json", "--out", dumped}, "is also PATH " + dumped},
		{[]string{"/Dump", "-f", "json", "--out", resync}, "is a Resync.cfg"},
	} {
		t.Chdir(dom) // for the original syntax
		code, stdout, stderr := runTTY("", false, false, c.args...)
		if code != 2 || stdout != "" || !strings.HasPrefix(stderr, "dumpsync: --out ") || !strings.Contains(stderr, c.want) ||
			!strings.HasSuffix(stderr, "; nothing was done\n") {
			t.Errorf("%q: exit %d, stdout %.200q, stderr %q; want exit 2 and %q", c.args, code, stdout, stderr, c.want)
		}
	}
	sameTree(t, "after --out over inputs", snapshot(t, l.Dir), before)
	if got := mustRead(t, planPath); !bytes.Equal(got, plan) {
		t.Errorf("the plan changed")
	}
	if got := mustRead(t, dumped); !bytes.Equal(got, mustRead(t, resync)) {
		t.Errorf("the dumped copy changed")
	}
	if _, err := os.Lstat(undo); err == nil {
		t.Errorf("undo file written")
	}
	if files := snapshot(t, cache); len(files) != 1 { // "." only
		t.Errorf("cache holds %v", files)
	}

	// Output beside a Resync.cfg under another name is fine, and so is a
	// name that another kind of argument (a format, a kind) happens to have.
	outDir := t.TempDir()
	t.Chdir(outDir)
	for _, args := range [][]string{
		{"dump", dom, "--out", "Resync.cfg.json"},
		{"dump", dom, "-f", "json", "--out", "json"},
		{"schema", "plan", "--out", "plan"},
	} {
		if err := os.WriteFile(args[len(args)-1], nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if code, _, stderr := runTTY("", false, false, args...); code != 0 {
			t.Errorf("%q: exit %d, %s", args, code, stderr)
		}
	}
}

// TestOutDashIsStdout: --out - writes to stdout, as PLAN - reads stdin; no
// file named "-" appears, and the format follows --format or auto.
func TestOutDashIsStdout(t *testing.T) {
	l := newSmallSite(t)
	t.Chdir(t.TempDir())
	_, want, _ := runTTY("", false, false, "dump", l.Domains[0], "-f", "jsonl")
	for _, args := range [][]string{
		{"dump", l.Domains[0], "-f", "jsonl", "--out", "-"},
		{"dump", l.Domains[0], "-f", "jsonl", "--out=-"},
	} {
		code, stdout, stderr := runTTY("", false, false, args...)
		if code != 0 || stdout != want {
			t.Errorf("%q: exit %d, %d bytes on stdout (want %d), stderr %q", args, code, len(stdout), len(want), stderr)
		}
	}
	if code, stdout, _ := runTTY("", false, false, "dump", l.Domains[0], "--out", "-"); code != 0 || !strings.HasPrefix(stdout, "[\n{") {
		t.Errorf("--out - with auto: exit %d, stdout %.80q; want JSON", code, stdout)
	}
	if _, err := os.Lstat("-"); err == nil {
		t.Errorf("a file named - was written")
	}
}
