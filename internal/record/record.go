// Package record is dumpsync's model of one Resync.cfg record.
//
// The binary layout of Resync.cfg was never published; this package holds the
// project's reconstruction, and nothing else in dumpsync knows the byte offsets,
// so a different real-world layout is a change to this one file:
//
//	bytes  0–15  SMSID, ASCII, NUL-padded (it ends at the first NUL)
//	bytes 16–19  request time, uint32 little-endian, Unix seconds; 0 = unknown
//	bytes 20–47  other data, never interpreted, preserved byte for byte
//
// The file itself is a plain sequence of such records with no header.
// This package does not read files; see package resync.
package record

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// Size is the length of one record in bytes.
const Size = 48

const (
	idLen     = 16
	timeOff   = 16
	extraOff  = 20
	MaxIDLen  = idLen - 1 // a valid SMSID leaves room for at least one NUL
	ExtraSize = Size - extraOff
)

// Entry is one decoded record. Raw keeps the original bytes, so writing an
// Entry back never changes anything that was not interpreted.
type Entry struct {
	Raw [Size]byte
}

// Parse decodes one record. b must hold at least Size bytes.
func Parse(b []byte) Entry {
	var e Entry
	copy(e.Raw[:], b[:Size])
	return e
}

// idBytes returns the SMSID field up to (not including) the first NUL.
func (e *Entry) idBytes() []byte {
	for i := 0; i < idLen; i++ {
		if e.Raw[i] == 0 {
			return e.Raw[:i]
		}
	}
	return e.Raw[:idLen]
}

// IDBytes returns the SMSID field up to (not including) the first NUL, all
// 16 bytes when there is none. It aliases e.Raw: copy it to keep it.
func (e *Entry) IDBytes() []byte { return e.idBytes() }

// SmsID returns the bytes before the first NUL, each byte mapped to one
// character (Latin-1), so that an invalid ID is still shown faithfully.
func (e *Entry) SmsID() string {
	b := e.idBytes()
	ascii := true
	for _, c := range b {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return string(b)
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// Time returns the request time in Unix seconds; 0 means unknown.
func (e *Entry) Time() uint32 {
	return binary.LittleEndian.Uint32(e.Raw[timeOff:])
}

// Extra returns the uninterpreted bytes 20–47.
func (e *Entry) Extra() []byte { return e.Raw[extraOff:] }

// ExtraHex returns Extra as lower-case hex.
func (e *Entry) ExtraHex() string { return hex.EncodeToString(e.Raw[extraOff:]) }

// Hex returns the whole record as 96 lower-case hex characters.
func (e *Entry) Hex() string { return hex.EncodeToString(e.Raw[:]) }

// Problem returns why the entry is invalid, or "" when it is valid.
// An entry is valid when its SMSID is 1–15 characters of [A-Za-z0-9] and
// every byte after it in the 16-byte field is NUL.
func (e *Entry) Problem() string {
	id := e.idBytes()
	if len(id) == 0 {
		return "SMSID is empty"
	}
	if len(id) == idLen {
		return fmt.Sprintf("SMSID fills all %d bytes with no NUL terminator", idLen)
	}
	for i, c := range id {
		if !isIDChar(c) {
			return fmt.Sprintf("SMSID has byte 0x%02X at position %d", c, i)
		}
	}
	for i := len(id) + 1; i < idLen; i++ {
		if e.Raw[i] != 0 {
			return fmt.Sprintf("SMSID field has non-NUL byte 0x%02X at position %d after its end", e.Raw[i], i)
		}
	}
	return ""
}

// Valid reports whether Problem is empty, without making its message: the
// SMSID field is 1-15 ID characters, then NUL bytes only.
func (e *Entry) Valid() bool {
	id := e.Raw[:idLen]
	n := 0
	for n < idLen && idChar[id[n]] {
		n++
	}
	if n == 0 || n == idLen {
		return false
	}
	for _, c := range id[n:] {
		if c != 0 {
			return false
		}
	}
	return true
}

// idChar marks [A-Za-z0-9].
var idChar = func() (t [256]bool) {
	for c := range t {
		t[c] = c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
	}
	return t
}()

func isIDChar(c byte) bool { return idChar[c] }

// ValidSMSID reports whether s is 1–15 characters of [A-Za-z0-9].
func ValidSMSID(s string) bool {
	if len(s) == 0 || len(s) > MaxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isIDChar(s[i]) {
			return false
		}
	}
	return true
}

// Make builds a record from its parts; extra may be shorter than ExtraSize
// (the rest is zero). It panics if id is longer than 16 bytes. Used by the
// sample generator and tests.
func Make(id string, t uint32, extra []byte) Entry {
	var e Entry
	if len(id) > idLen {
		panic("record: SMSID longer than 16 bytes")
	}
	copy(e.Raw[:idLen], id)
	binary.LittleEndian.PutUint32(e.Raw[timeOff:], t)
	copy(e.Raw[extraOff:], extra)
	return e
}

// ParseHex decodes 96 hex characters (either case) into an Entry.
func ParseHex(s string) (Entry, error) {
	var e Entry
	if len(s) != 2*Size {
		return e, fmt.Errorf("record must be %d hex characters, got %d", 2*Size, len(s))
	}
	if _, err := hex.Decode(e.Raw[:], []byte(s)); err != nil {
		return e, fmt.Errorf("record is not hex: %v", err)
	}
	return e, nil
}
