package plan

import (
	"encoding/hex"
	"strconv"
	"time"

	"github.com/dumpsync/dumpsync/internal/dump"
	"github.com/dumpsync/dumpsync/internal/output"
	"github.com/dumpsync/dumpsync/internal/record"
	"github.com/dumpsync/dumpsync/internal/site"
)

// Record is one row of a plan as Stream hands it over: WriteFields writes
// the row's fields exactly as the Row's own WriteFields does, and Row makes
// the Row. A RemoveEntry row (nearly every row of a big plan) writes itself
// straight from its 48-byte entry, with no Row, no string and no allocation.
// A Record is valid only during the call it is handed to; the Row that Row
// returns is the caller's.
type Record interface {
	output.Fielder
	// Append appends the row formatted by f to dst, as f.Append does.
	Append(dst []byte, f *output.Formatter) []byte
	Row() Row
}

// Row returns a copy of r: a Row is its own Record.
func (r *Row) Row() Row { return *r }

// Append appends r formatted by f to dst.
func (r *Row) Append(dst []byte, f *output.Formatter) []byte { return f.Append(dst, r) }

// hitRecord is the RemoveEntry row of hit h of the Resync.cfg that rp
// planned. One is reused for every hit of a folder.
type hitRecord struct {
	rp     *resyncPlan
	now    time.Time
	days   int64
	cutoff int64
	h      hit
	buf    [160]byte // scratch: the record in hex (96 bytes), the time, the reason
	line   *hitLine  // made on first use
	// cut is set while the line template is cut: the Reason is then a
	// hole too.
	cut bool
}

// WriteFields writes what Row().WriteFields writes. The fields that vary
// from one valid hit to the next go as Plain or Digits: they are the holes
// of its line template (Append).
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
	w.Digits(output.AppendInt(r.buf[:0], int64(t)))
	var age int64
	if t == 0 {
		w.OptStr(nil)
		w.OptInt(nil)
	} else {
		age = dump.AgeDays(r.now, t)
		w.Plain(dump.AppendTime(r.buf[:0], t))
		w.Digits(output.AppendInt(r.buf[:0], age))
	}
	w.Int(r.cutoff)
	w.Digits(output.AppendInt(r.buf[:0], r.h.off))
	w.Plain(hex.AppendEncode(r.buf[:0], e.Raw[:])) // lower-case hex
	w.Int(r.rp.size)
	w.Int(r.rp.modTime)
	w.Str(r.rp.sha256)
	if r.cut {
		w.Plain([]byte("0")) // where the Reason goes
		return
	}
	w.Bytes(r.appendReason(r.buf[:0], valid, age))
}

// hitLine is the template of a valid hit's row as one Formatter writes it
// (output.Formatter.Template): the text before the SmsId (the separator,
// Action, Path and the field names), then the text after each of SmsId,
// RequestTime, RequestedAt, AgeDays, Offset, Record and Reason.
type hitLine struct {
	f     *output.Formatter
	parts [8][]byte
}

// Append appends the row formatted by f to dst: a valid hit (nearly every
// row of a big plan) as one copy per part of its line template and per
// field, with no call per field; any other through WriteFields.
//
// The Reason is written in its hole as it is: "request N days old (> D)"
// is ASCII letters, digits, spaces, parentheses and '>', which neither
// JSON nor CSV escapes or quotes. TestRecordWritesItsRow holds every
// format to WriteFields.
func (r *hitRecord) Append(dst []byte, f *output.Formatter) []byte {
	e := &r.h.e
	t := e.Time()
	if t == 0 || !e.Valid() {
		return f.Append(dst, r)
	}
	l := r.line
	if l == nil || l.f != f {
		l = r.newLine(f)
	}
	age := dump.AgeDays(r.now, t)
	dst = append(dst, l.parts[0]...)
	dst = append(dst, e.IDBytes()...)
	dst = append(dst, l.parts[1]...)
	dst = output.AppendInt(dst, int64(t))
	dst = append(dst, l.parts[2]...)
	dst = dump.AppendTime(dst, t)
	dst = append(dst, l.parts[3]...)
	dst = output.AppendInt(dst, age)
	dst = append(dst, l.parts[4]...)
	dst = output.AppendInt(dst, r.h.off)
	dst = append(dst, l.parts[5]...)
	dst = hex.AppendEncode(dst, e.Raw[:])
	dst = append(dst, l.parts[6]...)
	dst = r.appendReason(dst, true, age)
	return append(dst, l.parts[7]...)
}

// newLine cuts the line template of r's valid hits for f.
func (r *hitRecord) newLine(f *output.Formatter) *hitLine {
	sample := &hitRecord{rp: r.rp, now: r.now, days: r.days, cutoff: r.cutoff, cut: true,
		h: hit{e: record.Make("A", 1, nil)}}
	parts := f.Template(sample)
	l := &hitLine{f: f}
	if len(parts) != len(l.parts) {
		panic("plan: RemoveEntry template has " + strconv.Itoa(len(parts)) + " parts, want " + strconv.Itoa(len(l.parts)))
	}
	copy(l.parts[:], parts)
	r.line = l
	return l
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

// delRecord is the DeleteFile row of del d of a folder's files. One is
// reused for every del of a folder.
type delRecord struct {
	p      *Planner
	files  *site.CfgList
	cutoff int64
	d      *del
	buf    [192]byte // scratch: the time, the SHA-256 in hex, the reason
}

// WriteFields writes what Row().WriteFields writes.
func (r *delRecord) WriteFields(w output.FieldWriter) {
	d := r.d
	id := r.files.SmsID(int(d.file))
	w.Str(DeleteFile)
	w.Str(r.files.Path(int(d.file)))
	w.Str(id)
	switch {
	case !d.hasTime:
		w.OptInt(nil)
		w.OptStr(nil)
		w.OptInt(nil)
	case d.newest == 0:
		w.Int(0)
		w.OptStr(nil)
		w.OptInt(nil)
	default:
		w.Int(int64(d.newest))
		w.Plain(dump.AppendTime(r.buf[:0], d.newest))
		w.Int(dump.AgeDays(r.p.Opt.Now, d.newest))
	}
	w.Int(r.cutoff)
	w.OptInt(nil)
	w.OptStr(nil)
	w.Int(d.size)
	w.Int(d.modTime)
	w.Plain(hex.AppendEncode(r.buf[:0], d.sum[:])) // lower-case hex
	w.Bytes(r.p.appendReason(r.buf[:0], d, id))
}

// Append appends the row formatted by f to dst.
func (r *delRecord) Append(dst []byte, f *output.Formatter) []byte { return f.Append(dst, r) }

// Row makes the row.
func (r *delRecord) Row() Row { return r.p.deleteRow(r.files, r.d, r.cutoff) }

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
