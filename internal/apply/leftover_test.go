package apply

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"github.com/dumpsync/dumpsync/internal/atomicfile"
	"github.com/dumpsync/dumpsync/internal/planread"
)

// TestRestoreFileRemovesLeftoverTemp: an undo killed after it linked a
// restored .cfg file's temporary file to the file's name, before it removed
// the temporary file, left that file beside the restored one. Applying the
// undo file again finds the .cfg present ("file exists") and must still
// remove the leftover (found by scripts/torture: kill trial 44 of a CI
// run). A run with --what-if leaves it.
func TestRestoreFileRemovesLeftoverTemp(t *testing.T) {
	for _, exists := range []bool{true, false} {
		for _, whatIf := range []bool{false, true} {
			box := filepath.Join(t.TempDir(), "Domain.000", "Invencfg.box")
			if err := os.MkdirAll(box, 0o755); err != nil {
				t.Fatal(err)
			}
			cfg := filepath.Join(box, "ABC0000C.CFG")
			content := []byte("inventory of ABC0000C")
			if exists {
				if err := os.WriteFile(cfg, content, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			leftover := filepath.Join(box, "ABC0000C.CFG"+atomicfile.TempMarker+"3968155032")
			if err := os.WriteFile(leftover, content, 0o644); err != nil {
				t.Fatal(err)
			}
			enc := base64.StdEncoding.EncodeToString(content)
			rows := []planread.Row{{N: 1, Action: RestoreFile, Path: cfg, SmsId: "ABC0000C", Content: &enc}}
			got := runGuarded(t, rows, Options{WhatIf: whatIf, Within: []string{filepath.Dir(filepath.Dir(box))}})
			if len(got) != 1 {
				t.Fatalf("%d results", len(got))
			}
			want := Applied
			switch {
			case exists:
				want = Skipped
			case whatIf:
				want = WhatIf
			}
			if got[0].Status != want {
				t.Errorf("exists %v, what-if %v: %s %q, want %s", exists, whatIf, got[0].Status, got[0].Detail, want)
			}
			_, err := os.Lstat(leftover)
			if left := err == nil; left != whatIf {
				t.Errorf("exists %v, what-if %v: leftover temporary file there: %v", exists, whatIf, left)
			}
			if b, err := os.ReadFile(cfg); !whatIf || exists {
				if err != nil || string(b) != string(content) {
					t.Errorf("exists %v, what-if %v: %s: %q, %v", exists, whatIf, cfg, b, err)
				}
			}
		}
	}
}
