//go:build !windows

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/gofrs/flock"

	"github.com/dumpsync/dumpsync/internal/apply"
	"github.com/dumpsync/dumpsync/internal/exitcode"
	"github.com/dumpsync/dumpsync/internal/resyncedit"
)

// startDumpsync starts the dumpsync binary (the test binary, which
// testscript.Main puts on PATH as dumpsync).
func startDumpsync(t *testing.T, stdin *os.File, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	bin, err := exec.LookPath("dumpsync")
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &out, &errb
}

// waitExit waits (up to limit) for cmd and returns its exit code.
func waitExit(t *testing.T, cmd *exec.Cmd, limit time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(limit):
		cmd.Process.Kill()
		<-done
		t.Fatalf("dumpsync still running %v after the signal", limit)
		return -1
	}
}

// waitFor polls cond for up to 30 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestApplySIGINT sends a real SIGINT to the dumpsync binary while apply is
// between two folders: it has rewritten the first folder's Resync.cfg and
// deleted its files, and waits for the lock of the second folder's
// Resync.cfg, which the test holds. apply must stop waiting, write complete
// results (the first folder Applied, every other row Skipped, not reached),
// remove its lock and temporary files, end with one line naming the undo
// file, and exit 130; the undo file must put everything back.
func TestApplySIGINT(t *testing.T) {
	isolate(t)
	l := newSmallSite(t)
	planJSON := planWholeSite(t, l, "json")
	p := parseJSONPlan(t, planJSON)
	planFile := filepath.Join(t.TempDir(), "plan.json")
	undoFile := filepath.Join(t.TempDir(), "undo.json")
	if err := os.WriteFile(planFile, planJSON, 0o644); err != nil {
		t.Fatal(err)
	}
	orig := snapshot(t, l.Dir)

	// The first folder is the one of the first row; the second is the next
	// folder with a Resync.cfg row.
	first := filepath.Dir(p.str(0, "Path"))
	var firstRows []int
	var second string
	for i := range p.rows {
		path, dir := p.str(i, "Path"), filepath.Dir(p.str(i, "Path"))
		if p.str(i, "Action") == "DeleteFile" {
			dir = filepath.Dir(dir)
		}
		switch {
		case dir == first:
			firstRows = append(firstRows, i)
		case second == "" && p.str(i, "Action") == "RemoveEntry":
			second = path
		}
	}
	if second == "" {
		t.Fatal("the plan has one folder only")
	}
	lk := flock.New(resyncedit.LockPath(second))
	if ok, err := lk.TryLock(); !ok || err != nil {
		t.Fatalf("locking %s: %v", second, err)
	}
	defer func() {
		lk.Unlock()
		os.Remove(resyncedit.LockPath(second))
	}()

	cmd, stdout, stderr := startDumpsync(t, nil, "-q", "apply", planFile, "--within", l.Dir, "--undo", undoFile, "-f", "json")
	want := expect(t, l.Dir, orig, p, firstRows...)
	waitFor(t, "the first folder's changes", func() bool {
		// Each file is read on its own: apply is deleting some meanwhile.
		for _, i := range firstRows {
			rel, _ := filepath.Rel(l.Dir, p.str(i, "Path"))
			b, err := os.ReadFile(p.str(i, "Path"))
			w, ok := want[filepath.ToSlash(rel)]
			if ok != (err == nil) || ok && string(b) != w {
				return false
			}
		}
		return true
	})
	time.Sleep(50 * time.Millisecond) // apply is now waiting for the lock
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	// Well within the 5 s lock wait: the wait ends on the signal.
	if code := waitExit(t, cmd, 4*time.Second); code != exitcode.Interrupted {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitcode.Interrupted, stderr)
	}
	lk.Unlock()
	os.Remove(resyncedit.LockPath(second))

	var results []apply.Result
	if err := json.Unmarshal(stdout.Bytes(), &results); err != nil {
		t.Fatalf("results are not one JSON document: %v\n%s", err, stdout)
	}
	if len(results) != len(p.rows) {
		t.Fatalf("%d results for %d rows", len(results), len(p.rows))
	}
	isFirst := map[int]bool{}
	for _, i := range firstRows {
		isFirst[i] = true
	}
	for i, r := range results {
		if isFirst[i] && r.Status != apply.Applied || !isFirst[i] && (r.Status != apply.Skipped || r.Detail != apply.DetailInterrupted) {
			t.Errorf("row %d (%s %s): %s %q", i+1, r.Action, r.Path, r.Status, r.Detail)
		}
	}
	line := regexp.MustCompile(`^dumpsync: undo file: (.*)\ndumpsync: interrupted: (\d+) of (\d+) rows applied, (\d+) not reached \(Skipped\); undo file: (.*)\n$`)
	m := line.FindStringSubmatch(stderr.String())
	if m == nil || m[1] != undoFile || m[5] != undoFile || m[2] != strconv.Itoa(len(firstRows)) || m[3] != strconv.Itoa(len(p.rows)) || m[4] != strconv.Itoa(len(p.rows)-len(firstRows)) {
		t.Errorf("stderr:\n%s\nwant the undo file line, then one line: interrupted: %d of %d rows applied, %d not reached (Skipped); undo file: %s",
			stderr, len(firstRows), len(p.rows), len(p.rows)-len(firstRows), undoFile)
	}
	sameTree(t, "site after the interrupted apply", snapshot(t, l.Dir), want)
	if left := dumpsyncFiles(t, l.Dir); len(left) > 0 {
		t.Errorf("dumpsync files left in the site: %v", left)
	}

	code, _, errs := runCLI(t, "apply", undoFile, "--within", l.Dir, "--no-undo")
	if code != 0 {
		t.Fatalf("undo: exit %d: %s", code, errs)
	}
	sameTree(t, "site after undo", snapshot(t, l.Dir), orig)
}

// TestSecondSIGINT: a command that is not changing files stops at once on a
// second Ctrl-C even when it cannot notice the first (here: check waiting
// for its plan on stdin), and leaves no --out file.
func TestSecondSIGINT(t *testing.T) {
	// Nothing shows when dumpsync starts catching SIGINT: a signal sent
	// before kills it (the default action). Wait longer, and try again,
	// while that is what happened.
	for wait := 250 * time.Millisecond; ; wait *= 2 {
		if secondSIGINT(t, wait) {
			return
		}
		if wait > 8*time.Second {
			t.Fatalf("dumpsync did not catch SIGINT %v after it started", wait)
		}
		t.Logf("SIGINT came before dumpsync caught it after %v; trying again", wait)
	}
}

// secondSIGINT is one try; false when dumpsync was killed by the signal
// (not started far enough yet).
func secondSIGINT(t *testing.T, wait time.Duration) bool {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	dir := t.TempDir()
	out := filepath.Join(dir, "findings.json")
	cmd, _, stderr := startDumpsync(t, r, "check", "--plan", "-", "--out", out)
	time.Sleep(wait)
	for range 2 {
		if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	code := waitExit(t, cmd, 5*time.Second)
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return false
	}
	if code != exitcode.Interrupted {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitcode.Interrupted, stderr)
	}
	if got := stderr.String(); got != "dumpsync: interrupted again: stopped at once\n" {
		t.Errorf("stderr:\n%s", got)
	}
	if ents, _ := os.ReadDir(dir); len(ents) > 0 {
		t.Errorf("left in the --out folder: %v", ents)
	}
	return true
}
