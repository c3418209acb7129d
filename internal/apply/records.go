package apply

import (
	"fmt"
	"strconv"

	"github.com/dumpsync/dumpsync/internal/output"
)

// Result statuses.
const (
	Applied = "Applied"
	Skipped = "Skipped"
	Failed  = "Failed"
	WhatIf  = "WhatIf"
)

// Undo actions: an undo file is a plan of these.
const (
	RestoreEntry = "RestoreEntry"
	RestoreFile  = "RestoreFile"
)

// Result is one plan row as apply carried it out: the row's fields, then
// Status and Detail. Fields the row did not have are null.
type Result struct {
	Action      string  `json:"Action" table:"narrow" desc:"the row's action: RemoveEntry, DeleteFile, RestoreEntry or RestoreFile"`
	Path        string  `json:"Path" table:"narrow,middle" desc:"the row's Path"`
	SmsId       *string `json:"SmsId" table:"narrow" desc:"the row's SmsId"`
	RequestTime *int64  `json:"RequestTime" desc:"the row's RequestTime (informational)"`
	RequestedAt *string `json:"RequestedAt" table:"narrow" desc:"the row's RequestedAt, as given (informational)"`
	AgeDays     *int64  `json:"AgeDays" table:"narrow" desc:"the row's AgeDays (informational)"`
	Cutoff      *int64  `json:"Cutoff" desc:"the row's Cutoff"`
	Offset      *int64  `json:"Offset" desc:"the row's Offset"`
	Record      *string `json:"Record" desc:"the row's Record"`
	Size        *int64  `json:"Size" desc:"the row's Size"`
	ModTime     *int64  `json:"ModTime" desc:"the row's ModTime (informational)"`
	Sha256      *string `json:"Sha256" desc:"the row's Sha256"`
	Reason      *string `json:"Reason" table:"narrow,middle" desc:"the row's Reason"`
	Status      string  `json:"Status" table:"narrow" jsonschema:"enum=Applied,enum=Skipped,enum=Failed,enum=WhatIf" desc:"Applied (done), Skipped (not done: the files no longer match the plan), Failed (could not be done), WhatIf (would be applied; --what-if)"`
	Detail      string  `json:"Detail" table:"narrow,middle" desc:"why, for people"`
}

// UndoRow is one row of an undo file, which apply reads as a plan.
type UndoRow struct {
	Action  string  `json:"Action" jsonschema:"enum=RestoreEntry,enum=RestoreFile" desc:"RestoreEntry puts a removed record back; RestoreFile re-creates a deleted file"`
	Path    string  `json:"Path" desc:"the Resync.cfg (RestoreEntry) or the .cfg file (RestoreFile)"`
	SmsId   string  `json:"SmsId" desc:"the client's SMSID"`
	Offset  *int64  `json:"Offset" desc:"RestoreEntry: the record's offset in the file before apply removed it"`
	Record  *string `json:"Record" desc:"RestoreEntry: the removed 48-byte record as 96 lower-case hex characters"`
	Size    int64   `json:"Size" desc:"RestoreEntry: size of the Resync.cfg as apply left it; RestoreFile: size of the file"`
	Sha256  string  `json:"Sha256" desc:"RestoreEntry: SHA-256 of the Resync.cfg as apply left it; RestoreFile: SHA-256 of the file"`
	Content *string `json:"Content" desc:"RestoreFile: the file's content, base64"`
}

// WriteFields hands the fields to w in column order (output.Fielder), so
// results are encoded without reflection.
func (r *Result) WriteFields(w output.FieldWriter) {
	w.Str(r.Action)
	w.Str(r.Path)
	w.OptStr(r.SmsId)
	w.OptInt(r.RequestTime)
	w.OptStr(r.RequestedAt)
	w.OptInt(r.AgeDays)
	w.OptInt(r.Cutoff)
	w.OptInt(r.Offset)
	w.OptStr(r.Record)
	w.OptInt(r.Size)
	w.OptInt(r.ModTime)
	w.OptStr(r.Sha256)
	w.OptStr(r.Reason)
	w.Str(r.Status)
	w.Str(r.Detail)
}

