//go:build unix

package apply

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// A FIFO or device in place of a Resync.cfg or a .cfg is refused, never
// opened for reading: apply would wait for ever on a FIFO, and never reach
// the end of /dev/zero.
func TestFIFOsAndDevicesAreRefused(t *testing.T) {
	root := t.TempDir()
	dom := filepath.Join(root, "Domain.000")
	escapeDomain(t, dom)
	rows := escapeRows(t, dom)
	resync := filepath.Join(dom, "Resync.cfg")
	cfg := filepath.Join(dom, "Invencfg.box", "ABC00001.cfg")

	mkfifo := func(p string) {
		os.Remove(p)
		if err := unix.Mkfifo(p, 0o644); err != nil {
			t.Skip("no FIFOs here:", err)
		}
	}
	// The .cfg is a FIFO: the DeleteFile row is Skipped.
	saved, _ := os.ReadFile(cfg)
	mkfifo(cfg)
	got := runGuarded(t, rows[1:2], Options{Within: []string{root}})
	if got[0].Status != Skipped || !strings.Contains(got[0].Detail, "FIFO") {
		t.Errorf(".cfg is a FIFO: %s %q", got[0].Status, got[0].Detail)
	}
	os.Remove(cfg)
	os.WriteFile(cfg, saved, 0o644)

	// The Resync.cfg is a FIFO: its rows, and the DeleteFile row that reads
	// it for fresh requests, are Skipped.
	mkfifo(resync)
	for _, whatIf := range []bool{true, false} {
		got = runGuarded(t, rows[:3], Options{Within: []string{root}, WhatIf: whatIf})
		for _, r := range got {
			if r.Status != Skipped || !strings.Contains(r.Detail, "FIFO") {
				t.Errorf("Resync.cfg is a FIFO, what-if=%v: %s: %s %q", whatIf, r.Action, r.Status, r.Detail)
			}
		}
	}
	if _, err := os.Stat(cfg); err != nil {
		t.Errorf("the .cfg was deleted although its Resync.cfg could not be read: %v", err)
	}
	// A device (as /dev/zero) in place of the Resync.cfg.
	os.Remove(resync)
	if err := unix.Mknod(resync, unix.S_IFCHR|0o644, int(unix.Mkdev(1, 5))); err != nil {
		t.Log("no device files here:", err)
		return
	}
	got = runGuarded(t, rows[1:2], Options{Within: []string{root}})
	if got[0].Status != Skipped || !strings.Contains(got[0].Detail, "device") {
		t.Errorf("Resync.cfg is a device: %s %q", got[0].Status, got[0].Detail)
	}
}
