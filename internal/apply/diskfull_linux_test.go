package apply

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// The same as TestFailedRewriteKeepsCfgFiles with a real full file system:
// the domain lives on a 64 KiB tmpfs filled up but for a few bytes, so the
// temporary file of the rewrite cannot be written. Needs root (mount).
func TestFullDiskKeepsCfgFiles(t *testing.T) {
	mnt := tinyFS(t)
	s := makeFailSite(t, filepath.Join(mnt, "Domain.000"), filepath.Join(t.TempDir(), "LOGON1", "Logon.srv"), 200)
	rows := s.plan(t)
	fillUp(t, mnt)
	before, _ := os.ReadFile(filepath.Join(s.domain, "Resync.cfg"))
	var res []Result
	sum, err := Run(rows, Options{Now: agreeNow, LockedRetry: 50 * time.Millisecond}, func(r *Result) error { res = append(res, *r); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Attention() {
		t.Error("Summary.Attention() = false")
	}
	s.checkKept(t, res, "no space left on device")
	if after, _ := os.ReadFile(filepath.Join(s.domain, "Resync.cfg")); string(after) != string(before) {
		t.Error("the domain's Resync.cfg changed although its rewrite failed")
	}
	ents, _ := os.ReadDir(s.domain)
	for _, e := range ents {
		if e.Name() != "Resync.cfg" && e.Name() != "Invencfg.box" {
			t.Errorf("left in the domain folder: %s", e.Name())
		}
	}
}

// fillUp fills the file system of folder dir but for less than 512 bytes.
func fillUp(t *testing.T, dir string) {
	t.Helper()
	fill, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer fill.Close()
	block := make([]byte, 512)
	for {
		if _, err := fill.Write(block); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return
		}
	}
}

// tinyFS mounts a 64 KiB tmpfs for the test, or skips it (it needs root).
func tinyFS(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs")
	}
	mnt := t.TempDir()
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=64k"); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v)", err)
	}
	t.Cleanup(func() { syscall.Unmount(mnt, syscall.MNT_DETACH) })
	return mnt
}
