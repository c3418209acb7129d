package resyncedit

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/dumpsync/dumpsync/internal/record"
)

// refCopiesOf is copiesOf keyed by the ops' records only (what it was
// before it could key by the file's records).
func refCopiesOf(data []byte, from int64, ops []Op, valid []int) map[[record.Size]byte][]int64 {
	copies := map[[record.Size]byte][]int64{}
	for _, i := range valid {
		copies[ops[i].Record] = nil
	}
	for off := from; off+record.Size <= int64(len(data)); off += record.Size {
		rec := [record.Size]byte(data[off : off+record.Size])
		if c, ok := copies[rec]; ok {
			copies[rec] = append(c, off)
		}
	}
	return copies
}

// TestCopiesOf: whichever side copiesOf keys by (fewer records in the file
// after from than ops, or more), every op's record has the same offsets,
// in the same order, as by the ops alone: records repeated in the file,
// records of no op, ops of no record, repeated ops, a partial record at
// the end.
func TestCopiesOf(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	recs := make([][record.Size]byte, 12)
	for i := range recs {
		recs[i] = record.Make(fmt.Sprintf("ABC%05d", i), uint32(1700000000+i), nil).Raw
	}
	for trial := range 400 {
		nData, nOps := rng.IntN(40), rng.IntN(40)
		var data []byte
		for range nData {
			data = append(data, recs[rng.IntN(len(recs))][:]...)
		}
		if trial%5 == 0 {
			data = append(data, 1, 2, 3) // a partial record
		}
		from := int64(rng.IntN(nData+1)) * record.Size
		var ops []Op
		var valid []int
		for i := range nOps {
			ops = append(ops, Op{ID: i, Kind: Insert, Record: recs[rng.IntN(len(recs))]})
			if rng.IntN(4) > 0 {
				valid = append(valid, i)
			}
		}
		got, want := copiesOf(data, from, ops, valid), refCopiesOf(data, from, ops, valid)
		for _, i := range valid {
			r := ops[i].Record
			if !slices.Equal(got[r], want[r]) {
				t.Fatalf("trial %d (%d records from %d, %d ops): op %d: offsets %v, want %v", trial, nData, from, len(valid), i, got[r], want[r])
			}
		}
	}
}
