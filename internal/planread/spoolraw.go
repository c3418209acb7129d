package planread

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
)

// RawRow is a spool record read in place, for the passes that copy its
// fields elsewhere (apply's grouping of a folder's rows) or format them
// (apply's results): decoding one allocates nothing, where a Row takes a
// string and a pointer per field. Its byte slices are parts of the spool's
// read buffer: valid only during the ScanRaw call that gives the RawRow.
type RawRow struct {
	Mark byte
	N    int

	present    uint16
	action     string // a known action; else actionText holds it
	actionText []byte
	path       string // shared by the rows of one Path (the spool caches it)
	smsID      []byte
	ints       [fContent + 1]int64  // the integer fields present, by field index
	texts      [fContent + 1][]byte // the text fields present, by field index
	rawSha     bool                 // texts[fSha256] holds the 32 bytes, not hex
	rawRecord  bool                 // texts[fRecord] holds the 48 bytes, not hex
	recHex     []byte               // the raw Record as hex, made by Text
	sha        string               // Sha256 as text, when present (cached across rows)
}

// Field names a field of a row, for RawRow's accessors.
type Field int

// The fields of a RawRow that its accessors give.
const (
	FieldRequestTime Field = fRequestTime
	FieldRequestedAt Field = fRequestedAt
	FieldAgeDays     Field = fAgeDays
	FieldCutoff      Field = fCutoff
	FieldOffset      Field = fOffset
	FieldRecord      Field = fRecord
	FieldSize        Field = fSize
	FieldModTime     Field = fModTime
	FieldSha256      Field = fSha256
	FieldReason      Field = fReason
	FieldContent     Field = fContent
)

// Action is the row's Action ("" when it had none).
func (r *RawRow) Action() string {
	if r.action == "" && len(r.actionText) > 0 {
		return string(r.actionText)
	}
	return r.action
}

// KnownAction is the row's Action when it is one of the four actions (as
// Read normalises them), else "".
func (r *RawRow) KnownAction() string { return r.action }

// Path is the row's Path ("" when it had none). Rows of one file share the
// string.
func (r *RawRow) Path() string { return r.path }

// SmsId is the row's SmsId; empty when it had none.
func (r *RawRow) SmsId() []byte { return r.smsID }

// Has reports whether field f is present (not null, not missing).
func (r *RawRow) Has(f Field) bool { return r.present&(1<<f) != 0 }

// Int is the integer field f (0 when it is not present).
func (r *RawRow) Int(f Field) int64 { return r.ints[f] }

// Text is the text field f (RequestedAt, Record, Reason, Content); nil
// when not present. A Record the spool holds raw is given as lower-case
// hex, made in a buffer of the row. Sha256 is given by Sha256 and ShaRaw.
func (r *RawRow) Text(f Field) []byte {
	if f == FieldRecord && r.rawRecord {
		r.recHex = hex.AppendEncode(r.recHex[:0], r.texts[f])
		return r.recHex
	}
	return r.texts[f]
}

// RecordRaw returns the 48 bytes of Record when the spool holds them raw,
// which it does when the row gave lower-case hex of that length; else ok
// is false and Text is the row's text.
func (r *RawRow) RecordRaw() (b []byte, ok bool) {
	return r.texts[fRecord], r.rawRecord && r.Has(FieldRecord)
}

// ShaRaw returns the 32 bytes of Sha256 when the spool holds them raw,
// which it does when the row gave lower-case hex of that length; else ok
// is false and Sha256 is the row's text.
func (r *RawRow) ShaRaw() (b []byte, ok bool) {
	return r.texts[fSha256], r.rawSha && r.Has(FieldSha256)
}

// Sha256 is the row's Sha256 as text ("" when it has none); rows of one
// file share the string.
func (r *RawRow) Sha256() string { return r.sha }

