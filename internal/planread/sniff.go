package planread

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/dumpsync/dumpsync/internal/record"
)

// This file recognises inputs that are not plans at all but something a user
// can easily pass by mistake: another dumpsync command's export, a Resync.cfg
// itself, or a file saved as UTF-32. Each is rejected in one line that says
// what the input looks like, instead of a syntax error at some offset or one
// "field Action: missing" per row.

// errUTF32 is the message for UTF-32 input, with or without a BOM.
const errUTF32 = "UTF-32 is not supported; save it as UTF-8 or UTF-16"

// utf32BOM reports whether b starts with a UTF-32 byte-order mark. FF FE 00 00
// is also a UTF-16LE BOM followed by U+0000, but no plan starts with a NUL
// character.
func utf32BOM(b []byte) bool {
	return bytes.HasPrefix(b, []byte{0xFF, 0xFE, 0, 0}) || bytes.HasPrefix(b, []byte{0, 0, 0xFE, 0xFF})
}

// binaryLookalike names what an input without a BOM that holds a NUL byte
// looks like, or returns "" when it looks like neither UTF-32 nor a
// Resync.cfg (UTF-16 without a BOM, or some other binary file).
func binaryLookalike(b []byte) string {
	if looksUTF32(b) {
		return errUTF32
	}
	if looksResync(b) {
		return "this looks like a Resync.cfg (binary), not a plan; 'dumpsync dump' lists its entries"
	}
	return ""
}

// looksUTF32 reports whether the first character of b is ASCII written as
// UTF-32 without a BOM: X 00 00 00 (little-endian) or 00 00 00 X (big-endian).
func looksUTF32(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	le := b[0] != 0 && b[0] < 0x80 && b[1] == 0 && b[2] == 0 && b[3] == 0
	be := b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] != 0 && b[3] < 0x80
	return le || be
}

// looksResync reports whether b has the shape of a Resync.cfg: every SMSID
// field among its first records is some non-NUL bytes followed only by NULs
// (the model of package record, valid or not), and at least half of them
// end in NUL padding. Text in UTF-16 or UTF-32 interleaves NULs with other
// bytes, and a text file with a stray NUL has no padded fields.
func looksResync(b []byte) bool {
	const idLen = record.MaxIDLen + 1
	fieldsSeen, padded := 0, 0
	for off := 0; off+idLen <= len(b) && fieldsSeen < 16; off += record.Size {
		id := b[off : off+idLen]
		end := bytes.IndexByte(id, 0)
		if end >= 0 {
			if bytes.IndexFunc(id[end:], func(r rune) bool { return r != 0 }) >= 0 {
				return false
			}
			padded++
		}
		fieldsSeen++
	}
	return fieldsSeen > 0 && 2*padded >= fieldsSeen
}

// exportLookalike names the dumpsync export whose fields keys (the names of
// the first row's fields, or the CSV header) are, or returns "" when keys
// may be a plan's. Only a row without Action can be a dump or check record
// (such a row is invalid in a plan anyway); a row with Action and both Status
// and Detail is a row of apply's results.
func exportLookalike(keys []string) string {
	has := map[string]bool{}
	for _, k := range keys {
		has[strings.ToLower(k)] = true
	}
	count := func(names ...string) int {
		n := 0
		for _, k := range names {
			if has[k] {
				n++
			}
		}
		return n
	}
	const origin = "a plan comes from 'dumpsync plan'"
	switch {
	case !has["action"] && count("index", "valid", "problem") >= 2:
		return "this looks like dumpsync dump output, not a plan (" + origin + ")"
	case !has["action"] && count("severity", "code", "message") >= 2:
		return "this looks like dumpsync check output, not a plan (" + origin + ")"
	case len(keys) == 1 && tableHeader(keys[0]):
		// A CSV header of one column: the columns are apart by spaces.
		return "this looks like a table (-f table, what --out writes to a .txt file), not a plan; " +
			"write the plan with -f json or -f csv (or --out plan.json)"
	case has["action"] && has["status"] && has["detail"]:
		// Results repeat the plan's rows with their guards, so applying them
		// would mostly work; but a user who passes results where an undo
		// file was meant must not get a re-apply instead.
		return "this looks like dumpsync apply results (Status, Detail), not a plan; " +
			"to undo an apply pass its undo file, to apply these rows again drop the Status and Detail fields"
	}
	return ""
}

// tableHeader reports whether line is the header of a -f table of plan
// rows or results: Action, then at least one more field name, apart by
// spaces.
func tableHeader(line string) bool {
	words := strings.Fields(line)
	if len(words) < 2 || words[0] != "Action" {
		return false
	}
	for _, w := range words[1:] {
		if _, ok := lookupField(w); !ok && w != "Status" && w != "Detail" {
			return false
		}
	}
	return true
}

// notAPlan returns the error for a plan whose first row has the fields keys,
// or nil.
func notAPlan(name string, keys []string) error {
	if m := exportLookalike(keys); m != "" {
		return fmt.Errorf("%s: %s", name, m)
	}
	return nil
}
