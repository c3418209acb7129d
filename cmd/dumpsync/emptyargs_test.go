package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestEmptyArguments: a flag value or argument given as "" (PowerShell 7.3+
// passes an unset $var so) is a usage error naming it, and changes nothing,
// even where "" would otherwise mean the current folder, no backup or the
// real clock. Completion of an empty word still works.
func TestEmptyArguments(t *testing.T) {
	isolate(t)
	l := newSmallSite(t)
	planPath := writeFile(t, "plan.json", planWholeSite(t, l, "json"))
	// In the site's folder, "--within ''" would be the whole site.
	t.Chdir(l.Dir)
	before := snapshot(t, l.Dir)
	out := filepath.Join(t.TempDir(), "out.json")
	for _, c := range []struct {
		args []string
		name string
	}{
		{[]string{"apply", planPath, "--within", "", "--yes"}, "--within: empty value"},
		{[]string{"apply", planPath, "--within", l.Dir, "--within=", "--yes"}, "--within: empty value"},
		{[]string{"apply", planPath, "--within", l.Dir, "--backup-dir", "", "--yes"}, "--backup-dir: empty value"},
		{[]string{"apply", planPath, "--within", l.Dir, "--undo", "", "--yes"}, "--undo: empty value"},
		{[]string{"apply", planPath, "--within", l.Dir, "--yes", "--out", ""}, "--out: empty value"},
		{[]string{"apply", "", "--within", l.Dir, "--yes"}, "PLAN: empty argument"},
		{[]string{"plan", "--days", "90", "--site", ""}, "--site: empty value"},
		{[]string{"plan", "--days", "90", "--site", l.Root, "--logon", ""}, "--logon: empty value"},
		{[]string{"plan", "--days", "90", "--site", l.Root, "--now", ""}, "--now: empty value"},
		{[]string{"plan", "--days", "90", ""}, "DOMAIN: empty argument"},
		{[]string{"dump", ""}, "PATH: empty argument"},
		{[]string{"dump", ".", "", "--out", out}, "PATH: empty argument"},
		{[]string{"stats", ""}, "PATH: empty argument"},
		{[]string{"recover", ""}, "PATH: empty argument"},
		{[]string{"check", ""}, "PATH: empty argument"},
		{[]string{"check", "--plan", ""}, "--plan: empty value"},
		{[]string{"check", "--plan", planPath, "--allow-root", ""}, "--allow-root: empty value"},
		{[]string{""}, "empty argument where the command belongs"},
		{[]string{"-q", "", "dump"}, "empty argument where the command belongs"},
		{[]string{"", "/Dump"}, "empty argument where the command belongs"},
		{[]string{"90", ""}, "ARGS: empty argument"},
	} {
		code, stdout, stderr := runTTY("", false, false, c.args...)
		want := "dumpsync: " + c.name
		if code != 2 || stdout != "" || !strings.HasPrefix(stderr, want) || !strings.Contains(stderr, "nothing was done") {
			t.Errorf("%q: exit %d, stdout %.200q, stderr %q; want exit 2 and %q", c.args, code, stdout, stderr, want)
		}
	}
	sameTree(t, "after empty arguments", snapshot(t, l.Dir), before)
	if m, _ := filepath.Glob(filepath.Join(filepath.Dir(out), "*")); len(m) != 0 {
		t.Errorf("files written: %q", m)
	}

	// Shells complete an empty word by passing "".
	if code, stdout, stderr := runTTY("", false, false, "__complete", "dump", ""); code != 0 || stdout == "" {
		t.Errorf("__complete dump '': exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
