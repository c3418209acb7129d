package planread

import "encoding/binary"

// Hex digits eight at a time. A Record (96 digits) and a Sha256 (64) are
// checked and decoded in every row of a plan, several times on the way to
// the spool; these take a word of eight digits per step instead of a
// table lookup per byte. Each works on the bytes of a word as lanes: a
// word counts only if every byte is below 0x80, and then the adds below
// never carry from one byte into the next (no constant exceeds 0x50).

const (
	lanes = 0x0101010101010101 // 1 in every byte
	highs = 0x8080808080808080 // the top bit of every byte
)

// word is the first eight bytes of s (at least eight) as a little-endian
// word.
func word[T string | []byte](s T) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// isLowerHex reports whether s is 2n lower-case hex digits.
func isLowerHex(s string, n int) bool { return len(s) == 2*n && allLowerHex(s) }

// isHex reports whether s is 2n hex digits of either case.
func isHex(s string, n int) bool { return len(s) == 2*n && allHex(s) }

// allLowerHex reports whether every byte of s is 0-9 or a-f. In a word,
// a byte x's top bit is set in (x + 0x80 - lo) &^ (x + 0x7F - hi) exactly
// when lo <= x <= hi.
func allLowerHex[T string | []byte](s T) bool {
	for len(s) >= 8 {
		w := word(s)
		digit := (w + (0x80-'0')*lanes) &^ (w + (0x7F-'9')*lanes)
		letter := (w + (0x80-'a')*lanes) &^ (w + (0x7F-'f')*lanes)
		if w&highs != 0 || (digit|letter)&highs != highs {
			return false
		}
		s = s[8:]
	}
	for i := 0; i < len(s); i++ {
		if hexClass[s[i]] != 1 {
			return false
		}
	}
	return true
}

// allHex reports whether every byte of s is 0-9, a-f or A-F (as in
// allLowerHex).
func allHex(s string) bool {
	for len(s) >= 8 {
		w := word(s)
		digit := (w + (0x80-'0')*lanes) &^ (w + (0x7F-'9')*lanes)
		letter := (w + (0x80-'a')*lanes) &^ (w + (0x7F-'f')*lanes)
		upper := (w + (0x80-'A')*lanes) &^ (w + (0x7F-'F')*lanes)
		if w&highs != 0 || (digit|letter|upper)&highs != highs {
			return false
		}
		s = s[8:]
	}
	for i := 0; i < len(s); i++ {
		if hexClass[s[i]] == 0 {
			return false
		}
	}
	return true
}

// appendLowerHexDecoded appends the bytes that s, lower-case hex digits
// (isLowerHex), stands for.
func appendLowerHexDecoded(dst []byte, s string) []byte {
	for len(s) >= 8 {
		w := word(s)
		// A digit's value is its low nibble, a letter's (bit 6 set) that
		// plus 9; each pair of nibbles (high first) then makes a byte.
		nib := w&0x0F0F0F0F0F0F0F0F + (w>>6)&lanes*9
		v := (nib<<4 | nib>>8) & 0x00FF00FF00FF00FF
		dst = binary.LittleEndian.AppendUint32(dst, uint32(packUnits(v)))
		s = s[8:]
	}
	for ; len(s) >= 2; s = s[2:] {
		dst = append(dst, nibble(s[0])<<4|nibble(s[1]))
	}
	return dst
}

// nibble is the value of the lower-case hex digit c.
func nibble(c byte) byte {
	if c >= 'a' {
		return c - 'a' + 10
	}
	return c - '0'
}
