// Package check judges the health of Resync.cfg files and their domains and
// reports what it finds as Finding records. It reads; it never changes a file
// and it decides no cleaning (that is package plan's job).
//
// Every mode of check (today: the health of files) yields the same records
// and the same Summary, so the command's exit code has one rule.
package check

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Severities of findings.
const (
	Error   = "Error"
	Warning = "Warning"
	Info    = "Info"
)

// Codes of the health mode.
const (
	PartialRecord  = "PartialRecord"
	InvalidSmsId   = "InvalidSmsId"
	ZeroTime       = "ZeroTime"
	FutureTime     = "FutureTime"
	DuplicateEntry = "DuplicateEntry"
	MissingCfg     = "MissingCfg"
	OrphanCfg      = "OrphanCfg"
	TooOld         = "TooOld"
	TooManyEntries = "TooManyEntries"
	TooLarge       = "TooLarge"
	Leftover       = "Leftover"
)

// Finding is one health or plan-gate finding.
type Finding struct {
	Severity string  `json:"Severity" jsonschema:"enum=Error,enum=Warning,enum=Info" desc:"Error fails the check (exit 1); Warning fails it with --strict; Info never fails it"`
	Code     string  `json:"Code" desc:"what was found: PartialRecord, InvalidSmsId, ZeroTime, FutureTime, DuplicateEntry, MissingCfg, OrphanCfg, TooOld, TooManyEntries, TooLarge, Leftover, InvalidRow, OutsideRoot, TooManyRemovals, TooManyDeletions, StaleRow"`
	Path     *string `json:"Path" desc:"the file the finding is about; null when it is about the whole plan"`
	SmsId    *string `json:"SmsId" desc:"the SMSID concerned, when there is one"`
	Offset   *int64  `json:"Offset" desc:"byte offset in the Resync.cfg, when the finding is about one record"`
	Message  string  `json:"Message" desc:"what is wrong, for people (names the row and field for plan findings)"`
}

// Summary counts what a check found. Unreadable counts inputs that could not
// be read at all, so the check could not vouch for them.
type Summary struct {
	Errors, Warnings, Infos int
	Unreadable              int
	Inputs                  int // files or plans looked at
}

func (s *Summary) count(f *Finding) {
	switch f.Severity {
	case Error:
		s.Errors++
	case Warning:
		s.Warnings++
	default:
		s.Infos++
	}
}

// Failed reports whether the findings fail the check: any Error, and with
// strict also any Warning.
func (s Summary) Failed(strict bool) bool {
	return s.Errors > 0 || strict && s.Warnings > 0
}

// Limit is an optional "at most N" threshold, as a flag value: unset means no
// limit. N itself is allowed; only a greater value exceeds it.
type Limit struct {
	N   int64
	Set bool
}

// UnmarshalText accepts a whole number, 0 or more.
func (l *Limit) UnmarshalText(b []byte) error {
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("%q is not a whole number of 0 or more", b)
	}
	*l = Limit{N: n, Set: true}
	return nil
}

func (l Limit) String() string {
	if !l.Set {
		return ""
	}
	return strconv.FormatInt(l.N, 10)
}

// Exceeded reports whether v is over the limit; never when it is unset.
func (l Limit) Exceeded(v int64) bool { return l.Set && v > l.N }

// sortFindings puts the findings of one file in their documented order:
// findings about the whole file (no Offset) first, then by Offset, then by
// Code; SMSID and Path break the remaining ties.
func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := &fs[i], &fs[j]
		if (a.Offset == nil) != (b.Offset == nil) {
			return a.Offset == nil
		}
		if a.Offset != nil && *a.Offset != *b.Offset {
			return *a.Offset < *b.Offset
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		if x, y := deref(a.SmsId), deref(b.SmsId); x != y {
			return lessFold(x, y)
		}
		return deref(a.Path) < deref(b.Path)
	})
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func lessFold(a, b string) bool {
	la, lb := strings.ToUpper(a), strings.ToUpper(b)
	if la != lb {
		return la < lb
	}
	return a < b
}

func ptr[T any](v T) *T { return &v }
