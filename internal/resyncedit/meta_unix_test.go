//go:build !windows

package resyncedit

import (
	"os"
	"syscall"
	"testing"
)

// TestRewriteKeepsModeAndOwner: the rewritten Resync.cfg keeps the old
// one's mode and, when running as root, its owner and group (before, it
// became root's: SMS's service account could no longer append to it).
func TestRewriteKeepsModeAndOwner(t *testing.T) {
	cases := []struct {
		name     string
		mode     os.FileMode
		uid, gid int // -1: leave as created
	}{
		{"mode 0640", 0o640, -1, -1},
		{"mode 0606", 0o606, -1, -1},
		{"other owner and group", 0o660, 4321, 8765},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.uid >= 0 && os.Geteuid() != 0 {
				t.Skip("needs root to give a file to another user")
			}
			data := recs("A", "B", "C")
			p := writeFile(t, data)
			if c.uid >= 0 {
				if err := os.Chown(p, c.uid, c.gid); err != nil {
					t.Skipf("chown: %v", err)
				}
			}
			if err := os.Chmod(p, c.mode); err != nil {
				t.Fatal(err)
			}
			before, _ := os.Stat(p)
			out, err := Edit(Request{Path: p, Guard: GuardOf(data), Ops: removeOps(data, 1)}, fastOpts())
			if err != nil || !out.Rewritten {
				t.Fatalf("Edit: %v, rewritten %v", err, out.Rewritten)
			}
			after, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if os.SameFile(before, after) {
				t.Fatal("the file was not replaced")
			}
			if after.Mode() != c.mode {
				t.Errorf("mode %v, want %v", after.Mode(), c.mode)
			}
			b, a := before.Sys().(*syscall.Stat_t), after.Sys().(*syscall.Stat_t)
			if a.Uid != b.Uid || a.Gid != b.Gid {
				t.Errorf("owner %d:%d, want %d:%d", a.Uid, a.Gid, b.Uid, b.Gid)
			}
		})
	}
}
