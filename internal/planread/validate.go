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
	// MaxErrors bounds the problems SpoolPlan keeps (it counts them all);
	// 0 keeps every one.
	MaxErrors int
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
	st := &sliceStore{}
	c := NewChecker(opt, st)
	// rows shares p.Rows' backing array for as long as no row has been left
	// out as a duplicate (row n is then rows[n]); the first duplicate turns
	// it into a copy.
	shared := true
	for n := range p.Rows {
		r := &p.Rows[n]
		dup, rowErrs := c.Add(r)
		errs = append(errs, rowErrs...)
		switch {
		case !dup && shared:
			rows = p.Rows[: n+1 : n+1]
		case !dup:
			rows = append(rows, *r)
		case shared:
			shared = false
			rows = append(make([]Row, 0, len(p.Rows)-1), p.Rows[:n]...)
		}
		st.rows = rows
	}
	return rows, errs
}

// sliceStore is the Store of Validate: the rows kept so far, by index.
type sliceStore struct{ rows []Row }

func (s *sliceStore) Next() int64 { return int64(len(s.rows)) }
func (s *sliceStore) Row(ref int64) (*Row, error) {
	return &s.rows[ref], nil
}
func (s *sliceStore) Each(fn func(ref int64, r *Row)) error {
	for i := range s.rows {
		fn(int64(i), &s.rows[i])
	}
	return nil
}

// Store holds the rows a Checker kept (those Add did not find to be
// duplicates), so that it can compare a later row with the first row of
// the same target without keeping rows itself.
type Store interface {
	// Next is the reference the next row kept will have: the caller keeps
	// a row Add did not find to be a duplicate before the next Add.
	Next() int64
	// Row returns a kept row; it may be read back from a file, and is only
	// used until the next call.
	Row(ref int64) (*Row, error)
	// Each calls fn for every kept row, in order.
	Each(fn func(ref int64, r *Row)) error
}

// Checker is Validate one row at a time, in plan order: its state is a key
// per target, not the rows (those are in its Store), and for rows of one
// file in increasing Offset, as dumpsync plan writes them, not even that.
type Checker struct {
	v     validator
	store Store
	err   error // from the Store: sticky
	// Entry rows usually come in increasing Offset per file, as dumpsync
	// plan writes them: an Offset above every earlier one of the same kind
	// and file is a new target, and needs no lookup. Until an Offset comes
	// out of order (ordered), seenTarget holds no entry row with an Offset;
	// then it is given them all (addEntries) and used for every row.
	ordered bool
	// filesOrdered: no file row came out of order yet (see Add); fileMax
	// is the highest path key per kind and folder.
	filesOrdered bool
	fileMax      map[fileFolder]string
	maxOff       map[guardKey]int64 // kind+path -> highest Offset so far
	lastGK       guardKey
	lastMax      int64
	haveLast     bool
	seenTarget   map[targetKey]int64  // target -> ref in store
	seenGuard    map[guardKey]guardOf // kind+path -> the guard of its first row
	rowErrs      []RowError
}

// NewChecker returns a Checker whose kept rows are in store.
func NewChecker(opt Options, store Store) *Checker {
	return &Checker{v: validator{opt: opt, pathIDs: map[string]int32{}}, store: store, ordered: true,
		filesOrdered: true, fileMax: map[fileFolder]string{},
		seenTarget: map[targetKey]int64{}, seenGuard: map[guardKey]guardOf{}}
}

// Err is the first error of the Store, after which Add finds nothing more.
func (c *Checker) Err() error { return c.err }

