package planread

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf16"
)

// encodeUTF16 is s in UTF-16 with a BOM; units, when not nil, replace the
// units of s (to make invalid UTF-16).
func encodeUTF16(s string, bigEndian bool, units []uint16) []byte {
	b := make([]byte, 0, 2+2*len(s))
	b = append(b, 0xFF, 0xFE)
	if bigEndian {
		b[0], b[1] = 0xFE, 0xFF
	}
	put := func(u uint16) {
		if bigEndian {
			b = append(b, byte(u>>8), byte(u))
		} else {
			b = append(b, byte(u), byte(u>>8))
		}
	}
	if units != nil {
		for _, u := range units {
			put(u)
		}
		return b
	}
	var pair [2]uint16
	for _, r := range s {
		for _, u := range utf16.AppendRune(pair[:0], r) {
			put(u)
		}
	}
	return b
}

// chunkReader returns its data a few bytes at a time, the counts cycling
// through sizes, so that units, surrogate pairs and the four-unit steps of
// the decoder fall across reads at every alignment.
type chunkReader struct {
	data  []byte
	sizes []int
	k     int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(r.data), r.sizes[r.k%len(r.sizes)])
	r.k++
	copy(p, r.data[:n])
	r.data = r.data[n:]
	return n, nil
}

// TestUTF16MatchesReference: plans in UTF-16 (both byte orders) holding
// runs of ASCII of every length between non-ASCII characters and surrogate
// pairs read as the reference decoder reads them, in reads of any size.
func TestUTF16MatchesReference(t *testing.T) {
	var plans []string
	// Runs up to 40 units: past the 16 units the decoder takes at a time
	// (TestDecodeASCII tries every stop at every place in them).
	odds := []string{"é", "日", "\U0001F600", "\u00ff", "\u0080", "\u07ff", "\uffff", "\u0100"}
	for run := range 41 {
		if run == 12 {
			odds = odds[:3]
		}
		for _, odd := range odds {
			text := strings.Repeat("a", run) + odd + strings.Repeat("b", 40-run) + odd + odd
			plans = append(plans, fmt.Sprintf(`[{"Action":"DeleteFile","Path":"/s/%s/x.cfg","Reason":"%s"},`+"\r\n"+`{"Action":"DeleteFile","Path":"/s/%s.cfg"}]`, text, text, strings.Repeat("c", run)))
		}
	}
	// A plan larger than the decoder's buffer.
	var big strings.Builder
	big.WriteString("[")
	for i := range 3000 {
		if i > 0 {
			big.WriteString(",\n")
		}
		fmt.Fprintf(&big, `{"Action":"DeleteFile","Path":"/s/Dömäin.%d/%s.cfg"}`, i, strings.Repeat("\U0001F600", i%5))
	}
	big.WriteString("]")
	plans = append(plans, big.String())
	stop := make(chan struct{})
	defer close(stop)
	for _, p := range plans {
		for _, be := range []bool{false, true} {
			data := encodeUTF16(p, be, nil)
			sameAsRef(t, data, bytes.NewReader(data))
			sameAsRef(t, data, &chunkReader{data: data, sizes: []int{1, 3, 8, 5, 2, 13, 7, 64 << 10}})
			sameAsRef(t, data, iotest.HalfReader(bytes.NewReader(data)))
			// As apply reads: decoded in the prefetched blocks, whose
			// ends fall anywhere (a block is what one read gave).
			sameAsRef(t, data, newPrefetch(bytes.NewReader(data), stop))
			sameAsRef(t, data, newPrefetch(&chunkReader{data: data, sizes: []int{1, 3, 8, 5, 2, 13, 7, 64 << 10}}, stop))
			sameAsRef(t, data, newPrefetch(&chunkReader{data: data, sizes: []int{2, 1, 4, 6, 3, 1000}}, stop))
		}
	}
}