// WriteFields hands the fields to w in column order (output.Fielder), so
// the undo file is written without reflection: its rows are as many as the
// records removed.
func (r *UndoRow) WriteFields(w output.FieldWriter) {
	w.Str(r.Action)
	w.Str(r.Path)
	w.Str(r.SmsId)
	w.OptInt(r.Offset)
	w.OptStr(r.Record)
	w.Int(r.Size)
	w.Str(r.Sha256)
	w.OptStr(r.Content)
}

// undoEntry is the UndoRow of a removed record, RestoreEntry, given by its
// fields: its WriteFields makes the same calls with the same values as
// UndoRow.WriteFields for {RestoreEntry, path, smsID, &offset,
// &lower-case hex of the record, size, sum, nil}, so the bytes are the
// same (TestUndoEntryMatchesUndoRow), with nothing allocated per row.
type undoEntry struct {
	path   string
	smsID  []byte
	offset int64
	record [96]byte // lower-case hex
	size   int64
	sum    string
}

func (u *undoEntry) WriteFields(w output.FieldWriter) {
	w.Str(RestoreEntry)
	w.Str(u.path)
	w.Bytes(u.smsID)
	w.Int(u.offset)
	w.Plain(u.record[:])
	w.Int(u.size)
	w.Str(u.sum)
	w.OptStr(nil)
}

// undoLines formats the undo rows of one rewrite from a line template: they
// share its Size and Sha256, and nearly always the Path of the first, so a
// row is the template's parts with its SmsId, Offset and Record between
// them — what Formatter.Append of the undoEntry writes, which a row of
// another Path or an SmsId that needs escaping goes through.
type undoLines struct {
	f     *output.Formatter
	path  string
	parts [4][]byte
}

func newUndoLines(f *output.Formatter, path string, size int64, sum string) *undoLines {
	l := &undoLines{f: f, path: path}
	sample := &undoTemplate{e: &undoEntry{path: path, size: size, sum: sum}, id: []byte("A"), off: []byte("0")}
	parts := f.Template(sample)
	if len(parts) != len(l.parts) {
		panic(fmt.Sprintf("apply: undo row template has %d parts, want %d", len(parts), len(l.parts)))
	}
	copy(l.parts[:], parts)
	return l
}

// append appends row v, of the rewrite's size and Sha256, to dst.
func (l *undoLines) append(dst []byte, v *undoEntry) []byte {
	if v.path != l.path || !plainText(v.smsID) {
		return l.f.Append(dst, v)
	}
	dst = append(dst, l.parts[0]...)
	dst = append(dst, v.smsID...)
	dst = append(dst, l.parts[1]...)
	dst = strconv.AppendInt(dst, v.offset, 10)
	dst = append(dst, l.parts[2]...)
	dst = append(dst, v.record[:]...)
	return append(dst, l.parts[3]...)
}

// undoTemplate writes an undoEntry with its SmsId and Offset as the holes
// of a template (output.FieldWriter's Plain and Digits), and its Record.
type undoTemplate struct {
	e       *undoEntry
	id, off []byte
}

func (u *undoTemplate) WriteFields(w output.FieldWriter) {
	w.Str(RestoreEntry)
	w.Str(u.e.path)
	w.Plain(u.id)
	w.Digits(u.off)
	w.Plain(u.e.record[:])
	w.Int(u.e.size)
	w.Str(u.e.sum)
	w.OptStr(nil)
}

// plainText reports whether b holds only what output.FieldWriter.Plain
// takes: ASCII letters, digits and "-:.+T".
func plainText(b []byte) bool {
	for _, c := range b {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == ':', c == '.', c == '+':
		default:
			return false
		}
	}
	return true
}