// Add checks r against the rules and the rows before it. It returns
// whether r duplicates a kept row (the caller then leaves it out) and r's
// problems, valid until the next Add; a row that is not a duplicate must be
// kept in the Store before the next Add.
func (c *Checker) Add(r *Row) (dup bool, errs []RowError) {
	v := &c.v
	v.r, v.errs = r, c.rowErrs[:0]
	defer func() { c.rowErrs = v.errs[:0] }()
	if c.err != nil {
		return false, nil
	}
	v.checkRow()
	kind := actionKind(r.Action)
	if kind < 0 || r.Path == "" {
		return false, v.errs
	}
	if !v.legacyKeys && strings.IndexByte(r.Path, 0) >= 0 {
		// Target keys are compared as the strings "kind\x00path\x00offset"
		// were before: a Path holding a NUL byte could make two of those
		// strings equal where the parts differ, so from the first such row
		// on the string keys are used. (Without a NUL, two of those strings
		// are equal exactly when the parts are: the rows before decided the
		// same.)
		v.legacyKeys = true
		c.ordered = false
		if c.filesOrdered {
			c.filesOrdered = false
			c.addFiles()
		}
		c.rebuildTargets()
	}
	pi := v.path(r.Path)
	if c.filesOrdered && !isEntry(r.Action) {
		// File rows usually come in increasing Path per folder, as dumpsync
		// plan writes them: a Path above every earlier one of the same kind
		// in its folder is a new target and a new guard, and needs no key
		// at all. Until one comes out of order (filesOrdered), no file row
		// is in seenTarget or seenGuard; then they are given them all.
		dir := pi.key[:lastSep(pi.key)+1]
		fk := fileFolder{kind: kind, dir: dir}
		if m, ok := c.fileMax[fk]; !ok || pi.key > m {
			c.fileMax[fk] = pi.key
			return false, v.errs
		}
		c.filesOrdered = false
		c.addFiles()
	}
	id := v.id(pi)
	gk := guardKey{kind: kind, path: id}
	tk := targetKey{kind: kind, path: id}
	if isEntry(r.Action) && r.Offset != nil {
		tk.hasOff, tk.off = true, *r.Offset
	}
	if v.legacyKeys {
		tk = c.legacyKey(kind, pi, tk)
	}
	fresh := false // a new target not to be put in seenTarget
	if c.ordered && tk.hasOff {
		m, ok := c.lastMax, c.haveLast && c.lastGK == gk
		if !ok {
			m, ok = c.maxOff[gk]
		}
		if !ok || tk.off > m {
			if c.maxOff == nil {
				c.maxOff = map[guardKey]int64{}
			}
			c.maxOff[gk] = tk.off
			c.lastGK, c.lastMax, c.haveLast = gk, tk.off, true
			fresh = true
		} else {
			c.ordered = false
			c.addEntries()
		}
	}
	next := c.store.Next()
	var i int64
	ok := false
	if !fresh {
		i, ok = c.seenTarget[tk]
	}
	if ok {
		first, err := c.store.Row(i)
		if err != nil {
			c.err = err
			return false, nil
		}
		if f := differingField(first, r); f == "" {
			dup = true
		} else {
			v.add(f, "conflicts with row %d: same %s, different %s", first.N, targetName(r), f)
		}
		if !dup {
			if _, ok := c.seenGuard[gk]; !ok {
				c.seenGuard[gk] = guardOfRow(r)
			}
		}
	} else {
		if g, ok := c.seenGuard[gk]; ok {
			if !g.same(r) {
				first := g.row()
				v.add(guardField(first, r), "conflicts with row %d: same Path, different guard (Size %s, Sha256 %s there; %s, %s here)",
					first.N, intText(first.Size), strText(first.Sha256), intText(r.Size), strText(r.Sha256))
			}
		} else {
			c.seenGuard[gk] = guardOfRow(r)
		}
		if !fresh {
			c.seenTarget[tk] = next
		}
	}
	return dup, v.errs
}

// guardOf is what the guard check needs of the first row of a file: its
// N, Size and Sha256.
type guardOf struct {
	n       int
	size    int64
	sha     string
	hasSize bool
	hasSha  bool
}

func guardOfRow(r *Row) guardOf {
	g := guardOf{n: r.N}
	if r.Size != nil {
		g.size, g.hasSize = *r.Size, true
	}
	if r.Sha256 != nil {
		// A copy: the row's strings share a large buffer of the reader,
		// which this must not keep for the rest of the plan.
		g.sha, g.hasSha = strings.Clone(*r.Sha256), true
	}
	return g
}

// same reports whether r has the guard g (sameGuard of g.row() and r,
// without a Row per row).
func (g guardOf) same(r *Row) bool {
	if g.hasSize != (r.Size != nil) || g.hasSize && g.size != *r.Size {
		return false
	}
	sha := &g.sha
	if !g.hasSha {
		sha = nil
	}
	return strEq(sha, r.Sha256, true)
}

// row is a Row with the guard's fields.
func (g guardOf) row() *Row {
	r := &Row{N: g.n}
	if g.hasSize {
		r.Size = &g.size
	}
	if g.hasSha {
		r.Sha256 = &g.sha
	}
	return r
}

// legacyKey is tk as the string key "kind\x00path[\x00offset]".
func (c *Checker) legacyKey(kind int8, pi *pathInfo, tk targetKey) targetKey {
	k := actions[kind] + "\x00" + pi.key
	if tk.hasOff {
		k += fmt.Sprintf("\x00%d", tk.off)
	}
	return targetKey{kind: -1, legacy: k}
}

// targetOf is the target key of a kept row, false for a row without one.
func (c *Checker) targetOf(r *Row, withOffset bool) (targetKey, bool) {
	kind := actionKind(r.Action)
	if kind < 0 || r.Path == "" {
		return targetKey{}, false
	}
	pi := c.v.path(r.Path)
	tk := targetKey{kind: kind, path: c.v.id(pi)}
	if isEntry(r.Action) && r.Offset != nil {
		if !withOffset {
			return tk, false
		}
		tk.hasOff, tk.off = true, *r.Offset
	}
	if c.v.legacyKeys {
		tk = c.legacyKey(kind, pi, tk)
	}
	return tk, true
}

