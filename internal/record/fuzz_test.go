package record

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzEntry checks Parse on arbitrary records: Problem is empty exactly when
// the SMSID is valid and every byte after it in the field is NUL, Time and
// Extra read the documented bytes, and Hex/ParseHex round-trip.
func FuzzEntry(f *testing.F) {
	for _, seed := range []Entry{
		Make("ABC0001F", 1700000000, []byte{1, 2, 3}),
		Make("", 0, nil),
		Make("ABCDEFGHIJKLMNOP", 0xFFFFFFFF, nil),
		Make("ABC/001F", 1, nil),
		Make("ABC\x00X", 2, nil),
		Make("AB\xe9", 3, bytes.Repeat([]byte{0xff}, ExtraSize)),
	} {
		f.Add(seed.Raw[:])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < Size {
			b = append(b, make([]byte, Size-len(b))...)
		}
		e := Parse(b)
		if !bytes.Equal(e.Raw[:], b[:Size]) {
			t.Fatal("Parse did not copy the record")
		}

		id := e.SmsID()
		nul := bytes.IndexByte(b[:16], 0)
		rawID := b[:16]
		if nul >= 0 {
			rawID = b[:nul]
		}
		// One character per byte (Latin-1).
		if got := []rune(id); len(got) != len(rawID) {
			t.Fatalf("SmsID %q has %d characters for %d bytes", id, len(got), len(rawID))
		} else {
			for i, r := range got {
				if r != rune(rawID[i]) {
					t.Fatalf("SmsID %q character %d is %U, byte is 0x%02X", id, i, r, rawID[i])
				}
			}
		}

		restNUL := nul >= 0 && bytes.Count(b[nul:16], []byte{0}) == 16-nul
		want := ValidSMSID(id) && restNUL
		if got := e.Problem() == ""; got != want {
			t.Fatalf("Problem() = %q for % x; want valid=%v", e.Problem(), b[:16], want)
		}
		if e.Valid() != want {
			t.Fatalf("Valid() = %v, want %v", e.Valid(), want)
		}

		tm := uint32(b[16]) | uint32(b[17])<<8 | uint32(b[18])<<16 | uint32(b[19])<<24
		if e.Time() != tm {
			t.Fatalf("Time = %d, want %d", e.Time(), tm)
		}
		if !bytes.Equal(e.Extra(), b[20:Size]) {
			t.Fatal("Extra is not bytes 20-47")
		}

		h := e.Hex()
		if len(h) != 2*Size || strings.ToLower(h) != h {
			t.Fatalf("Hex = %q", h)
		}
		if e.ExtraHex() != h[2*20:] {
			t.Fatalf("ExtraHex %q is not the tail of Hex %q", e.ExtraHex(), h)
		}
		for _, s := range []string{h, strings.ToUpper(h)} {
			back, err := ParseHex(s)
			if err != nil {
				t.Fatalf("ParseHex(%q): %v", s, err)
			}
			if back != e {
				t.Fatalf("ParseHex(Hex()) = % x, want % x", back.Raw, e.Raw)
			}
		}
	})
}
