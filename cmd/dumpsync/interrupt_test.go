package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dumpsync/dumpsync/internal/apply"
	"github.com/dumpsync/dumpsync/internal/exitcode"
)

// runStopped runs dumpsync in-process as if the user had pressed Ctrl-C
// before it began its work (Streams.Interrupt closed).
func runStopped(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	stop := make(chan struct{})
	close(stop)
	s := &Streams{In: bytes.NewReader(nil), Out: &out, Err: &errb, Interrupt: stop}
	code = run(args, s, func() time.Time { return testNow })
	return code, out.String(), errb.String()
}

// dumpsyncFiles lists the files under root whose name says they are
// dumpsync's (temporary, lock, leftover files).
func dumpsyncFiles(t *testing.T, root string) []string {
	t.Helper()
	var found []string
	for rel := range snapshot(t, root) {
		if strings.Contains(strings.ToLower(filepath.Base(rel)), "dumpsync") {
			found = append(found, rel)
		}
	}
	return found
}

// TestInterruptedReadOnlyCommands: plan, dump and check stopped by Ctrl-C
// exit 130, say so in one line, and leave no --out file, temporary or not.
func TestInterruptedReadOnlyCommands(t *testing.T) {
	isolate(t)
	l := newSmallSite(t)
	logon := filepath.Join(l.Dir, "LOGON*", "SMSLOGON")
	for _, c := range []struct {
		name string
		args []string
	}{
		{"plan", []string{"plan", "--days", "90", "--site", l.Root, "--logon", logon}},
		{"dump", []string{"dump", l.Domains[0], l.Domains[1]}},
		{"check", []string{"check", l.Domains[0], l.Domains[1]}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "out.json")
			code, _, stderr := runStopped(t, append(c.args, "--out", out)...)
			if code != exitcode.Interrupted {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, exitcode.Interrupted, stderr)
			}
			if want := "dumpsync: interrupted; " + out + " was not written\n"; stderr != want {
				t.Errorf("stderr:\n%s\nwant:\n%s", stderr, want)
			}
			if left := snapshot(t, dir); len(left) != 1 { // "." itself
				t.Errorf("left in the --out folder: %v", left)
			}
		})
	}
}

// TestInterruptedApplyBeforeWork: an apply stopped before its first change
// changes nothing, writes complete results (every row Skipped, not reached)
// and exits 130 with one line.
func TestInterruptedApplyBeforeWork(t *testing.T) {
	for _, whatIf := range []bool{false, true} {
		name := "apply"
		if whatIf {
			name = "what-if"
		}
		t.Run(name, func(t *testing.T) {
			cache := isolate(t)
			l := newSmallSite(t)
			planFile := filepath.Join(t.TempDir(), "plan.json")
			if err := os.WriteFile(planFile, planWholeSite(t, l, "json"), 0o644); err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, l.Dir)
			args := []string{"-q", "apply", planFile, "--within", l.Dir, "-f", "json"} // -q: no preview, only the interrupt line
			if whatIf {
				args = append(args, "--what-if")
			}
			code, stdout, stderr := runStopped(t, args...)
			if code != exitcode.Interrupted {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, exitcode.Interrupted, stderr)
			}
			var results []apply.Result
			if err := json.Unmarshal([]byte(stdout), &results); err != nil {
				t.Fatalf("results are not one JSON document: %v\n%s", err, stdout)
			}
			n := len(parseJSONPlan(t, mustRead(t, planFile)).rows)
			if len(results) != n {
				t.Errorf("%d results for %d rows", len(results), n)
			}
			for i, r := range results {
				if r.Status != apply.Skipped || r.Detail != apply.DetailInterrupted {
					t.Errorf("result %d: %s %q, want Skipped %q", i+1, r.Status, r.Detail, apply.DetailInterrupted)
				}
			}
			want := "dumpsync: interrupted: 0 of %d rows applied, %d not reached (Skipped)\n"
			if whatIf {
				want = "dumpsync: interrupted: 0 of %d rows checked, %d not reached; nothing was changed\n"
			}
			if want = fmt.Sprintf(want, n, n); stderr != want {
				t.Errorf("stderr:\n%s\nwant:\n%s", stderr, want)
			}
			sameTree(t, "site after an apply stopped before its work", snapshot(t, l.Dir), before)
			if undo := snapshot(t, cache); len(undo) > 1 {
				t.Errorf("undo folder not empty: %v", undo)
			}
		})
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestInterruptedOriginalSyntax: 'dumpsync 90' stopped by Ctrl-C while it
// plans (its rows go to apply as they are planned) changes nothing, writes
// no results and no undo file, and exits 130 with one line.
func TestInterruptedOriginalSyntax(t *testing.T) {
	cache := isolate(t)
	l := newSmallSite(t)
	before := snapshot(t, l.Dir)
	t.Chdir(l.Domains[0])
	code, stdout, stderr := runStopped(t, "90")
	if code != exitcode.Interrupted {
		t.Errorf("exit %d, want %d; stderr:\n%s", code, exitcode.Interrupted, stderr)
	}
	if stdout != "" {
		t.Errorf("results of a run stopped while planning:\n%s", stdout)
	}
	if want := "dumpsync: interrupted\n"; stderr != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr, want)
	}
	sameTree(t, "site after 'dumpsync 90' stopped while planning", snapshot(t, l.Dir), before)
	if undo := snapshot(t, cache); len(undo) > 1 {
		t.Errorf("undo folder not empty: %v", undo)
	}
}
