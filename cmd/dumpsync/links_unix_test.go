//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A FIFO in place of a Resync.cfg is reported (exit 1), never waited on, by
// every command that reads it; the real binary runs with a time limit so that
// a regression fails instead of hanging.
func TestFIFOResyncIsReportedNotWaitedOn(t *testing.T) {
	isolate(t)
	l := newSmallSite(t)
	planFile := writeFile(t, "plan.json", planWholeSite(t, l, "json"))
	dom := l.Domains[0]
	resync := filepath.Join(dom, "Resync.cfg")
	os.Remove(resync)
	if err := unix.Mkfifo(resync, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	for _, args := range [][]string{
		{"dump", "-f", "csv", dom},
		{"check", "-f", "csv", resync, l.Domains[1]},
		{"plan", "--days", "90", "-f", "csv", "--site", l.Root},
		{"apply", planFile, "--within", l.Dir, "--no-undo", "-f", "csv"},
	} {
		cmd, stdout, stderr := startDumpsync(t, nil, args...)
		code := waitExit(t, cmd, 20*time.Second)
		// apply reports it in the rows' Detail, the others on stderr.
		if code != 1 || !strings.Contains(stderr.String()+stdout.String(), "FIFO") {
			t.Errorf("%s: exit %d, want 1, and the FIFO named; stderr:\n%s", args[0], code, stderr)
		}
	}
	if _, err := os.Lstat(resync); err != nil {
		t.Errorf("the FIFO is gone: %v", err)
	}
}

// --undo and --backup-dir may not reach a folder being cleaned through a
// link: exit 2, nothing changed.
func TestUndoAndBackupThroughALink(t *testing.T) {
	isolate(t)
	l := newSmallSite(t)
	planFile := writeFile(t, "plan.json", planWholeSite(t, l, "json"))
	orig := snapshot(t, l.Dir)
	out := t.TempDir()
	toDomain := filepath.Join(out, "to-domain")
	if err := os.Symlink(l.Domains[0], toDomain); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	toSite := filepath.Join(out, "to-site")
	os.Symlink(l.Root, toSite)
	for _, extra := range [][]string{
		{"--undo", filepath.Join(toDomain, "undo.json")},
		{"--undo", filepath.Join(toSite, "undo.json")}, // inside --within, in no row's folder
		{"--backup-dir", filepath.Join(toDomain, "bak")},
		{"--backup-dir", filepath.Join(toSite, "Site.srv", "new")},
	} {
		args := append([]string{"apply", planFile, "--within", l.Root, "--within", filepath.Dir(filepath.Dir(l.Logons[0])), "-f", "csv"}, extra...)
		if extra[0] == "--backup-dir" {
			args = append(args, "--no-undo")
		}
		code, stdout, errs := runCLI(t, args...)
		if code != 2 || stdout != "" || !strings.Contains(errs, extra[0]) || !strings.Contains(errs, "inside") {
			t.Errorf("%v: exit %d, want 2; stderr:\n%s", extra, code, errs)
		}
	}
	sameTree(t, "site after refused applies", snapshot(t, l.Dir), orig)
}
