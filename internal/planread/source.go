package planread

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// source turns the input into UTF-8 text chunk by chunk: UTF-8 with or
// without a BOM is checked and passed through, UTF-16 with a BOM is decoded.
// Nothing is ever replaced: an invalid byte, an unpaired surrogate or an odd
// length is an error naming its byte offset in the input.
type source struct {
	r   io.Reader
	enc int // encUTF8, encUTF16LE or encUTF16BE; decided by start
	// bomUTF8 is set when the input starts with a UTF-8 BOM; without one, a
	// NUL byte is reported as a sign of UTF-16 without a BOM.
	bomUTF8 bool
	rawOff  int64  // input offset of the next byte to read from r
	carry   []byte // bytes read but not yet passed on (a split sequence)
	raw     []byte // UTF-16 only: the read buffer
	eof     bool
}

const (
	encUTF8 = iota
	encUTF16LE
	encUTF16BE
)

// chunk is how much is read from the input at a time.
const chunk = 64 << 10

// start reads the beginning of the input, decides its encoding, and returns
// the BOM length (0 for UTF-8 without one) and the bytes to be decoded
// after it. Inputs that are not plans in a way the first bytes show (UTF-32,
// a Resync.cfg) are rejected here, with the whole first chunk to judge from.
func (s *source) start() (bomLen int, err error) {
	// A Resync.cfg is recognised from its first records: read them whole.
	b := make([]byte, 0, chunk)
	for len(b) < 16*48 && !s.eof {
		n, err := s.r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			s.eof = true
		} else if err != nil {
			return 0, err
		}
	}
	s.rawOff = int64(len(b))
	switch {
	case utf32BOM(b):
		return 0, errors.New(errUTF32)
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		s.bomUTF8 = true
		s.carry = b[3:]
		return 3, nil
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		s.enc, s.carry = encUTF16LE, b[2:]
		return 2, nil
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		s.enc, s.carry = encUTF16BE, b[2:]
		return 2, nil
	}
	if bytes.IndexByte(b, 0) >= 0 {
		if m := binaryLookalike(b); m != "" {
			return 0, errors.New(m)
		}
	}
	s.carry = b
	return 0, nil
}

// read appends decoded text to dst, at most up to its capacity, and returns
// it; io.EOF once the input is used up and nothing was appended.
func (s *source) read(dst []byte) ([]byte, error) {
	if s.enc != encUTF8 {
		return s.readUTF16(dst)
	}
	for {
		base := len(dst)
		// The carry first: what start read, or a sequence split at the end
		// of the previous read.
		n := copy(dst[base:cap(dst)], s.carry)
		s.carry = s.carry[n:]
		dst = dst[:base+n]
		start := s.rawOff - int64(len(s.carry)) - int64(n) // input offset of dst[base]
		if len(s.carry) == 0 && !s.eof && len(dst) < cap(dst) {
			m, err := s.r.Read(dst[len(dst):cap(dst)])
			dst = dst[:len(dst)+m]
			s.rawOff += int64(m)
			if err == io.EOF {
				s.eof = true
			} else if err != nil {
				return dst[:base], err
			}
		}
		got := dst[base:]
		// Keep back a sequence that the next read may complete.
		keep := 0
		if !s.eof || len(s.carry) > 0 {
			keep = splitTail(got)
		}
		if err := s.checkUTF8(got[:len(got)-keep], start); err != nil {
			return dst[:base], err
		}
		if keep > 0 {
			s.carry = append(append([]byte(nil), got[len(got)-keep:]...), s.carry...)
			dst = dst[:len(dst)-keep]
		}
		if len(dst) > base {
			return dst, nil
		}
		if s.eof && len(s.carry) == 0 {
			return dst, io.EOF
		}
		if keep > 0 && len(dst) == cap(dst) {
			return dst, nil // no room: the caller makes some
		}
	}
}

// splitTail returns how many bytes at the end of b begin a UTF-8 sequence
// that b does not hold whole.
func splitTail(b []byte) int {
	for i := 1; i <= 3 && i <= len(b); i++ {
		c := b[len(b)-i]
		if c < 0x80 {
			return 0
		}
		if c >= 0xC0 { // a lead byte
			need := 2
			switch {
			case c >= 0xF0:
				need = 4
			case c >= 0xE0:
				need = 3
			}
			if need > i {
				return i
			}
			return 0
		}
	}
	return 0
}

// checkUTF8 checks b, which starts at input offset off, for invalid UTF-8
// and, without a BOM, for NUL bytes.
func (s *source) checkUTF8(b []byte, off int64) error {
	nul := -1
	if !s.bomUTF8 {
		nul = bytes.IndexByte(b, 0)
	}
	bad := -1
	if !utf8.Valid(b) {
		for i := 0; i < len(b); {
			if b[i] < utf8.RuneSelf {
				i++
				continue
			}
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n <= 1 {
				bad = i
				break
			}
			i += n
		}
	}
	switch {
	case nul >= 0 && (bad < 0 || nul < bad):
		return fmt.Errorf("byte offset %d: NUL byte; the input looks like UTF-16 without a byte-order mark (save it as UTF-8, or as UTF-16 with a BOM)", off+int64(nul))
	case bad >= 0:
		return fmt.Errorf("byte offset %d: invalid UTF-8 (byte 0x%02X); save the plan as UTF-8 or UTF-16 (an ANSI code page is not supported)", off+int64(bad), b[bad])
	}
	return nil
}

