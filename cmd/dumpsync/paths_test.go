package main

import (
	"encoding/json"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/dumpsync/dumpsync/internal/apply"
	"github.com/dumpsync/dumpsync/internal/sample"
)

// Every command takes paths longer than 260 characters and, on Windows,
// paths written with a \\?\ or \\.\ prefix, which compare equal to the same
// path without it: dump, check, plan --site/--logon, check --allow-root and
// apply --within.
func TestLongAndPrefixedPaths(t *testing.T) {
	isolate(t)
	deep := t.TempDir()
	for len(deep) < 220 {
		deep = filepath.Join(deep, strings.Repeat("p", 40))
	}
	c := sample.DefaultConfig(1, sample.DefaultNow)
	c.LogonServers = 1
	l, err := sample.Generate(deep, c)
	if err != nil {
		t.Fatal(err)
	}
	if p := filepath.Join(l.Domains[0], "Invencfg.box", "ABC00001.cfg"); len(p) <= 260 {
		t.Fatalf("the site's paths are too short for the test: %s", p)
	}
	logon := filepath.Dir(l.Logons[0])
	long, dot := func(p string) string { return p }, func(p string) string { return p }
	if runtime.GOOS == "windows" {
		long = func(p string) string { return `\\?\` + p }
		dot = func(p string) string { return `\\.\` + p }
	}

	code, out, errs := runCLI(t, "dump", "-f", "csv", long(l.Domains[0]))
	if code != 0 || !strings.Contains(out, "\r\n"+filepath.Join(l.Domains[0], "Resync.cfg")+",") {
		t.Fatalf("dump: exit %d: %s\n%.300s", code, errs, out)
	}
	if code, _, errs := runCLI(t, "check", "-f", "csv", dot(l.Domains[0])); code == 2 {
		t.Fatalf("check: exit 2: %s", errs)
	}

	planArgs := []string{"plan", "--days", "90", "--now", planNowFlag, "-f", "json"}
	code, want, errs := runCLI(t, append(planArgs, "--site", l.Root, "--logon", logon)...)
	if code != 0 || len(planRows(t, want)) == 0 {
		t.Fatalf("plan: exit %d: %s", code, errs)
	}
	code, got, errs := runCLI(t, append(planArgs, "--site", long(l.Root), "--logon", dot(logon))...)
	if code != 0 || got != want {
		t.Fatalf("plan with prefixes: exit %d: %s\ndiffers from the plan without them", code, errs)
	}
	planFile := writeFile(t, "plan.json", []byte(got))

	if code, out, errs := runCLI(t, "check", "--plan", planFile, "-f", "csv", "--allow-root", long(l.Root), "--allow-root", dot(logon)); code != 0 {
		t.Fatalf("check --plan --allow-root: exit %d: %s\n%s", code, errs, out)
	}
	for _, whatIf := range []bool{true, false} {
		args := []string{"apply", planFile, "-f", "json", "--within", long(l.Root), "--within", dot(logon)}
		if whatIf {
			args = append(args, "--what-if")
		}
		code, out, errs := runCLI(t, args...)
		var res []apply.Result
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("apply what-if=%v: exit %d: %s: %v", whatIf, code, errs, err)
		}
		if code != 0 || len(res) != len(planRows(t, got)) {
			t.Fatalf("apply what-if=%v: exit %d, %d results: %s", whatIf, code, len(res), errs)
		}
	}
	if code, again, errs := runCLI(t, append(planArgs, "--site", l.Root, "--logon", logon)...); code != 0 || len(planRows(t, again)) != 0 {
		t.Errorf("plan after apply: exit %d, %d rows: %s", code, len(planRows(t, again)), errs)
	}
}
