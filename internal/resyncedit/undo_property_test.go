package resyncedit

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/dumpsync/dumpsync/internal/record"
)

// undoFile is what apply journals for one rewrite: the guard of the file as
// it left it and one Insert op per removed record, in journal order.
type undoFile struct {
	guard Guard
	ops   []Op
}

// Random sequences of applies, appends by SMS and undos (repeated,
// reordered, cut short) never leave more copies of a record than the file
// ever had, and never fewer than it had minus the removals still in force
// (issue 12.2): each RestoreEntry puts its record back at most once.
func TestUndoIdempotentProperty(t *testing.T) {
	trials := 60
	if testing.Short() {
		trials = 15
	}
	for trial := 0; trial < trials; trial++ {
		rng := rand.New(rand.NewPCG(uint64(trial), 12))
		var ids []string
		for i := 0; i < 4+rng.IntN(12); i++ {
			ids = append(ids, fmt.Sprintf("ORIG%04d", i))
		}
		p := writeFile(t, recs(ids...))
		removed := map[[record.Size]byte]bool{} // removals in force
		want := map[[record.Size]byte]int{}     // copies every record must have
		for i := range ids {
			want[at(recs(ids...), i)] = 1
		}
		var undos []undoFile
		var log []string
		appended := 0
		for step := 0; step < 30; step++ {
			data := readFile(t, p)
			switch k := rng.IntN(10); {
			case k < 4: // apply a plan removing some records of the file as it is now
				var idx []int
				for i := 0; i < len(data)/record.Size; i++ {
					if rng.IntN(3) == 0 {
						idx = append(idx, i)
					}
				}
				if len(idx) == 0 {
					continue
				}
				var u undoFile
				req := Request{Path: p, Guard: GuardOf(data), Ops: removeOps(data, idx...),
					BeforeCommit: func(res Results, g Guard) error {
						u.guard = g
						for _, r := range res.All() {
							if r.Status == Applied {
								u.ops = append(u.ops, Op{ID: len(u.ops), Kind: Insert, Offset: r.OldOffset, Record: at(data, int(r.OldOffset/record.Size))})
							}
						}
						return nil
					}}
				if _, err := Edit(req, fastOpts()); err != nil {
					t.Fatal(err)
				}
				for _, op := range u.ops {
					removed[op.Record] = true
				}
				undos = append(undos, u)
				log = append(log, fmt.Sprintf("apply %d removes %v", len(undos), idx))
			case k < 6: // SMS appends a request
				appended++
				r := rec(fmt.Sprintf("NEW%04d", appended), uint32(5000+appended))
				f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
				if err != nil {
					t.Fatal(err)
				}
				f.Write(r[:])
				f.Close()
				want[r] = 1
				log = append(log, "append")
			default: // undo: any undo file, again and again, maybe cut short
				if len(undos) == 0 {
					continue
				}
				n := rng.IntN(len(undos))
				u := undos[n]
				ops := u.ops
				if rng.IntN(3) == 0 {
					ops = ops[:rng.IntN(len(ops)+1)]
				}
				if len(ops) == 0 {
					continue
				}
				out, err := Edit(Request{Path: p, Guard: u.guard, Ops: ops}, fastOpts())
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range out.Results.Slice() {
					if r.Status != Applied && r.Status != Skipped {
						t.Fatalf("trial %d: undo %d op %d: %v", trial, n+1, r.ID, r.Status)
					}
				}
				for _, op := range ops {
					delete(removed, op.Record)
				}
				log = append(log, fmt.Sprintf("undo %d (%d of %d rows)", n+1, len(ops), len(u.ops)))
			}
			// The invariant: every record once, but for the removals in force.
			data = readFile(t, p)
			for r, n := range want {
				if removed[r] {
					n = 0
				}
				// Counting bytes is exact here: every record starts with a
				// distinct, NUL-padded SMSID that no other record contains.
				if got := bytes.Count(data, r[:]); got != n {
					t.Fatalf("trial %d after %v: %q has %d copies, want %d", trial, log, bytes.TrimRight(r[:16], "\x00"), got, n)
				}
			}
			if len(data)%record.Size != 0 {
				t.Fatalf("trial %d: size %d", trial, len(data))
			}
		}
	}
}