// ScanRaw is Scan giving RawRows: the row and its slices are valid only
// during the call; the strings (Path, Sha256, Action) stay valid. Nothing
// is allocated per row.
func (s *Spool) ScanRaw(from, to Ref, fn func(ref Ref, r *RawRow) error) error {
	if s.raw == nil {
		s.raw = s.NewRawReader()
	}
	rr := s.raw
	for ref := from; ref < to; {
		data, end, err := rr.Chunk(ref, to, scanChunk)
		if err != nil {
			return err
		}
		if err := rr.Scan(data, ref, fn); err != nil {
			return err
		}
		ref = end
	}
	return nil
}

// RawReader reads a Spool's records in place (ScanRaw), with its own
// buffer and caches: once every row is appended, several goroutines may
// each read the spool through their own RawReader.
type RawReader struct {
	s       *Spool
	buf     []byte
	pathRef int64  // Ref of the record whose Path is pathAt (-1: none)
	pathAt  string // the Path of the last record that held one in full
	// The last raw Sha256 met and its text: rows of one file share them.
	rawShaIn, rawShaHex string
	held                []byte // buffer for a record read to find a Path
}

// NewRawReader returns a RawReader of s.
func (s *Spool) NewRawReader() *RawReader { return &RawReader{s: s, pathRef: -1} }

// Chunk reads the whole records from ref from on, before to: at most max
// bytes of them, but at least one record. The bytes are the RawReader's
// buffer, overwritten by its next Chunk; end is the Ref after the last
// record.
func (rr *RawReader) Chunk(from, to Ref, max int64) (data []byte, end Ref, err error) {
	s := rr.s
	if err := s.flush(); err != nil {
		return nil, 0, err
	}
	n := min(max, to-from)
	for {
		if int64(cap(rr.buf)) < n {
			rr.buf = make([]byte, n)
		}
		b := rr.buf[:n]
		if m, err := s.readAt(b, from); int64(m) < n {
			return nil, 0, s.corrupt(from, err)
		}
		// Up to the end of the last record that is whole in b.
		k := 0
		for k < len(b) {
			size, h := binary.Uvarint(b[k:])
			if h < 0 || h == 0 && len(b)-k >= binary.MaxVarintLen64 || size > 1<<31 {
				return nil, 0, s.corrupt(from+int64(k), nil)
			}
			if h == 0 || int64(k)+int64(h)+int64(size) > int64(len(b)) {
				break
			}
			k += h + int(size)
		}
		if k > 0 {
			return b[:k], from + int64(k), nil
		}
		if n == to-from {
			return nil, 0, s.corrupt(from, nil) // the last record is cut short
		}
		size, h := binary.Uvarint(b)
		if h <= 0 {
			n = min(n+binary.MaxVarintLen64, to-from)
		} else {
			n = min(int64(h)+int64(size), to-from)
		}
	}
}

// Scan decodes the records of data, whole records that Chunk read from
// ref base on, and calls fn with each.
func (rr *RawReader) Scan(data []byte, base Ref, fn func(ref Ref, r *RawRow) error) error {
	var r RawRow
	return eachRecord(data, base, func(ref Ref, body []byte) error {
		if err := rr.decode(ref, body, &r); err != nil {
			return err
		}
		return fn(ref, &r)
	})
}

// Marks calls fn with the Ref and mark of each record of data, whole
// records that Chunk read from ref base on, without decoding them.
func Marks(data []byte, base Ref, fn func(ref Ref, mark byte) error) error {
	return eachRecord(data, base, func(ref Ref, body []byte) error { return fn(ref, body[0]) })
}

// decodeRaw decodes body, the record at ref (see appendRow), into r.
func (s *Spool) decodeRaw(ref Ref, body []byte, r *RawRow) error {
	if s.raw == nil {
		s.raw = s.NewRawReader()
	}
	return s.raw.decode(ref, body, r)
}

