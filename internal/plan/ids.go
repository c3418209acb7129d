package plan

import (
	"encoding/binary"
	"math/bits"
	"strings"

	"github.com/dumpsync/dumpsync/internal/record"
	"github.com/dumpsync/dumpsync/internal/site"
)

// idKey is an SMSID as a table key: its 16-byte field (1 to 15 letters and
// digits, then NULs) as two words, with bit 0x20 of every byte cleared.
// On letters, digits and NUL that is one-to-one up to case ('a' and 'A'
// become 0x41, '0' becomes 0x10), so two keys are equal exactly when the
// upper-cased SMSIDs are. A valid SMSID has a first byte, so lo is never 0:
// 0 marks an empty slot.
type idKey struct{ lo, hi uint64 }

const caseBits = 0x2020202020202020

// keyOfEntry is the key of a valid entry's SMSID.
func keyOfEntry(e *record.Entry) idKey {
	return idKey{
		binary.LittleEndian.Uint64(e.Raw[0:8]) &^ caseBits,
		binary.LittleEndian.Uint64(e.Raw[8:16]) &^ caseBits,
	}
}

// keyOfName is the key of a .cfg file's SMSID (its name without .cfg),
// compared as strings.ToUpper compares, or false when no valid entry can
// have it: the upper-cased name is not 1 to 15 letters and digits. (A
// non-ASCII name may upper-case to one that is: "ſ" is "S".)
func keyOfName(id string) (idKey, bool) {
	up := strings.ToUpper(id)
	if !record.ValidSMSID(up) {
		return idKey{}, false
	}
	var b [16]byte
	copy(b[:], up)
	return idKey{
		binary.LittleEndian.Uint64(b[0:8]) &^ caseBits,
		binary.LittleEndian.Uint64(b[8:16]) &^ caseBits,
	}, true
}

// idState is what one Resync.cfg says about one SMSID.
type idState struct {
	key    idKey
	newest uint32 // newest valid request time, when requested
	flags  uint32
}

const (
	requested uint32 = 1 << iota // at least one valid entry (a request)
	kept                         // at least one of them keeps the .cfg file (KeepsCfg)
)

// allStale reports whether the SMSID has requests and every one is stale.
func (s *idState) allStale() bool { return s.flags&(requested|kept) == requested }

// add counts one valid entry of the SMSID.
func (s *idState) add(t uint32, keeps bool) {
	if s.flags&requested == 0 || t > s.newest {
		s.newest = t
	}
	s.flags |= requested
	if keeps {
		s.flags |= kept
	}
}

// idTable holds the idState of each SMSID that has a .cfg file in the
// folder: only those are ever judged, so a Resync.cfg's other SMSIDs (a
// million clients, most of them long gone) cost nothing. It is an open
// addressing table with linear probing, filled once before the scan and
// never grown: 24 bytes a slot, at most half the slots used, nothing for the
// garbage collector to scan, no allocation per entry.
//
// Most lookups are of SMSIDs without a file. A bitmap of 4 bits a slot
// answers nearly all of them (a key is looked for in the slots only when
// its bit is set, which a key without a file finds in 1 case in 8 or
// fewer): at 0.5 bytes a slot, the bitmap of 100 000 files stays in the
// processor's cache, where the slots (6 MB) do not.
type idTable struct {
	slots []idState // a power of two long; key.lo == 0 is an empty slot
	shift uint      // 64 - log2(len(slots))
	seen  []uint64  // bit hash>>seenShift is set for every key in slots
	// seenShift is 64 - log2(the bitmap's bits).
	seenShift uint
}

// makeIDTable makes an empty table of size slots, a power of two.
func makeIDTable(size int) *idTable {
	bitsLog := bits.TrailingZeros(uint(size))
	seenLog := max(bitsLog+2, 6) // 4 bits a slot, one word at least
	return &idTable{
		slots: make([]idState, size), shift: uint(64 - bitsLog),
		seen: make([]uint64, 1<<(seenLog-6)), seenShift: uint(64 - seenLog),
	}
}

// newIDTable makes the table of the SMSIDs of the files in list.
func newIDTable(list *site.CfgList) *idTable {
	n := list.Len()
	size := 2
	for size < 2*n {
		size *= 2
	}
	t := makeIDTable(size)
	for i := range n {
		if k, ok := keyOfName(list.SmsID(i)); ok {
			t.insert(k)
		}
	}
	return t
}

// hashKey mixes the key: Fibonacci hashing, whose top bits depend on every
// bit of the key (the low bits would depend on its first bytes only).
func hashKey(k idKey) uint64 {
	return (k.lo ^ bits.RotateLeft64(k.hi, 31)) * 0x9E3779B97F4A7C15
}

// slot returns where k (whose hashKey is h) is, or the empty slot where it
// would go.
func (t *idTable) slot(k idKey, h uint64) *idState {
	i := h >> t.shift
	mask := uint64(len(t.slots) - 1)
	for {
		s := &t.slots[i]
		if s.key == k || s.key.lo == 0 {
			return s
		}
		i = (i + 1) & mask
	}
}

func (t *idTable) insert(k idKey) {
	h := hashKey(k)
	if s := t.slot(k, h); s.key.lo == 0 {
		s.key = k
		b := h >> t.seenShift
		t.seen[b/64] |= 1 << (b % 64)
	}
}

// lookup returns the state of k, nil when k has no .cfg file.
func (t *idTable) lookup(k idKey) *idState {
	h := hashKey(k)
	if b := h >> t.seenShift; t.seen[b/64]&(1<<(b%64)) == 0 {
		return nil
	}
	if s := t.slot(k, h); s.key.lo != 0 {
		return s
	}
	return nil
}

// requests returns the state of a .cfg file's SMSID when the Resync.cfg
// holds requests for it, else nil (as if it had never been seen).
func (t *idTable) requests(id string) *idState {
	if t == nil {
		return nil
	}
	k, ok := keyOfName(id)
	if !ok {
		return nil
	}
	if s := t.lookup(k); s != nil && s.flags&requested != 0 {
		return s
	}
	return nil
}
