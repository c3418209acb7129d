package apply

import (
	"github.com/dumpsync/dumpsync/internal/output"
	"github.com/dumpsync/dumpsync/internal/planread"
)

// resultView is a Result formatted straight from the row's spool record:
// the fields Result.WriteFields writes, in the same order and through the
// same FieldWriter calls for the same values (a null as OptStr(nil) or
// OptInt(nil)), but for a raw Record, whose lower-case hex goes through
// Plain (Str would write the same bytes after scanning them for escapes),
// so the bytes are the same; TestResultViewMatchesResult and
// FuzzResultViewMatchesResult hold it to that.
type resultView struct {
	row            *planread.RawRow
	status, detail string
}

func (v *resultView) WriteFields(w output.FieldWriter) {
	r := v.row
	w.Str(r.Action())
	w.Str(r.Path())
	if id := r.SmsId(); len(id) > 0 {
		w.Bytes(id)
	} else {
		w.OptStr(nil)
	}
	viewInt(w, r, planread.FieldRequestTime)
	viewText(w, r, planread.FieldRequestedAt)
	viewInt(w, r, planread.FieldAgeDays)
	viewInt(w, r, planread.FieldCutoff)
	viewInt(w, r, planread.FieldOffset)
	if _, raw := r.RecordRaw(); raw {
		// Lower-case hex: no format escapes or quotes it.
		w.Plain(r.Text(planread.FieldRecord))
	} else {
		viewText(w, r, planread.FieldRecord)
	}
	viewInt(w, r, planread.FieldSize)
	viewInt(w, r, planread.FieldModTime)
	if r.Has(planread.FieldSha256) {
		w.Str(r.Sha256())
	} else {
		w.OptStr(nil)
	}
	viewText(w, r, planread.FieldReason)
	w.Str(v.status)
	w.Str(v.detail)
}

func viewInt(w output.FieldWriter, r *planread.RawRow, f planread.Field) {
	if r.Has(f) {
		w.Int(r.Int(f))
	} else {
		w.OptInt(nil)
	}
}

func viewText(w output.FieldWriter, r *planread.RawRow, f planread.Field) {
	if r.Has(f) {
		w.Bytes(r.Text(f))
	} else {
		w.OptStr(nil)
	}
}
