package resyncedit

import (
	"bytes"
	"slices"

	"github.com/dumpsync/dumpsync/internal/record"
)

// refInsert is the in-memory computeInsert that streamInsert replaced,
// kept as the reference it is tested against. It puts removed records back, each at most once whatever
// happened to the file since and in whatever order undo files are applied
// (issue 12.2): a record is restored only while the file holds no more
// copies of those 48 bytes than the file as apply left it did.
//
// When the file still starts with what apply left (the guard matches), that
// count is known exactly: the copies in the guarded prefix. A copy beyond it
// was put back by an earlier undo (appended at the end, see below), so one
// op of that record is already done for each such copy; the others go back
// to their original offsets — unless the file already starts with exactly
// that result (undo ran before and the removed records were the last ones of
// the guarded content).
//
// Otherwise the file changed since apply (another plan was applied, or an
// undo restored at the offsets), and the file as apply left it is gone: each
// copy of the record found anywhere in the file stands for one op, and only
// the ops beyond them append the record at the end. For a record whose
// identical 48 bytes the file held more than once before apply (never two
// requests of SMS, which differ in time), this restores fewer copies rather
// than ever one too many.
func refInsert(data []byte, req Request, results []OpResult, valid []int, guardOK bool) ([]OpResult, []byte, bool) {
	if guardOK {
		g := req.Guard.Size
		restored := make([]byte, 0, len(data)+len(valid)*record.Size)
		var cur int64
		for k, i := range valid {
			op := req.Ops[i]
			// op.Offset is the record's position in the final file; k
			// records were inserted before it, and the records appended
			// after apply stay after all of them.
			srcPos := min(max(op.Offset-int64(k)*record.Size, cur), g)
			restored = append(restored, data[cur:srcPos]...)
			cur = srcPos
			results[i].NewOffset = int64(len(restored))
			restored = append(restored, op.Record[:]...)
		}
		restored = append(restored, data[cur:g]...)
		if len(data) >= len(restored) && bytes.Equal(data[:len(restored)], restored) {
			for _, i := range valid {
				results[i].Status, results[i].Detail = Skipped, DetailAlreadyRestored
			}
			return results, data, false
		}
		// Copies appended after the guarded prefix: restored by an earlier
		// undo that found the file changed.
		copies := refCopiesOf(data, g, req.Ops, valid)
		var restore []int
		for _, i := range valid {
			op, r := req.Ops[i], &results[i]
			if c := copies[op.Record]; len(c) > 0 {
				r.Status, r.Detail, r.NewOffset = Skipped, DetailAlreadyRestored, c[0]
				copies[op.Record] = c[1:]
				continue
			}
			restore = append(restore, i)
		}
		if len(restore) == 0 {
			return results, data, false
		}
		if len(restore) < len(valid) {
			restored = restored[:0]
			cur = 0
			for k, i := range restore {
				op := req.Ops[i]
				srcPos := min(max(op.Offset-int64(k)*record.Size, cur), g)
				restored = append(restored, data[cur:srcPos]...)
				cur = srcPos
				results[i].NewOffset = int64(len(restored))
				restored = append(restored, op.Record[:]...)
			}
			restored = append(restored, data[cur:g]...)
		}
		for _, i := range restore {
			results[i].Status = Applied
		}
		// The records before each appended copy moved by the inserts.
		shift := int64(len(restore)) * record.Size
		for _, i := range valid {
			if results[i].Status == Skipped {
				results[i].NewOffset += shift
			}
		}
		return results, append(restored, data[g:]...), true
	}
	copies := refCopiesOf(data, 0, req.Ops, valid)
	content := data
	changed := false
	for _, i := range valid {
		op, r := req.Ops[i], &results[i]
		if c := copies[op.Record]; len(c) > 0 {
			// Prefer the copy at the record's own offset.
			j := slices.Index(c, op.Offset)
			if j < 0 {
				j = 0
			}
			r.Status, r.Detail, r.NewOffset = Skipped, DetailAlreadyRestored, c[j]
			copies[op.Record] = slices.Delete(c, j, j+1)
			continue
		}
		if !changed {
			content = slices.Clip(slices.Clone(data))
			changed = true
		}
		r.Status, r.Detail, r.NewOffset = Applied, DetailAppended, int64(len(content))
		content = append(content, op.Record[:]...)
	}
	return results, content, changed
}

// refCopiesOf returns, for each record of the ops, the offsets of its
// copies in data from offset from on, in increasing order.
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
