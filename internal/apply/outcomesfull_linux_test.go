package apply

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/dumpsync/dumpsync/internal/planread"
)

// The outcomes file fills the temporary folder's file system after the
// first folder was changed (the spool, elsewhere, still fit): the Results
// must still come, one per row, for what was done. Needs root (mount).
func TestOutcomesDiskFullKeepsResults(t *testing.T) {
	mnt := tinyFS(t)
	s := makeFailSite(t, filepath.Join(t.TempDir(), "Domain.000"), filepath.Join(t.TempDir(), "LOGON1", "Logon.srv"), 200)
	rows := s.plan(t)
	sp, err := planread.NewSpool(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	p, err := spoolRows(sp, rows)
	if err != nil {
		t.Fatal(err)
	}
	fillUp(t, mnt)
	t.Setenv("TMPDIR", mnt)
	var res []Result
	sum, err := RunPlan(p, Options{Now: agreeNow, LockedRetry: 50 * time.Millisecond}, func(_ *planread.Row, r *Result) error {
		res = append(res, *r)
		return nil
	})
	if err != nil {
		t.Fatalf("RunPlan: %v (files were changed: the Results must come all the same)", err)
	}
	if len(res) != len(rows) || sum.Applied != len(rows) {
		t.Errorf("%d Results, %d Applied; want %d of each", len(res), sum.Applied, len(rows))
	}
	for i := range res {
		if i < len(rows) && (res[i].Path != rows[i].Path || res[i].Status != Applied) {
			t.Errorf("result %d: %s %s %s, want %s Applied", i, res[i].Path, res[i].Status, res[i].Detail, rows[i].Path)
		}
	}
}
