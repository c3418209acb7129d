package apply

import (
	"math/rand/v2"
	"testing"

	"github.com/dumpsync/dumpsync/internal/plan"
	"github.com/dumpsync/dumpsync/internal/planread"
)

// TestPlanOrderDoesNotMatter: a plan filtered or sorted into any order
// (folders interleaved row by row, offsets descending, logon rows before the
// site's) gets, row for row, the results it gets in the order plan wrote
// it, in the new order. Run then keeps each folder's rows in many spans of
// its spool.
func TestPlanOrderDoesNotMatter(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	for seed := uint64(1); seed <= 4; seed++ {
		l := randomSite(t, rng, seed)
		rows := planRows(t, l, plan.Options{Days: 90, Now: agreeNow, LogonAllCfg: seed%2 == 0})
		want := map[int]Result{}
		for i, r := range runRows(t, rows, true) {
			want[rows[i].N] = r
		}
		orders := map[string][]planread.Row{"reversed": make([]planread.Row, len(rows)), "shuffled": append([]planread.Row(nil), rows...)}
		for i, r := range rows {
			orders["reversed"][len(rows)-1-i] = r
		}
		rng.Shuffle(len(rows), func(i, j int) {
			s := orders["shuffled"]
			s[i], s[j] = s[j], s[i]
		})
		for name, order := range orders {
			got := runRows(t, order, true)
			if len(got) != len(order) {
				t.Fatalf("seed %d, %s: %d results for %d rows", seed, name, len(got), len(order))
			}
			for i, r := range got {
				w := want[order[i].N]
				if r.Path != w.Path || r.Status != w.Status || r.Detail != w.Detail || deref(r.Offset) != deref(w.Offset) {
					t.Errorf("seed %d, %s: row %d: %s %s %q, in plan order %s %s %q", seed, name, order[i].N,
						r.Path, r.Status, r.Detail, w.Path, w.Status, w.Detail)
				}
			}
		}
	}
}