// decode decodes body, the record at ref (see appendRow), into r.
func (rr *RawReader) decode(ref Ref, body []byte, r *RawRow) error {
	s := rr.s
	d := decoder[[]byte]{s: body}
	*r = RawRow{recHex: r.recHex}
	r.Mark = d.byte()
	r.N = int(d.uvarint())
	d.uvarint() // Line
	r.present = uint16(d.byte()) | uint16(d.byte())<<8
	has := func(i int) bool { return r.present&(1<<i) != 0 }
	if has(fAction) {
		code := d.byte()
		switch {
		case code == actionText:
			r.actionText = d.str()
		case int(code) <= len(actions):
			r.action = actions[code-1]
		default:
			d.err = errRecord
		}
	}
	var pathBack uint64
	var pathBytes []byte
	if has(fPath) {
		pathBack = d.uvarint()
		if pathBack == 0 {
			pathBytes = d.str()
		} else if pathBack > 1<<62 {
			d.err = errRecord
		}
	}
	if has(fSmsId) {
		r.smsID = d.str()
	}
	for _, i := range [...]int{fRequestTime, fRequestedAt, fAgeDays, fCutoff, fOffset, fRecord, fSize, fModTime, fSha256, fReason, fContent} {
		if !has(i) {
			continue
		}
		switch i {
		case fRequestedAt, fReason, fContent:
			r.texts[i] = d.str()
		case fRecord, fSha256:
			n := 48
			if i == fSha256 {
				n = 32
			}
			switch d.byte() {
			case asRaw:
				r.texts[i] = d.bytes(n)
				if i == fSha256 {
					r.rawSha = true
				} else {
					r.rawRecord = true
				}
			case asText:
				r.texts[i] = d.str()
			default:
				d.err = errRecord
			}
		default:
			r.ints[i] = d.varint()
		}
	}
	if d.err == nil && len(d.s) > 0 {
		d.err = errRecord
	}
	if r.present>>(fContent+1) != 0 {
		d.err = errRecord
	}
	if d.err != nil {
		return s.corrupt(ref, d.err)
	}
	switch {
	case has(fPath) && pathBack > 0 && int64(pathBack) <= ref:
		at := ref - int64(pathBack)
		if at != rr.pathRef {
			p, err := rr.heldPath(at)
			if err != nil {
				return err
			}
			if p == "" {
				return s.corrupt(ref, errors.New("the Path it refers to is missing"))
			}
			rr.pathRef, rr.pathAt = at, p
		}
		r.path = rr.pathAt
	case has(fPath) && pathBack > 0:
		return s.corrupt(ref, errors.New("bad Path reference"))
	case has(fPath):
		if string(pathBytes) != rr.pathAt {
			rr.pathAt = string(pathBytes)
		}
		rr.pathRef = ref
		r.path = rr.pathAt
	}
	if has(fSha256) {
		if r.rawSha {
			if string(r.texts[fSha256]) != rr.rawShaIn || rr.rawShaIn == "" {
				rr.rawShaIn = string(r.texts[fSha256])
				rr.rawShaHex = hex.EncodeToString(r.texts[fSha256])
			}
			r.sha = rr.rawShaHex
		} else {
			r.sha = string(r.texts[fSha256])
		}
	}
	return nil
}

// heldPath reads the record at ref, which a later one refers to for its
// Path, and returns the Path it holds in full ("" if it holds none).
func (rr *RawReader) heldPath(ref Ref) (string, error) {
	s := rr.s
	var hdr [binary.MaxVarintLen64]byte
	n, err := s.readAt(hdr[:], ref)
	if err != nil && n == 0 {
		return "", s.corrupt(ref, err)
	}
	size, h := binary.Uvarint(hdr[:n])
	if h <= 0 || size > 1<<31 {
		return "", s.corrupt(ref, errors.New("bad length"))
	}
	if uint64(cap(rr.held)) < size {
		rr.held = make([]byte, size)
	}
	body := rr.held[:size]
	if m, err := s.readAt(body, ref+int64(h)); m != len(body) {
		return "", s.corrupt(ref, err)
	}
	// Only the first fields, up to the Path.
	d := decoder[[]byte]{s: body}
	d.byte()    // mark
	d.uvarint() // N
	d.uvarint() // Line
	present := uint16(d.byte()) | uint16(d.byte())<<8
	if present&(1<<fAction) != 0 && d.byte() == actionText {
		d.str()
	}
	if d.err != nil || present&(1<<fPath) == 0 || d.uvarint() != 0 {
		return "", d.err
	}
	p := d.str()
	if d.err != nil {
		return "", s.corrupt(ref, d.err)
	}
	return string(p), nil
}
