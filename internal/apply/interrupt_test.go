package apply

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dumpsync/dumpsync/internal/interrupt"
	"github.com/dumpsync/dumpsync/internal/plan"
	"github.com/dumpsync/dumpsync/internal/planread"
	"github.com/dumpsync/dumpsync/internal/sample"
)

// planSite generates a small site (2 domains, 1 logon server) and returns it
// and the validated rows of a 90-day plan of all of it.
func planSite(t *testing.T) (*sample.Layout, []planread.Row) {
	t.Helper()
	c := sample.DefaultConfig(1, sample.DefaultNow)
	c.LogonServers = 1
	c.PartialRecord = false
	l, err := sample.Generate(filepath.Join(t.TempDir(), "site"), c)
	if err != nil {
		t.Fatal(err)
	}
	var rows []plan.Row
	p := &plan.Planner{Opt: plan.Options{Days: 90, Now: sample.DefaultNow, Parallel: 1}, Warn: func(err error) { t.Log(err) }}
	if _, err := p.Run(l.Domains, l.Logons, func(r *plan.Row) error { rows = append(rows, *r); return nil }); err != nil {
		t.Fatal(err)
	}
	valid, errs := planread.Validate(FromPlan(rows), planread.Options{})
	if len(errs) > 0 {
		t.Fatalf("plan invalid: %v", errs)
	}
	return l, valid
}

// readTree maps every file under root to its content.
func readTree(t *testing.T, root string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		m[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRunInterrupted: a stop request stops the run between files. The
// rewrite under way when it came is committed whole, the rows not reached
// are emitted as Skipped (one Result per row), nothing of dumpsync's stays
// in the site, and the undo file holds exactly the committed rows.
func TestRunInterrupted(t *testing.T) {
	for _, c := range []struct {
		name    string
		already bool // the request came before Run started
	}{{"during the first rewrite", false}, {"before the run", true}} {
		t.Run(c.name, func(t *testing.T) {
			l, rows := planSite(t)
			before := readTree(t, l.Dir)
			stop := make(chan struct{})
			if c.already {
				close(stop)
			}
			undoPath := filepath.Join(t.TempDir(), "undo.json")
			// The journal is created while the first Resync.cfg rewrite is
			// under way (its undo rows are written before the rename): the
			// request comes exactly then.
			j := NewJournal(undoPath, func(string) { close(stop) })
			var results []Result
			sum, err := Run(rows, Options{Undo: j, Interrupt: stop}, func(r *Result) error {
				results = append(results, *r)
				return nil
			})
			if cerr := j.Close(); cerr != nil {
				t.Fatal(cerr)
			}
			if !errors.Is(err, interrupt.ErrInterrupted) {
				t.Fatalf("Run: err = %v, want ErrInterrupted", err)
			}
			if len(results) != len(rows) {
				t.Fatalf("%d results for %d rows", len(results), len(rows))
			}
			firstPath := rows[0].Path
			applied := 0
			for i, r := range results {
				switch {
				case !c.already && r.Path == firstPath && r.Action == RemoveEntryAction:
					if r.Status != Applied {
						t.Errorf("row %d of the file being rewritten: %s %q, want Applied", i+1, r.Status, r.Detail)
					}
					applied++
				case r.Status != Skipped || r.Detail != DetailInterrupted:
					t.Errorf("row %d (%s %s): %s %q, want Skipped %q", i+1, r.Action, r.Path, r.Status, r.Detail, DetailInterrupted)
				}
			}
			if sum.Applied != applied || sum.NotReached != len(rows)-applied || sum.Skipped != sum.NotReached {
				t.Errorf("summary %+v; want %d applied, %d not reached", sum, applied, len(rows)-applied)
			}
			after := readTree(t, l.Dir)
			for p, content := range before {
				got, ok := after[p]
				switch {
				case !ok:
					t.Errorf("%s was removed", p)
				case p == firstPath && !c.already:
					if got == content {
						t.Errorf("%s: the rewrite under way was not committed", p)
					}
				case got != content:
					t.Errorf("%s changed, but its rows were not reached", p)
				}
			}
			for p := range after {
				if strings.Contains(filepath.Base(p), "dumpsync") {
					t.Errorf("left in the site: %s", p)
				}
			}
			undo, err := os.ReadFile(undoPath)
			switch {
			case c.already && err == nil:
				t.Errorf("undo file written, but nothing was applied")
			case !c.already && err != nil:
				t.Fatal(err)
			case !c.already && bytes.Count(undo, []byte(`"RestoreEntry"`)) != applied:
				t.Errorf("undo file holds %d rows, want %d:\n%s", bytes.Count(undo, []byte(`"RestoreEntry"`)), applied, undo)
			}
		})
	}
}
