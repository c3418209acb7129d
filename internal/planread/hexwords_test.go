package planread

import (
	"bytes"
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"testing"
)

// refAllHex is the byte-by-byte check the word-wise ones replace: lower
// only (0-9, a-f) or either case.
func refAllHex(s string, lower bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || !lower && 'A' <= c && c <= 'F'
		if !ok {
			return false
		}
	}
	return true
}

// checkHexWords compares the word-wise checks and decoder with the
// byte-by-byte ones and encoding/hex for s.
func checkHexWords(t *testing.T, s string) {
	t.Helper()
	if got, want := allLowerHex(s), refAllHex(s, true); got != want {
		t.Fatalf("allLowerHex(%q) = %v, want %v", s, got, want)
	}
	if got, want := allLowerHex([]byte(s)), refAllHex(s, true); got != want {
		t.Fatalf("allLowerHex([]byte(%q)) = %v, want %v", s, got, want)
	}
	if got, want := allHex(s), refAllHex(s, false); got != want {
		t.Fatalf("allHex(%q) = %v, want %v", s, got, want)
	}
	for _, n := range []int{len(s)/2 - 1, len(s) / 2, len(s)/2 + 1} {
		if got, want := isLowerHex(s, n), len(s) == 2*n && refAllHex(s, true); got != want {
			t.Fatalf("isLowerHex(%q, %d) = %v, want %v", s, n, got, want)
		}
		if got, want := isHex(s, n), len(s) == 2*n && refAllHex(s, false); got != want {
			t.Fatalf("isHex(%q, %d) = %v, want %v", s, n, got, want)
		}
	}
	if len(s)%2 == 0 && refAllHex(s, true) {
		want, _ := hex.DecodeString(s)
		prefix := []byte("pre")
		got := appendLowerHexDecoded(prefix[:3:3], s)
		if !bytes.Equal(got[:3], prefix) || !bytes.Equal(got[3:], want) {
			t.Fatalf("appendLowerHexDecoded(%q) = %x, want pre+%x", s, got, want)
		}
	}
}

// TestHexWords: every byte value at every place of strings of every length
// up to 40 (eight-byte words and the tail after them), in lower-case and
// mixed-case hex, is judged as the byte-by-byte check judges it; and every
// byte value decodes at every place of a Record.
func TestHexWords(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for n := 0; n <= 40; n++ {
		for _, digits := range []string{"0123456789abcdef", "0123456789abcdefABCDEF"} {
			base := make([]byte, n)
			for i := range base {
				base[i] = digits[rng.IntN(len(digits))]
			}
			checkHexWords(t, string(base))
			for at := 0; at < n; at++ {
				for c := 0; c < 256; c++ {
					s := []byte(string(base))
					s[at] = byte(c)
					checkHexWords(t, string(s))
				}
			}
		}
	}
	// The edges of each range, in every lane of a word.
	for _, c := range "/09:@AFG`afg" {
		for at := 0; at < 8; at++ {
			s := []byte(strings.Repeat("5", 16))
			s[at], s[8+at] = byte(c), byte(c)
			checkHexWords(t, string(s))
		}
	}
	var rec [48]byte
	for at := range rec {
		for c := 0; c < 256; c++ {
			for i := range rec {
				rec[i] = byte(rng.Uint32())
			}
			rec[at] = byte(c)
			checkHexWords(t, hex.EncodeToString(rec[:]))
		}
	}
}

// FuzzHexWords: the word-wise checks and decoder agree with the
// byte-by-byte ones and encoding/hex on any input.
func FuzzHexWords(f *testing.F) {
	f.Add("0123456789abcdef0123456789abcdef")
	f.Add("0123456789ABCDEFg")
	f.Add("9940a767be975f5cfb61a6b00b74ddfe282b7b4745c675ba440bbdf8b65cf964")
	f.Fuzz(func(t *testing.T, s string) {
		checkHexWords(t, s)
	})
}

// BenchmarkRecordHex is what a Record costs on its way to the spool: the
// parse's check, the validation's, the spool's and the decoding.
func BenchmarkRecordHex(b *testing.B) {
	rec := "414243453136314200000000000000009940a767be975f5cfb61a6b00b74ddfe282b7b4745c675ba440bbdf8b65cf964"
	recBytes, buf := []byte(rec), make([]byte, 0, 64)
	for b.Loop() {
		if !allLowerHex(recBytes) || !isHex(rec, 48) || !isLowerHex(rec, 48) {
			b.Fatal("not hex")
		}
		buf = appendLowerHexDecoded(buf[:0], rec)
	}
}
