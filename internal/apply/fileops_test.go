package apply

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dumpsync/dumpsync/internal/atomicfile"
	"github.com/dumpsync/dumpsync/internal/planread"
)

// TestBackupMoveErrors: moving a deleted file into --backup-dir falls back to
// a copy only across volumes. Any other rename error fails the row, with the
// error as Detail, and leaves the file where it was and nothing in the
// backup folder. Before the fix every rename error (an *os.LinkError) fell
// back to copying.
func TestBackupMoveErrors(t *testing.T) {
	cases := []struct {
		name    string
		err     error
		status  string
		moved   bool
		wantMsg string
	}{
		{"cross-device copies", &os.LinkError{Op: "rename", Err: crossDevice}, Applied, true, "moved to "},
		{"permission denied fails", &os.LinkError{Op: "rename", Err: os.ErrPermission}, Failed, false, "permission denied"},
		{"other error fails", &os.LinkError{Op: "rename", Err: errors.New("injected I/O error")}, Failed, false, "injected I/O error"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, all := planSite(t)
			var rows []planread.Row
			for _, r := range all {
				if r.Action == DeleteFileAction {
					rows = append(rows, r)
				}
			}
			if len(rows) == 0 {
				t.Fatal("the sample plan has no DeleteFile row")
			}
			backup := filepath.Join(t.TempDir(), "backup")
			before := readTree(t, l.Dir)
			ops := atomicfile.Ops{RenameNew: func(old, new string) error {
				if !strings.HasPrefix(old, backup) { // the move itself, not the copy's own rename
					return c.err
				}
				return os.Rename(old, new)
			}}
			var got []Result
			_, err := Run(rows, Options{BackupDir: backup, FileOps: ops}, func(r *Result) error { got = append(got, *r); return nil })
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range got {
				if r.Status != c.status || !strings.Contains(r.Detail, c.wantMsg) {
					t.Errorf("%s: %s %q, want %s with %q", r.Path, r.Status, r.Detail, c.status, c.wantMsg)
				}
			}
			after := readTree(t, l.Dir)
			backedUp := map[string]string{}
			if _, err := os.Stat(backup); err == nil {
				backedUp = readTree(t, backup)
			}
			for _, r := range rows {
				_, still := after[r.Path]
				if c.moved == still {
					t.Errorf("%s: still there = %v", r.Path, still)
				}
				if bp := BackupPath(backup, r.Path); c.moved && backedUp[bp] != before[r.Path] {
					t.Errorf("%s: backup %s holds %q", r.Path, bp, backedUp[bp])
				}
			}
			if !c.moved {
				if len(backedUp) != 0 {
					t.Errorf("a failed move left copies: %v", backedUp)
				}
				if len(after) != len(before) {
					t.Errorf("the site changed: %d files, were %d", len(after), len(before))
				}
			}
		})
	}
}
