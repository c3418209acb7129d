package resyncedit

import (
	"fmt"
	"iter"
	"slices"

	"github.com/dumpsync/dumpsync/internal/record"
)

// Results are the outcomes of a request's ops, in the order of
// Request.Ops. A request — apply's, often hundreds of thousands of ops, of
// an undo file as well as of a plan — keeps one byte per op (its status and
// detail), and for Insert ops the record's new offset, and reads the rest
// from the ops; At builds each OpResult. Results refer to the request's
// ops, which the caller must not change while it uses them.
type Results struct {
	ops    []Op
	codes  []uint8        // per op: status<<4 | detail code (details)
	fail   map[int]string // per op index: the detail of a Failed op
	newOff []int64        // Insert requests: per op, its NewOffset
}

// details are the Detail texts by code; code 0 is none.
var details = [...]string{"", DetailChanged, DetailRecordDiffers, DetailBeyondGuard, DetailDuplicate, DetailAlreadyRestored, DetailAppended}

const (
	dNone uint8 = iota
	dChanged
	dRecordDiffers
	dBeyondGuard
	dDuplicate
	dAlreadyRestored
	dAppended
)

// Len is the number of results: one per op.
func (r Results) Len() int { return len(r.ops) }

// At returns the result of op i.
func (r Results) At(i int) OpResult {
	op := &r.ops[i]
	c := r.codes[i]
	res := OpResult{ID: op.ID, Status: Status(c >> 4), Detail: details[c&15], OldOffset: op.Offset, NewOffset: -1}
	if r.newOff != nil {
		res.OldOffset, res.NewOffset = -1, r.newOff[i]
	}
	if res.Status == Failed {
		res.Detail, res.OldOffset = r.fail[i], -1
	}
	return res
}

// All yields every result with its index.
func (r Results) All() iter.Seq2[int, OpResult] {
	return func(yield func(int, OpResult) bool) {
		for i := range r.Len() {
			if !yield(i, r.At(i)) {
				return
			}
		}
	}
}

// Slice returns the results as a slice (for tests and small requests).
func (r Results) Slice() []OpResult {
	out := make([]OpResult, r.Len())
	for i := range out {
		out[i] = r.At(i)
	}
	return out
}

// set gives op i its status and detail code.
func (r *Results) set(i int, s Status, detail uint8) { r.codes[i] = uint8(s)<<4 | detail }

// prepare fails the invalid ops of req and returns the indexes of the
// others, sorted by offset (stable), with their results, which
// streamRemove or streamInsert then decides. Dry and real runs share both,
// so both give the same statuses.
func prepare(req *Request) (Results, []int) {
	res := Results{ops: req.Ops}
	valid := make([]int, 0, len(req.Ops)) // indexes of ops that passed validation
	fail := func(i int, detail string) {
		if res.fail == nil {
			res.fail = map[int]string{}
		}
		res.fail[i] = detail
	}
	inserts := false
	for i := range req.Ops {
		op := &req.Ops[i] // not a copy of its 72 bytes
		switch {
		case op.Kind != Remove && op.Kind != Insert:
			fail(i, fmt.Sprintf("unknown op kind %d", int(op.Kind)))
		case op.Offset < 0 || op.Offset%record.Size != 0:
			fail(i, fmt.Sprintf("offset %d is not a multiple of %d", op.Offset, record.Size))
		default:
			inserts = inserts || op.Kind == Insert
			valid = append(valid, i)
		}
	}
	res.codes = make([]uint8, len(req.Ops))
	for i := range res.fail {
		res.set(i, Failed, dNone)
	}
	if inserts {
		res.newOff = make([]int64, len(req.Ops))
		for i := range res.newOff {
			res.newOff[i] = -1
		}
	}
	byOffset := func(a, b int) int { return cmpInt64(req.Ops[a].Offset, req.Ops[b].Offset) }
	// Plans list a file's records in order: no sort then.
	if !slices.IsSortedFunc(valid, byOffset) {
		slices.SortStableFunc(valid, byOffset)
	}
	return res, valid
}
