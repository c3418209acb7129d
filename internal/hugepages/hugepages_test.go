package hugepages

import "testing"

// TestSlice checks that advising leaves the memory usable and unchanged.
func TestSlice(t *testing.T) {
	Slice([]byte(nil))
	Slice(make([]int64, 0, 3))
	b := make([]byte, 1, 20<<20+123)
	b[0] = 7
	Slice(b)
	b = b[:cap(b)]
	for i := range b[1:] {
		if b[1+i] != 0 {
			t.Fatalf("byte %d is %d after Slice", 1+i, b[1+i])
		}
		b[1+i] = byte(i)
	}
	if b[0] != 7 {
		t.Fatal("b[0] changed")
	}
}
