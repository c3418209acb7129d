package plan

import (
	"encoding/hex"
	"strconv"
	"time"

	"github.com/dumpsync/dumpsync/internal/dump"
	"github.com/dumpsync/dumpsync/internal/output"
)

// Record is one row of a plan as Stream hands it over: WriteFields writes
// the row's fields exactly as the Row's own WriteFields does, and Row makes
// the Row. A RemoveEntry row (nearly every row of a big plan) writes itself
// straight from its 48-byte entry, with no Row, no string and no allocation.
// A Record is valid only during the call it is handed to; the Row that Row
// returns is the caller's.
type Record interface {
	output.Fielder
	Row() Row
}

// Row returns a copy of r: a Row is its own Record.
func (r *Row) Row() Row { return *r }

// hitRecord is the RemoveEntry row of hit h of the Resync.cfg that rp
// planned. One is reused for every hit of a folder.
type hitRecord struct {
	rp     *resyncPlan
	now    time.Time
	days   int64
	cutoff int64
	h      hit
	buf    [160]byte // scratch: the record in hex (96 bytes), the time, the reason
}

// WriteFields writes what Row().WriteFields writes.
func (r *hitRecord) WriteFields(w output.FieldWriter) {
	e := &r.h.e
	t := e.Time()
	valid := e.Valid()
	w.Str(RemoveEntry)
	w.Str(r.rp.path)
	switch id := e.IDBytes(); {
	case valid:
		w.Plain(id) // 1-15 of [A-Za-z0-9]
	case isASCII(id):
		w.Bytes(id)
	default:
		w.Str(e.SmsID())
	}
	w.Int(int64(t))
	var age int64
	if t == 0 {
		w.OptStr(nil)
		w.OptInt(nil)
	} else {
		age = dump.AgeDays(r.now, t)
		w.Plain(dump.AppendTime(r.buf[:0], t))
		w.Int(age)
	}
	w.Int(r.cutoff)
	w.Int(r.h.off)
	w.Plain(hex.AppendEncode(r.buf[:0], e.Raw[:]))
	w.Int(r.rp.size)
	w.Int(r.rp.modTime)
	w.Str(r.rp.sha256)
	w.Bytes(r.appendReason(r.buf[:0], valid, age))
}

// Row makes the row.
func (r *hitRecord) Row() Row {
	e := &r.h.e
	row := Row{
		Action: RemoveEntry, Path: r.rp.path, SmsId: e.SmsID(), Cutoff: r.cutoff,
		Size: r.rp.size, ModTime: r.rp.modTime, Sha256: r.rp.sha256,
	}
	off, rec := r.h.off, hex.EncodeToString(e.Raw[:])
	row.Offset, row.Record = &off, &rec
	t := e.Time()
	row.setTime(t, r.now)
	var age int64
	if t != 0 {
		age = *row.AgeDays
	}
	row.Reason = string(r.appendReason(nil, e.Valid(), age))
	return row
}

// appendReason appends the Reason of the row: the entry's problem, or the
// age of its request (age days old).
func (r *hitRecord) appendReason(b []byte, valid bool, age int64) []byte {
	if !valid {
		b = append(b, "invalid entry ("...)
		b = append(b, r.h.e.Problem()...)
		return append(b, "); its time cannot be trusted"...)
	}
	b = append(b, "request "...)
	b = strconv.AppendInt(b, age, 10)
	b = append(b, " days old (> "...)
	b = strconv.AppendInt(b, r.days, 10)
	return append(b, ')')
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
