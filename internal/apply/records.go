package apply

import "github.com/dumpsync/dumpsync/internal/output"

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