// addEntries gives seenTarget the entry rows with an Offset kept so far,
// which the ordered mode left out.
func (c *Checker) addEntries() {
	err := c.store.Each(func(ref int64, r *Row) {
		if !isEntry(r.Action) || r.Offset == nil {
			return
		}
		if tk, ok := c.targetOf(r, true); ok {
			if _, seen := c.seenTarget[tk]; !seen {
				c.seenTarget[tk] = ref
			}
		}
	})
	if err != nil && c.err == nil {
		c.err = err
	}
}

// addFiles gives seenTarget and seenGuard the file rows kept so far, which
// the ordered mode of file rows left out: the first kept row of each.
func (c *Checker) addFiles() {
	err := c.store.Each(func(ref int64, r *Row) {
		kind := actionKind(r.Action)
		if kind < 0 || r.Path == "" || isEntry(r.Action) {
			return
		}
		tk, _ := c.targetOf(r, true)
		if _, seen := c.seenTarget[tk]; !seen {
			c.seenTarget[tk] = ref
		}
		gk := guardKey{kind: kind, path: c.v.id(c.v.path(r.Path))}
		if _, seen := c.seenGuard[gk]; !seen {
			c.seenGuard[gk] = guardOfRow(r)
		}
	})
	if err != nil && c.err == nil {
		c.err = err
	}
}

// fileFolder is a kind of file row and the key of a folder.
type fileFolder struct {
	kind int8
	dir  string
}

// lastSep is the index of the last path separator in p, -1 if none.
func lastSep(p string) int {
	if runtime.GOOS == "windows" {
		return strings.LastIndexAny(p, `\/`)
	}
	return strings.LastIndexByte(p, '/')
}

// rebuildTargets makes seenTarget anew from the rows kept so far, with the
// string keys: the first kept row of each target.
func (c *Checker) rebuildTargets() {
	c.seenTarget = map[targetKey]int64{}
	err := c.store.Each(func(ref int64, r *Row) {
		if tk, ok := c.targetOf(r, true); ok {
			if _, seen := c.seenTarget[tk]; !seen {
				c.seenTarget[tk] = ref
			}
		}
	})
	if err != nil && c.err == nil {
		c.err = err
	}
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
	// misread is MisreadHint of path, for a path outside --within; set
	// once (hinted), not per row: a plan's rows share a few paths.
	misread string
	hinted  bool
}

func (v *validator) path(p string) *pathInfo {
	if v.last != nil && v.last.path == p {
		return v.last
	}
	pi, ok := v.paths[p]
	if !ok {
		// A copy: p shares a large buffer of the reader, which the checker
		// must not keep for the rest of the plan.
		p = strings.Clone(p)
		pi = &pathInfo{path: p, clean: paths.IsCleanAbs(p), base: baseName(p), key: pathKey(p)}
		pi.within = len(v.opt.Within) == 0 || paths.WithinAny(p, v.opt.Within)
		pi.parent = baseName(filepath.Dir(p))
		pi.resync = strings.EqualFold(pi.base, resyncName)
		pi.boxParent = strings.EqualFold(pi.parent, boxName)
		pi.id = -1 // given by id when a key needs it
		if v.paths == nil || len(v.paths) >= 4096 {
			v.paths = map[string]*pathInfo{}
		}
		v.paths[p] = pi
	}
	v.last = pi
	return pi
}

// id returns the number of pi's path key, the same for paths with the same
// key; only paths used in keys get one.
func (v *validator) id(pi *pathInfo) int32 {
	if pi.id < 0 {
		id, ok := v.pathIDs[pi.key]
		if !ok {
			id = int32(len(v.pathIDs))
			v.pathIDs[pi.key] = id
		}
		pi.id = id
	}
	return pi.id
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

// asciiMangled reports whether path holds a '?' (past a `\\?\` prefix),
// which no Windows name can: the '?' that Windows PowerShell 5.1 writes for
// every character it cannot encode when it writes a plan as ASCII.
func asciiMangled(path string) bool {
	if len(path) >= 4 && (path[0] == '\\' || path[0] == '/') && path[0] == path[1] && path[2] == '?' && path[3] == path[0] {
		path = path[4:]
	}
	return strings.IndexByte(path, '?') >= 0
}

const asciiMangledMsg = "holds '?', which no Windows name can: a character lost when the plan was written as ASCII " +
	"(Windows PowerShell 5.1's Export-Csv, Set-Content and pipes into programs write '?' for what ASCII lacks); " +
	"export it with -Encoding UTF8 and give apply the file"

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
		case asciiMangled(r.Path):
			add("Path", "%q %s", r.Path, asciiMangledMsg)
		case !pi.clean:
			add("Path", "%q is not a clean absolute path (no . or .. elements, doubled or trailing separators)", r.Path)
		case !pi.within:
			if !pi.hinted {
				pi.misread, pi.hinted = MisreadHint(pi.path, opt.Within), true
			}
			add("Path", "%q is outside --within %s%s", r.Path, strings.Join(opt.Within, ", "), pi.misread)
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

// baseName is the last element of p; filepath.Base splits on \ too on
// Windows.
func baseName(p string) string {
	return filepath.Base(p)
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
