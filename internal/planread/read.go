package planread

import (
	"io"

	"github.com/dumpsync/dumpsync/internal/hugepages"
)

// Action names. RemoveEntry and DeleteFile are plan rows (see package plan);
// RestoreEntry and RestoreFile are the rows of apply's undo files.
const (
	RemoveEntry  = "RemoveEntry"
	DeleteFile   = "DeleteFile"
	RestoreEntry = "RestoreEntry"
	RestoreFile  = "RestoreFile"
)

var actions = []string{RemoveEntry, DeleteFile, RestoreEntry, RestoreFile}

// Row is one row of a plan or undo file as read, before any check. A field
// that is absent, null or an empty string is nil ("" for the string fields).
// Action is given its canonical spelling when it names a known action, and
// Record and Sha256 are lower-cased when they are hex; nothing else is changed.
type Row struct {
	N    int // 1-based position of the row in the plan
	Line int // CSV: line of the row's record; JSON: line where the object starts; 0 if unknown

	Action      string
	Path        string
	SmsId       string  // "" when missing
	RequestTime *int64  // Unix seconds
	RequestedAt *string // informational, verbatim in whatever form it came; never parsed
	AgeDays     *int64  // informational: nil unless it is an integer, never an error
	Cutoff      *int64
	Offset      *int64
	Record      *string
	Size        *int64
	ModTime     *int64
	Sha256      *string
	Reason      *string
	Content     *string // base64, undo RestoreFile rows only

	// bad holds the fields whose value could not be used (a non-integer
	// Size, a Path given as a number); Validate reports them.
	bad []fieldProblem
}

type fieldProblem struct {
	Field, Msg string
}

// Plan is what Read found.
type Plan struct {
	Rows []Row
	// Format is "json" or "csv", or "" when the input held nothing at all.
	Format string
	// Truncated is set when a JSON array ends without its closing ] (a crash
	// cut an undo file short); Rows then holds the complete rows before the cut.
	Truncated bool
	// Wrapped is set when the JSON was Windows PowerShell 5.1's
	// {"value":[...],"Count":N} wrapper: the sign of a pipeline that filtered
	// nothing (see POWERSHELL.md); callers warn about it.
	Wrapped bool
}

// Read reads a whole plan from r. name names the input in error messages.
// It returns an error only when the input cannot be read as a plan at all:
// bad encoding (with the byte offset in the input), bad JSON or CSV syntax
// (with the line, and the byte offset for UTF-8 input), a key given twice,
// or an input that is something else (see Stream).
func Read(r io.Reader, name string) (*Plan, error) {
	rd := Stream(r, name)
	p := &Plan{}
	for {
		if len(p.Rows) == 256 && rd.sizeHint > 0 {
			p.Rows = reserve(p.Rows, rd.consumed(), rd.sizeHint)
		}
		// The row is read in place, not copied into the slice.
		p.Rows = append(p.Rows, Row{})
		err := rd.nextInto(&p.Rows[len(p.Rows)-1])
		if err != nil {
			p.Rows = p.Rows[:len(p.Rows)-1]
			if err == io.EOF {
				break
			}
			return nil, err
		}
	}
	if len(p.Rows) == 0 {
		p.Rows = nil
	}
	p.Format, p.Truncated, p.Wrapped = rd.Format(), rd.Truncated(), rd.Wrapped()
	return p, nil
}

// reserve grows rows once to about the number of rows an input of size
// bytes holds, judging by the rows read from its first used bytes.
func reserve(rows []Row, used, size int64) []Row {
	if used <= 0 {
		return rows
	}
	n := int(float64(size)/float64(used)*float64(len(rows))*1.02) + 16
	if n <= cap(rows) || n > 1<<28 {
		return rows
	}
	grown := make([]Row, len(rows), n)
	hugepages.Slice(grown)
	copy(grown, rows)
	return grown
}
