package apply

import (
	"encoding/binary"
	"encoding/hex"

	"github.com/dumpsync/dumpsync/internal/hugepages"
	"github.com/dumpsync/dumpsync/internal/planread"
)

// groupRows holds the rows of one folder while Run carries them out: only
// what the runner decides on (the informational fields are read again from
// the spool for the Results), each Path and Sha256 once. A RemoveEntry or
// RestoreEntry row's Offset, Record, guard and Cutoff are in its edit's op
// (Plan.load), not here: such a row takes about 15 bytes, for its action,
// Path and SmsId (its undo row); others about 80. row decodes one row when
// the runner needs it.
type groupRows struct {
	data  []byte
	at    []uint32 // where row i starts in data
	strs  []string // Paths and Sha256 values, each once
	index map[string]uint32
	last  [2]interned // the last Path and Sha256: rows of one file repeat them
}

type interned struct {
	s  string
	i  uint32
	ok bool
}

// newGroupRows makes room for n rows, entries of them RemoveEntry or
// RestoreEntry rows, in the spare buffers *at and *data if they are large
// enough. It takes them either way (sets them to nil): a spare too small
// is freed, not kept beside a new one. Large buffers are in huge pages
// (hugepages.Make), as the ops are; add frees one that append moves.
func newGroupRows(n, entries int, at *[]uint32, data *[]byte) *groupRows {
	g := &groupRows{index: map[string]uint32{}, data: *data, at: *at}
	*data, *at = nil, nil
	// Room for the next folder's too, often a little larger.
	if size := 20*entries + 96*(n-entries); cap(g.data) < size {
		hugepages.Free(g.data)
		g.data = hugepages.Make[byte](size + size/8)
	}
	if cap(g.at) < n {
		hugepages.Free(g.at)
		g.at = hugepages.Make[uint32](n + n/8)
	}
	return g
}

// Presence bits of a row in groupRows.
const (
	gOffset = 1 << iota
	gRecordRaw
	gRecordText
	gSize
	gSha256
	gCutoff
	gReason
	gContent
)

func (g *groupRows) len() int { return len(g.at) }

// intern returns the index of s in strs; k is 0 for a Path, 1 for a
// Sha256.
func (g *groupRows) intern(k int, s string) uint32 {
	if l := &g.last[k]; l.ok && l.s == s {
		return l.i
	}
	i, ok := g.index[s]
	if !ok {
		i = uint32(len(g.strs))
		g.strs = append(g.strs, s)
		g.index[s] = i
	}
	g.last[k] = interned{s, i, true}
	return i
}

// add appends r and returns its index.
func (g *groupRows) add(r *planread.RawRow) int {
	at := append(g.at, uint32(len(g.data)))
	hugepages.FreeMoved(g.at, at)
	g.at = at
	b := g.data
	action := r.KnownAction()
	code := byte(0)
	for k, a := range knownActions {
		if action == a {
			code = byte(k + 1)
		}
	}
	b = append(b, code)
	if code == 0 {
		b = appendGStr(b, r.Action())
	}
	b = binary.AppendUvarint(b, uint64(r.N))
	b = binary.AppendUvarint(b, uint64(g.intern(0, r.Path())))
	b = appendGStr(b, r.SmsId())
	entry := action == RemoveEntryAction || action == RestoreEntry
	rec, rawRec := r.RecordRaw()
	if !rawRec {
		rec = r.Text(planread.FieldRecord)
	}
	has := func(f planread.Field) bool {
		if entry {
			// Only a Record that is not raw (never in a valid row), for
			// the undo row: the op holds the rest.
			return f == planread.FieldRecord && r.Has(f) && !rawRec
		}
		return r.Has(f)
	}
	raw := rawRec && has(planread.FieldRecord)
	var bits byte
	if has(planread.FieldOffset) {
		bits |= gOffset
	}
	switch {
	case raw:
		bits |= gRecordRaw
	case has(planread.FieldRecord):
		bits |= gRecordText
	}
	if has(planread.FieldSize) {
		bits |= gSize
	}
	if has(planread.FieldSha256) {
		bits |= gSha256
	}
	if has(planread.FieldCutoff) {
		bits |= gCutoff
	}
	// Reason decides only for DeleteFile rows (dependsOnSite).
	keepReason := has(planread.FieldReason) && action == DeleteFileAction
	if keepReason {
		bits |= gReason
	}
	if has(planread.FieldContent) {
		bits |= gContent
	}
	b = append(b, bits)
	if has(planread.FieldOffset) {
		b = binary.AppendVarint(b, r.Int(planread.FieldOffset))
	}
	switch {
	case raw:
		b = append(b, rec...)
	case has(planread.FieldRecord):
		b = appendGStr(b, rec)
	}
	if has(planread.FieldSize) {
		b = binary.AppendVarint(b, r.Int(planread.FieldSize))
	}
	if has(planread.FieldSha256) {
		b = binary.AppendUvarint(b, uint64(g.intern(1, r.Sha256())))
	}
	if has(planread.FieldCutoff) {
		b = binary.AppendVarint(b, r.Int(planread.FieldCutoff))
	}
	if keepReason {
		b = appendGStr(b, r.Text(planread.FieldReason))
	}
	if has(planread.FieldContent) {
		b = appendGStr(b, r.Text(planread.FieldContent))
	}
	hugepages.FreeMoved(g.data, b)
	g.data = b
	return len(g.at) - 1
}

