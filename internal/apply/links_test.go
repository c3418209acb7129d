package apply

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/dumpsync/dumpsync/internal/planread"
	"github.com/dumpsync/dumpsync/internal/record"
)

// A Resync.cfg that is a symlink is never rewritten (that would replace the
// link by a regular file and leave the real file as it was), nor restored to.
func TestNeverRewritesThroughALink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Wine has no symlinks or junctions")
	}
	root := t.TempDir()
	a, b := record.Make("ABC00001", 1000, nil), record.Make("ABC00002", 2000, nil)
	data := append(append([]byte(nil), a.Raw[:]...), b.Raw[:]...)
	real := filepath.Join(root, "real.cfg")
	if err := os.WriteFile(real, data, 0o644); err != nil {
		t.Fatal(err)
	}
	dom := filepath.Join(root, "Domain.000")
	os.Mkdir(dom, 0o755)
	link := filepath.Join(dom, "Resync.cfg")
	if err := os.Symlink(real, link); err != nil {
		t.Skip("no symlinks here:", err)
	}
	sum := sha256.Sum256(data)
	off, size, hx, rec := int64(0), int64(len(data)), hex.EncodeToString(sum[:]), a.Hex()
	for _, action := range []string{RemoveEntryAction, RestoreEntry} {
		for _, whatIf := range []bool{false, true} {
			rows := []planread.Row{{N: 1, Action: action, Path: link, SmsId: "ABC00001",
				Offset: &off, Record: &rec, Size: &size, Sha256: &hx}}
			var got []Result
			if _, err := Run(rows, Options{WhatIf: whatIf}, func(r *Result) error { got = append(got, *r); return nil }); err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Status != Skipped {
				t.Errorf("%s what-if=%v: %+v", action, whatIf, got)
			}
			if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
				t.Fatalf("%s: the link was replaced: %v %v", action, st, err)
			}
			if b, _ := os.ReadFile(real); string(b) != string(data) {
				t.Fatalf("%s: the real file changed", action)
			}
		}
	}
}
