package plan

import "github.com/dumpsync/dumpsync/internal/output"

// Action names of plan rows.
const (
	RemoveEntry = "RemoveEntry"
	DeleteFile  = "DeleteFile"
)

// Row is one planned change, exactly as it is exported. The field order is the
// record's column order; a field that does not apply is null (a nil pointer).
type Row struct {
	Action      string  `json:"Action" table:"narrow" jsonschema:"enum=RemoveEntry,enum=DeleteFile" desc:"what apply does: RemoveEntry removes one 48-byte record from a Resync.cfg; DeleteFile deletes one <SMSID>.cfg file"`
	Path        string  `json:"Path" table:"narrow,middle" desc:"absolute, clean path: the Resync.cfg for RemoveEntry, the .cfg file for DeleteFile"`
	SmsId       string  `json:"SmsId" table:"narrow" desc:"the client's SMSID (informational for RemoveEntry; must match the file name for DeleteFile)"`
	RequestTime *int64  `json:"RequestTime" desc:"Unix seconds of the request (RemoveEntry), or of the SMSID's newest request beside the file (DeleteFile); null when none"`
	RequestedAt *string `json:"RequestedAt" table:"narrow" desc:"RequestTime as RFC 3339 UTC; informational, null when RequestTime is null or 0"`
	AgeDays     *int64  `json:"AgeDays" table:"narrow" desc:"whole days between RequestTime and the plan's now; informational"`
	Cutoff      int64   `json:"Cutoff" desc:"Unix time now - days*86400 used for the decision"`
	Offset      *int64  `json:"Offset" desc:"byte offset of the record in Resync.cfg (RemoveEntry only)"`
	Record      *string `json:"Record" desc:"the 48-byte record as 96 lower-case hex characters (RemoveEntry only)"`
	Size        int64   `json:"Size" desc:"RemoveEntry: size of the Resync.cfg the row was decided from; DeleteFile: size of the file"`
	ModTime     int64   `json:"ModTime" desc:"modification time (Unix seconds) of the file the row was decided from; informational"`
	Sha256      string  `json:"Sha256" desc:"SHA-256 (lower-case hex) of the first Size bytes of that file: apply's guard"`
	Reason      string  `json:"Reason" table:"narrow,middle" desc:"why the row is planned, for people"`
}

// WriteFields hands the fields to w in column order (output.Fielder), so
// plans are encoded without reflection.
func (r *Row) WriteFields(w output.FieldWriter) {
	w.Str(r.Action)
	w.Str(r.Path)
	w.Str(r.SmsId)
	w.OptInt(r.RequestTime)
	w.OptStr(r.RequestedAt)
	w.OptInt(r.AgeDays)
	w.Int(r.Cutoff)
	w.OptInt(r.Offset)
	w.OptStr(r.Record)
	w.Int(r.Size)
	w.Int(r.ModTime)
	w.Str(r.Sha256)
	w.Str(r.Reason)
}