// readUTF16 decodes UTF-16 units into dst. An unpaired surrogate, which a
// decoder would silently replace, and an odd number of bytes are errors.
func (s *source) readUTF16(dst []byte) ([]byte, error) {
	for {
		if br, ok := s.r.(borrower); ok && len(s.carry) == 0 && !s.eof {
			// Decoded from the input's block where it lies: no copy.
			b, err := br.borrow()
			s.rawOff += int64(len(b))
			if err == io.EOF {
				s.eof = true
			} else if err != nil {
				return dst, err
			}
			s.carry = b
		}
		if len(s.carry) < 4 && !s.eof {
			// A unit or surrogate pair split across reads: the rest of
			// it is copied after it.
			if s.raw == nil {
				s.raw = make([]byte, 0, chunk)
			}
			b := append(s.raw[:0], s.carry...)
			n, err := s.r.Read(b[len(b):cap(b)])
			b = b[:len(b)+n]
			s.rawOff += int64(n)
			if err == io.EOF {
				s.eof = true
			} else if err != nil {
				return dst, err
			}
			s.carry = b
		}
		b := s.carry
		off := s.rawOff - int64(len(b)) // input offset of b[0]
		unit := func(i int) uint16 {
			if s.enc == encUTF16BE {
				return uint16(b[i])<<8 | uint16(b[i+1])
			}
			return uint16(b[i+1])<<8 | uint16(b[i])
		}
		// ASCII units many at a time: every unit's high byte 0, low byte
		// below 0x80 (the whole of a plan but its non-ASCII text).
		mask, sh := uint64(0xFF80FF80FF80FF80), uint(0) // little-endian: low bytes first
		if s.enc == encUTF16BE {
			mask, sh = 0x80FF80FF80FF80FF, 8
		}
		i := 0
		for ; i+1 < len(b) && cap(dst)-len(dst) >= utf8.UTFMax; i += 2 {
			if room := cap(dst) - len(dst) - utf8.UTFMax; room >= 4 && i+8 <= len(b) {
				n := len(dst)
				k := decodeASCII(dst[n:n+room], b[i:], mask, sh)
				dst = dst[:n+k/2]
				i += k
			}
			if i+1 >= len(b) || cap(dst)-len(dst) < utf8.UTFMax {
				break
			}
			u := unit(i)
			switch {
			case u < utf8.RuneSelf:
				dst = append(dst, byte(u))
			case utf16.IsSurrogate(rune(u)) && u < 0xDC00:
				if i+3 >= len(b) {
					if !s.eof {
						goto more // the low surrogate is in the next read
					}
					return dst, fmt.Errorf("byte offset %d: invalid UTF-16: high surrogate 0x%04X not followed by a low surrogate", off+int64(i), u)
				}
				if l := unit(i + 2); l < 0xDC00 || l > 0xDFFF {
					return dst, fmt.Errorf("byte offset %d: invalid UTF-16: high surrogate 0x%04X not followed by a low surrogate", off+int64(i), u)
				}
				dst = utf8.AppendRune(dst, utf16.DecodeRune(rune(u), rune(unit(i+2))))
				i += 2
			case utf16.IsSurrogate(rune(u)):
				return dst, fmt.Errorf("byte offset %d: invalid UTF-16: low surrogate 0x%04X without a high surrogate", off+int64(i), u)
			default:
				dst = utf8.AppendRune(dst, rune(u))
			}
		}
	more:
		s.carry = b[i:]
		if s.eof && len(s.carry) == 1 {
			return dst, fmt.Errorf("byte offset %d: UTF-16 input has an odd number of bytes (%d)", s.rawOff-1, s.rawOff)
		}
		if i > 0 || cap(dst)-len(dst) < utf8.UTFMax {
			return dst, nil
		}
		if s.eof && len(s.carry) == 0 {
			return dst, io.EOF
		}
	}
}

// decodeASCII decodes the UTF-16 units at the start of b into dst while
// they are ASCII, four units (8 bytes) at a time, as many as dst has room
// for. mask has the bits that are 0 in four ASCII units read as a
// little-endian uint64; sh is 8 if the units are big-endian (their low
// bytes are then at odd offsets), else 0. It returns how many bytes of b it
// decoded: twice what it wrote, a multiple of 8.
func decodeASCII(dst, b []byte, mask uint64, sh uint) int {
	n := 0
	// 16 units a step while there are (a plan is all but entirely ASCII):
	// BenchmarkDecodeUTF16 ran 1.6 times as fast as with four units a
	// step alone.
	for len(b) >= 32 && len(dst) >= 16 {
		w0 := binary.LittleEndian.Uint64(b[:8])
		w1 := binary.LittleEndian.Uint64(b[8:16])
		w2 := binary.LittleEndian.Uint64(b[16:24])
		w3 := binary.LittleEndian.Uint64(b[24:32])
		if (w0|w1|w2|w3)&mask != 0 {
			break
		}
		binary.LittleEndian.PutUint64(dst[:8], packUnits(w0>>sh)|packUnits(w1>>sh)<<32)
		binary.LittleEndian.PutUint64(dst[8:16], packUnits(w2>>sh)|packUnits(w3>>sh)<<32)
		b, dst = b[32:], dst[16:]
		n += 32
	}
	for len(b) >= 8 && len(dst) >= 4 {
		w := binary.LittleEndian.Uint64(b[:8])
		if w&mask != 0 {
			break
		}
		binary.LittleEndian.PutUint32(dst[:4], uint32(packUnits(w>>sh)))
		b, dst = b[8:], dst[4:]
		n += 8
	}
	return n
}

// packUnits packs the low bytes of w's four 16-bit units, whose high bytes
// are 0, into its low 32 bits, in order.
func packUnits(w uint64) uint64 {
	w = (w | w>>8) & 0x0000FFFF0000FFFF
	return (w | w>>16) & 0xFFFFFFFF
}
