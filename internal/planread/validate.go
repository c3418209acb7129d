package planread

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/dumpsync/dumpsync/internal/paths"
	"github.com/dumpsync/dumpsync/internal/record"
)

// RowError is one problem with one row.
type RowError struct {
	N, Line int    // the row's N and Line
	Field   string // the field at fault, "" for the row as a whole
	Msg     string
}

func (e RowError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "row %d", e.N)
	if e.Line > 0 {
		fmt.Fprintf(&b, " (line %d)", e.Line)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": field %s", e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Options tunes Validate.
type Options struct {
	// Within lists the roots every Path must lie in (see paths.Within); empty
	// means no restriction. They should be absolute: the CLI makes them so.
	Within []string
}

const (
	resyncName = "Resync.cfg"
	boxName    = "Invencfg.box"
)

// Validate checks every row of p and returns all problems, in row order:
// apply stops on any, check lists them all. It also returns the rows with
// identical duplicates removed, the first one kept, so that each counts once.
// When there are none, the rows returned are p.Rows itself, not a copy:
// neither may be changed while the other is in use.
//
// Rows are duplicates when they agree on every decision field: Action, Path
// (compared without case on Windows), Offset, Record, Size, Sha256, Cutoff,
// Content, and SmsId for file rows. Two rows for the same target (the same
// record slot of a Resync.cfg, or the same file) that differ in any of these
// conflict, and so do two rows for the same file with different guards (Size
// and Sha256): the later row gets the error. Plan rows and undo rows are
// separate kinds and never conflict with each other.
//
// For RestoreEntry, Size and Sha256 describe the file as apply left it, with
// the record removed, so Offset may be anything up to Size (the record goes
// back at Offset); for RemoveEntry the record must lie inside Size.
func Validate(p *Plan, opt Options) (rows []Row, errs []RowError) {
	v := validator{opt: opt, pathIDs: map[string]int32{}}
	// Target keys are compared as the strings "kind\x00path\x00offset" were
	// before: a Path holding a NUL byte could make two of those strings equal
	// where the parts differ, so such a plan keeps the string keys.
	for i := range p.Rows {
		if r := &p.Rows[i]; strings.IndexByte(r.Path, 0) >= 0 {
			v.legacyKeys = true
			break
		}
	}
	// rows shares p.Rows' backing array for as long as no row has been left
	// out as a duplicate (row n is then rows[n]); the first duplicate turns
	// it into a copy.
	shared := true
	// Entry rows usually come in increasing Offset per file, as dumpsync plan
	// writes them: an Offset above every earlier one of the same kind and
	// file is a new target, and needs no lookup. Until an Offset comes out of
	// order (ordered), seenTarget holds no entry row with an Offset; then it
	// is given them all (addEntries) and used for every row.
	ordered := !v.legacyKeys
	var maxOff map[guardKey]int64 // kind+path -> highest Offset so far
	lastGK, lastMax, haveLast := guardKey{}, int64(0), false
	seenTarget := map[targetKey]int{} // target -> index in rows
	if !ordered {
		seenTarget = make(map[targetKey]int, len(p.Rows))
	}
	seenGuard := map[guardKey]int{} // kind+path -> index in rows
	addEntries := func() {
		m := make(map[targetKey]int, len(p.Rows))
		for k, i := range seenTarget {
			m[k] = i
		}
		for i := range rows {
			r := &rows[i]
			if kind := actionKind(r.Action); kind >= 0 && r.Path != "" && isEntry(r.Action) && r.Offset != nil {
				tk := targetKey{kind: kind, path: v.path(r.Path).id, hasOff: true, off: *r.Offset}
				if _, ok := m[tk]; !ok {
					m[tk] = i
				}
			}
		}
		seenTarget = m
	}
	for n := range p.Rows {
		r := &p.Rows[n]
		v.r, v.errs = r, v.errs[:0]
		v.checkRow()

		dup := false
		if kind := actionKind(r.Action); kind >= 0 && r.Path != "" {
			pi := v.path(r.Path)
			gk := guardKey{kind: kind, path: pi.id}
			tk := targetKey{kind: kind, path: pi.id}
			if isEntry(r.Action) && r.Offset != nil {
				tk.hasOff, tk.off = true, *r.Offset
			}
			if v.legacyKeys {
				k := actions[kind] + "\x00" + pi.key
				if tk.hasOff {
					k += fmt.Sprintf("\x00%d", tk.off)
				}
				tk = targetKey{kind: -1, legacy: k}
			}
			fresh := false // a new target not to be put in seenTarget
			if ordered && tk.hasOff {
				m, ok := lastMax, haveLast && lastGK == gk
				if !ok {
					m, ok = maxOff[gk]
				}
				if !ok || tk.off > m {
					if maxOff == nil {
						maxOff = map[guardKey]int64{}
					}
					maxOff[gk] = tk.off
					lastGK, lastMax, haveLast = gk, tk.off, true
					fresh = true
				} else {
					ordered = false
					addEntries()
				}
			}
			i, ok := 0, false
			if !fresh {
				i, ok = seenTarget[tk]
			}
			if ok {
				if f := differingField(&rows[i], r); f == "" {
					dup = true
				} else {
					v.add(f, "conflicts with row %d: same %s, different %s", rows[i].N, targetName(r), f)
				}
				if !dup {
					if _, ok := seenGuard[gk]; !ok {
						seenGuard[gk] = len(rows)
					}
				}
			} else {
				if i, ok := seenGuard[gk]; ok {
					if !sameGuard(&rows[i], r) {
						v.add(guardField(&rows[i], r), "conflicts with row %d: same Path, different guard (Size %s, Sha256 %s there; %s, %s here)",
							rows[i].N, intText(rows[i].Size), strText(rows[i].Sha256), intText(r.Size), strText(r.Sha256))
					}
				} else {
					seenGuard[gk] = len(rows)
				}
				if !fresh {
					seenTarget[tk] = len(rows)
				}
			}
		}
		errs = append(errs, v.errs...)
		switch {
		case !dup && shared:
			rows = p.Rows[: n+1 : n+1]
		case !dup:
			rows = append(rows, *r)
		case shared:
			shared = false
			rows = append(make([]Row, 0, len(p.Rows)-1), p.Rows[:n]...)
		}
	}
	return rows, errs
}

// targetKey identifies what a row changes: a record slot (kind, path,
// offset) or a file (kind, path). legacy holds the whole key instead when
// validator.legacyKeys is set.
type targetKey struct {
	kind   int8
	hasOff bool
	path   int32
	off    int64
	legacy string
}

type guardKey struct {
	kind int8
	path int32
}

// validator holds what Validate keeps from row to row.
type validator struct {
	opt        Options
	r          *Row
	errs       []RowError // the current row's
	legacyKeys bool

	last    *pathInfo // the Path of the previous row
	paths   map[string]*pathInfo
	pathIDs map[string]int32 // pathKey -> id
}

// pathInfo is what the checks of a row need to know about its Path; the
// rows of one Resync.cfg all have the same Path.
type pathInfo struct {
	path      string
	clean     bool // paths.IsCleanAbs
	within    bool // inside opt.Within, or no opt.Within
	base      string
	parent    string // base name of the folder
	key       string // pathKey(path)
	id        int32  // the same for paths with the same key
	resync    bool   // base is Resync.cfg, in any case
	boxParent bool   // parent is Invencfg.box, in any case
}

func (v *validator) path(p string) *pathInfo {
	if v.last != nil && v.last.path == p {
		return v.last
	}
	pi, ok := v.paths[p]
	if !ok {
		pi = &pathInfo{path: p, clean: paths.IsCleanAbs(p), base: baseName(p), key: pathKey(p)}
		pi.within = len(v.opt.Within) == 0 || withinAny(p, v.opt.Within)
		pi.parent = baseName(filepath.Dir(p))
		pi.resync = strings.EqualFold(pi.base, resyncName)
		pi.boxParent = strings.EqualFold(pi.parent, boxName)
		id, ok := v.pathIDs[pi.key]
		if !ok {
			id = int32(len(v.pathIDs))
			v.pathIDs[pi.key] = id
		}
		pi.id = id
		if v.paths == nil || len(v.paths) >= 4096 {
			v.paths = map[string]*pathInfo{}
		}
		v.paths[p] = pi
	}
	v.last = pi
	return pi
}

func (v *validator) add(field, format string, args ...any) {
	v.errs = append(v.errs, RowError{N: v.r.N, Line: v.r.Line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// isBad reports whether field name was reported as bad by Read.
func (v *validator) isBad(name string) bool {
	for _, b := range v.r.bad {
		if b.Field == name {
			return true
		}
	}
	return false
}

// required reports a missing field unless it was already reported as bad.
func (v *validator) required(name string, present bool) bool {
	if !present && !v.isBad(name) {
		v.add(name, "missing (required for %s)", v.r.Action)
	}
	return present
}

func (v *validator) checkRow() {
	r, opt, add, required := v.r, v.opt, v.add, v.required
	for _, b := range r.bad {
		add(b.Field, "%s", b.Msg)
	}

	switch r.Action {
	case RemoveEntry, DeleteFile, RestoreEntry, RestoreFile:
	case "":
		if !v.isBad("Action") {
			add("Action", "missing")
		}
		return
	default:
		add("Action", "unknown action %q (want %s, %s, %s or %s)", clip(r.Action), RemoveEntry, DeleteFile, RestoreEntry, RestoreFile)
		return
	}

	pathOK := false
	var pi *pathInfo
	if required("Path", r.Path != "") {
		pi = v.path(r.Path)
		switch {
		case !pi.clean:
			add("Path", "%q is not a clean absolute path (no . or .. elements, doubled or trailing separators)", r.Path)
		case !pi.within:
			add("Path", "%q is outside --within %s", r.Path, strings.Join(opt.Within, ", "))
		default:
			pathOK = true
		}
	}

	if isEntry(r.Action) {
		if pathOK && !pi.resync {
			add("Path", "%s must name a %s file, not %q", r.Action, resyncName, pi.base)
		}
		if required("Record", r.Record != nil) && !isHex(*r.Record, record.Size) {
			if _, err := record.ParseHex(*r.Record); err != nil {
				add("Record", "%v", err)
			}
		}
		if required("Offset", r.Offset != nil) {
			switch {
			case *r.Offset < 0:
				add("Offset", "negative (%d)", *r.Offset)
			case *r.Offset%record.Size != 0:
				add("Offset", "%d is not a multiple of %d", *r.Offset, record.Size)
			}
		}
	} else {
		if pathOK {
			if !strings.EqualFold(pi.base, r.SmsId+".cfg") {
				add("Path", "%s must name the file <SmsId>.cfg (%s.cfg), not %q", r.Action, r.SmsId, pi.base)
			}
			if !pi.boxParent {
				add("Path", "%s must name a file in a folder named %s, not %q", r.Action, boxName, pi.parent)
			}
		}
		if required("SmsId", r.SmsId != "") && !record.ValidSMSID(r.SmsId) {
			add("SmsId", "%q is not a valid SMSID (1 to %d letters and digits)", clip(r.SmsId), record.MaxIDLen)
		}
	}

	sizeOK := false
	if required("Size", r.Size != nil) {
		if *r.Size < 0 {
			add("Size", "negative (%d)", *r.Size)
		} else {
			sizeOK = true
		}
	}
	if required("Sha256", r.Sha256 != nil) && !isHex(*r.Sha256, sha256.Size) {
		add("Sha256", "must be %d hex characters, got %q", 2*sha256.Size, clip(*r.Sha256))
	}

	switch r.Action {
	case RemoveEntry:
		// The record must lie inside the file the guard describes.
		if sizeOK && r.Offset != nil && *r.Offset >= 0 && *r.Offset > *r.Size-record.Size {
			add("Offset", "the record at %d does not fit in Size %d (Offset+%d > Size)", *r.Offset, *r.Size, record.Size)
		}
	case RestoreEntry:
		// The guard is the file as apply left it, after all its removals, so
		// an original Offset may lie beyond Size: several records removed
		// from the end go back one after another. Nothing to check here.
	case DeleteFile:
		required("Cutoff", r.Cutoff != nil)
	case RestoreFile:
		if required("Content", r.Content != nil) {
			data, err := base64.StdEncoding.DecodeString(*r.Content)
			switch {
			case err != nil:
				add("Content", "not valid base64: %v", err)
			case sizeOK && int64(len(data)) != *r.Size:
				add("Content", "decodes to %d bytes, Size is %d", len(data), *r.Size)
			case r.Sha256 != nil && isHex(*r.Sha256, sha256.Size):
				if sum := sha256.Sum256(data); !strings.EqualFold(hex.EncodeToString(sum[:]), *r.Sha256) {
					add("Content", "SHA-256 of the decoded content is %x, Sha256 is %s", sum, *r.Sha256)
				}
			}
		}
	}
}

func withinAny(p string, roots []string) bool {
	for _, root := range roots {
		if paths.Within(p, root) {
			return true
		}
	}
	return false
}

// baseName is the last element of p; filepath.Base splits on \ too on
// Windows.
func baseName(p string) string {
	return filepath.Base(p)
}

// isHex reports whether s is n bytes in hex: 2n hex digits, any case.
func isHex(s string, n int) bool {
	if len(s) != 2*n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if hexClass[s[i]] == 0 {
			return false
		}
	}
	return true
}

// hexClass is 1 for the digits 0-9 and a-f, 2 for A-F, 0 for any other byte.
var hexClass = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = 1
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = 1
	}
	for c := 'A'; c <= 'F'; c++ {
		t[c] = 2
	}
	return t
}()

func isEntry(action string) bool { return action == RemoveEntry || action == RestoreEntry }

// actionKind groups the actions whose rows may conflict: plan entry rows,
// plan file rows, undo entry rows, undo file rows. It is the action's index
// in actions, -1 for an unknown action.
func actionKind(action string) int8 {
	for i, a := range actions {
		if a == action {
			return int8(i)
		}
	}
	return -1
}

// pathKey is the form of a path rows are compared by: case-insensitive on
// Windows, where NTFS ignores case, exact elsewhere.
func pathKey(p string) string {
	if runtime.GOOS == "windows" {
		return strings.ToLower(p)
	}
	return p
}

func targetName(r *Row) string {
	if isEntry(r.Action) {
		return "Path and Offset"
	}
	return "Path"
}

// differingField returns the first decision field in which a and b differ,
// or "" when they are duplicates.
func differingField(a, b *Row) string {
	switch {
	case !strEq(a.Record, b.Record, true):
		return "Record"
	case !intEq(a.Size, b.Size):
		return "Size"
	case !strEq(a.Sha256, b.Sha256, true):
		return "Sha256"
	case !intEq(a.Offset, b.Offset):
		return "Offset"
	case !intEq(a.Cutoff, b.Cutoff):
		return "Cutoff"
	case !isEntry(a.Action) && a.SmsId != b.SmsId:
		return "SmsId"
	case !strEq(a.Content, b.Content, false):
		return "Content"
	}
	return ""
}

func sameGuard(a, b *Row) bool {
	return intEq(a.Size, b.Size) && strEq(a.Sha256, b.Sha256, true)
}

func guardField(a, b *Row) string {
	if !intEq(a.Size, b.Size) {
		return "Size"
	}
	return "Sha256"
}

func intEq(a, b *int64) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

func strEq(a, b *string, fold bool) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if fold {
		return strings.EqualFold(*a, *b)
	}
	return *a == *b
}

func intText(p *int64) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

func strText(p *string) string {
	if p == nil {
		return "null"
	}
	return *p
}
