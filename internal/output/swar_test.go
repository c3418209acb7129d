package output

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// special8 must agree with the byte table on every word: each byte value in
// each position among plain bytes, and random words (borrows between bytes).
func TestSpecial8(t *testing.T) {
	testSWAR(t, "special8", special8, func(c byte) bool { return !jsonPlain[c] })
}

func TestCSVSpecial8(t *testing.T) {
	testSWAR(t, "csvSpecial8", csvSpecial8, func(c byte) bool { return csvSpecial[c] })
}

func testSWAR(t *testing.T, name string, special8 func(uint64) bool, isSpecial func(byte) bool) {
	table := func(x uint64) bool {
		for k := range 8 {
			if isSpecial(byte(x >> (8 * k))) {
				return true
			}
		}
		return false
	}
	rng := rand.New(rand.NewPCG(5, 6))
	plain := func() uint64 {
		for {
			c := byte(rng.IntN(256))
			if !isSpecial(c) {
				return uint64(c)
			}
		}
	}
	for c := range 256 {
		for pos := range 8 {
			for range 50 {
				var x uint64
				for k := range 8 {
					b := plain()
					if k == pos {
						b = uint64(c)
					}
					x |= b << (8 * k)
				}
				if got, want := special8(x), table(x); got != want {
					t.Fatalf("%s(%#016x) = %v, want %v", name, x, got, want)
				}
			}
		}
	}
	for range 1_000_000 {
		x := rng.Uint64()
		if got, want := special8(x), table(x); got != want {
			t.Fatalf("%s(%#016x) = %v, want %v", name, x, got, want)
		}
	}
}

func TestAppendInt(t *testing.T) {
	vals := []int64{0, 1, 9, 10, 99, 100, 101, 999, 1000, -1, -9, -10, -100, 1<<63 - 1, -1 << 63, 4294967295, 1790000000}
	for p := int64(1); p <= 1e18; p *= 10 {
		vals = append(vals, p-1, p, p+1, -p, -p+1, -p-1)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for range 100_000 {
		vals = append(vals, rng.Int64()>>rng.IntN(64))
	}
	for _, v := range vals {
		if got, want := string(AppendInt([]byte("x"), v)), "x"+strconv.FormatInt(v, 10); got != want {
			t.Fatalf("AppendInt(%d) = %s, want %s", v, got, want)
		}
	}
}