func appendGStr[S string | []byte](b []byte, s S) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// decodedRow is a row of groupRows with room for what its pointers point
// to: one allocation.
type decodedRow struct {
	row                             planread.Row
	offset, size, cutoff            int64
	record, sha256, reason, content string
}

// row decodes row i. The Row is the caller's; it holds the fields the
// runner decides on (not RequestTime, RequestedAt, AgeDays, ModTime, Line,
// nor Reason but for DeleteFile rows).
func (g *groupRows) row(i int) *planread.Row {
	d := &decodedRow{}
	r := &d.row
	b := g.data[g.at[i]:]
	str := func() string {
		n, k := binary.Uvarint(b)
		s := string(b[k : k+int(n)])
		b = b[k+int(n):]
		return s
	}
	uv := func() uint64 {
		v, k := binary.Uvarint(b)
		b = b[k:]
		return v
	}
	sv := func() int64 {
		v, k := binary.Varint(b)
		b = b[k:]
		return v
	}
	if code := b[0]; code > 0 {
		b = b[1:]
		r.Action = knownActions[code-1]
	} else {
		b = b[1:]
		r.Action = str()
	}
	r.N = int(uv())
	r.Path = g.strs[uv()]
	r.SmsId = str()
	bits := b[0]
	b = b[1:]
	if bits&gOffset != 0 {
		d.offset = sv()
		r.Offset = &d.offset
	}
	switch {
	case bits&gRecordRaw != 0:
		d.record = hex.EncodeToString(b[:48])
		b = b[48:]
		r.Record = &d.record
	case bits&gRecordText != 0:
		d.record = str()
		r.Record = &d.record
	}
	if bits&gSize != 0 {
		d.size = sv()
		r.Size = &d.size
	}
	if bits&gSha256 != 0 {
		d.sha256 = g.strs[uv()]
		r.Sha256 = &d.sha256
	}
	if bits&gCutoff != 0 {
		d.cutoff = sv()
		r.Cutoff = &d.cutoff
	}
	if bits&gReason != 0 {
		d.reason = str()
		r.Reason = &d.reason
	}
	if bits&gContent != 0 {
		d.content = str()
		r.Content = &d.content
	}
	return r
}

// action is row i's Action, without decoding the row.
func (g *groupRows) action(i int) string {
	b := g.data[g.at[i]:]
	if b[0] > 0 {
		return knownActions[b[0]-1]
	}
	return g.row(i).Action
}

// undoFields returns what an undo row needs of row i, a record row: its
// Path, SmsId and, only when it was not valid hex, its Record (nil: the
// op's). The slices are parts of g.
func (g *groupRows) undoFields(i int) (path string, smsID, record []byte) {
	b := g.data[g.at[i]:]
	if b[0] == 0 {
		r := g.row(i)
		if r.Record != nil {
			record = []byte(*r.Record)
		}
		return r.Path, []byte(r.SmsId), record
	}
	b = b[1:]
	_, k := binary.Uvarint(b) // N
	b = b[k:]
	p, k := binary.Uvarint(b)
	b = b[k:]
	n, k := binary.Uvarint(b)
	smsID = b[k : k+int(n) : k+int(n)]
	b = b[k+int(n):]
	bits := b[0]
	b = b[1:]
	if bits&gOffset != 0 {
		_, k = binary.Varint(b)
		b = b[k:]
	}
	switch {
	case bits&gRecordRaw != 0:
		record = hex.AppendEncode(nil, b[:48])
	case bits&gRecordText != 0:
		n, k := binary.Uvarint(b)
		record = b[k : k+int(n) : k+int(n)]
	}
	return g.strs[p], smsID, record
}

// knownActions are stored as a code: no string per row.
var knownActions = [...]string{RemoveEntryAction, DeleteFileAction, RestoreEntry, RestoreFile}
