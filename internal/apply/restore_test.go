package apply

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/dumpsync/dumpsync/internal/planread"
)

// TestRestoreDetails applies a plan of two folders with an undo file, then
// that undo file: --what-if says where each record would go back, the run
// puts each at its offset before the apply and says so ("restored at
// offset N", a Detail each row has its own of), the Resync.cfg files are
// byte for byte what they were, and a second run finds every row already
// restored.
func TestRestoreDetails(t *testing.T) {
	sites, rows := overlapSite(t, 2)
	before := map[string][]byte{}
	for _, s := range sites {
		p := filepath.Join(s.domain, "Resync.cfg")
		before[p] = readBytes(t, p)
	}
	undo := filepath.Join(t.TempDir(), "undo.json")
	j := NewJournal(undo, nil)
	removed := map[string]int64{} // Path and Record -> the offset before the apply
	_, err := Run(rows, Options{Now: agreeNow, Undo: j}, func(r *Result) error {
		if r.Action == RemoveEntryAction && r.Status == Applied {
			removed[r.Path+" "+*r.Record] = *r.Offset
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if len(removed) == 0 {
		t.Fatal("the plan removed nothing")
	}
	undoRows, errs := planread.Validate(readPlan(t, readBytes(t, undo)), planread.Options{})
	if len(errs) > 0 {
		t.Fatal(errs[0])
	}
	for _, c := range []struct {
		name, status, detail string // detail: a format of the offset
		whatIf               bool
	}{
		{"what-if", WhatIf, "would be restored at offset %d", true},
		{"undo", Applied, "restored at offset %d", false},
		{"again", Skipped, "already restored", false},
	} {
		entries := 0
		_, err := Run(undoRows, Options{Now: agreeNow, WhatIf: c.whatIf}, func(r *Result) error {
			if r.Action != RestoreEntry {
				return nil
			}
			entries++
			off, ok := removed[r.Path+" "+*r.Record]
			want := c.detail
			if c.status != Skipped {
				want = fmt.Sprintf(c.detail, off)
			}
			if !ok || r.Status != c.status || r.Detail != want {
				t.Errorf("%s: %s at %d: %s %q, want %s %q", c.name, r.Path, *r.Offset, r.Status, r.Detail, c.status, want)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if entries != len(removed) {
			t.Errorf("%s: %d RestoreEntry results, want %d", c.name, entries, len(removed))
		}
		if c.whatIf {
			continue
		}
		for p, b := range before {
			if !bytes.Equal(readBytes(t, p), b) {
				t.Errorf("%s: %s is not what it was before the apply", c.name, p)
			}
		}
	}
}

func readBytes(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