// TestUTF16Errors: an unpaired surrogate is reported at the byte offset
// the reference reports, wherever it falls, in reads of any size.
func TestUTF16Errors(t *testing.T) {
	base := utf16.Encode([]rune(`[{"Action":"DeleteFile","Path":"/s/abcdefghijklmnop/x.cfg"}]`))
	for at := 30; at < 50; at++ {
		for _, bad := range [][]uint16{{0xD800}, {0xDC00}, {0xD83D, 'a'}} {
			units := append(append(append([]uint16{}, base[:at]...), bad...), base[at:]...)
			for _, be := range []bool{false, true} {
				data := encodeUTF16("", be, units)
				for _, odd := range []bool{false, true} {
					if odd {
						data = append(data[:len(data):len(data)], 'x')
					}
					_, werr := refRead(bytes.NewReader(data), "in")
					_, gerr := Read(&chunkReader{data: data, sizes: []int{5, 8, 3}}, "in")
					stop := make(chan struct{})
					_, perr := Read(newPrefetch(&chunkReader{data: data, sizes: []int{5, 8, 3}}, stop), "in")
					close(stop)
					if fmt.Sprint(perr) != fmt.Sprint(gerr) {
						t.Errorf("unit %d %04X (big-endian %v, odd %v): prefetched, error %v; read, %v", at, bad, be, odd, perr, gerr)
					}
					// With an odd length as well, the reference names that
					// first and the reader the first fault it meets: either
					// is right, as long as the plan is refused.
					if werr == nil || gerr == nil || !odd && gerr.Error() != werr.Error() {
						t.Errorf("unit %d %04X (big-endian %v, odd %v): error %v, reference %v", at, bad, be, odd, gerr, werr)
					}
				}
			}
		}
	}
}

// TestDecodeASCII: decodeASCII decodes exactly the longest run of whole
// 4-unit groups at the start of b that are ASCII and fit in dst, as a unit
// by unit decoder does, in both byte orders, whichever unit (of any kind)
// ends the run and wherever it falls.
func TestDecodeASCII(t *testing.T) {
	// Units that end a run: high byte set, low byte >= 0x80, both.
	stops := []uint16{0x0100, 0x00E9, 0x0080, 0xFFFF, 0xD83D, 0x7F00}
	for n := 0; n <= 80; n++ {
		for at := -1; at < n; at++ { // -1: all ASCII
			for _, stop := range stops {
				units := make([]uint16, n)
				for i := range units {
					units[i] = uint16(' ' + (i*7)%95) // every printable byte value
				}
				if at >= 0 {
					units[at] = stop
				}
				for _, be := range []bool{false, true} {
					b := encodeUTF16("", be, units)[2:]
					mask, sh := uint64(0xFF80FF80FF80FF80), uint(0)
					if be {
						mask, sh = 0x80FF80FF80FF80FF, 8
					}
					for _, room := range []int{0, 3, 4, 7, 8, 15, 16, 17, 31, 32, 40, 100} {
						dst := make([]byte, room+8)
						for i := range dst {
							dst[i] = 0xAA
						}
						got := decodeASCII(dst[:room], b, mask, sh)
						// What it must decode: whole groups of 4 units before
						// the stop, as many as dst holds.
						ascii := n
						if at >= 0 {
							ascii = at
						}
						want := min(ascii, room) / 4 * 4
						if got != 2*want {
							t.Fatalf("%d units, %04X at %d, big-endian %v, room %d: decoded %d bytes, want %d", n, stop, at, be, room, got, 2*want)
						}
						for i := 0; i < want; i++ {
							if dst[i] != byte(units[i]) {
								t.Fatalf("%d units, %04X at %d, big-endian %v, room %d: byte %d is %q, want %q", n, stop, at, be, room, i, dst[i], byte(units[i]))
							}
						}
						for i := want; i < len(dst); i++ {
							if dst[i] != 0xAA {
								t.Fatalf("%d units, %04X at %d, big-endian %v, room %d: byte %d written past what was decoded", n, stop, at, be, room, i)
							}
						}
					}
				}
			}
		}
	}
}
