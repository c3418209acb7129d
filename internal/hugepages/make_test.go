package hugepages

import (
	"reflect"
	"runtime"
	"testing"
)

type pointerFreeRec struct {
	ID     int
	Kind   uint8
	Offset int64
	Record [48]byte
}

type withPointer struct {
	N int
	S string
}

// TestMake checks that Make's slices, mapped or not, are empty, as large as
// asked, zeroed and usable, and that Free gives back exactly the mapped ones.
func TestMake(t *testing.T) {
	big := mapThreshold/int(48+24) + 1000 // over the threshold
	tests := []struct {
		name       string
		make       func() (n int, s any)
		wantMapped bool
	}{
		{"small", func() (int, any) { s := Make[pointerFreeRec](10); return 10, s }, false},
		{"big", func() (int, any) { s := Make[pointerFreeRec](big); return big, s }, runtime.GOOS == "linux"},
		{"big bytes", func() (int, any) { s := Make[byte](mapThreshold + 3); return mapThreshold + 3, s }, runtime.GOOS == "linux"},
		{"pointers", func() (int, any) { s := Make[withPointer](mapThreshold); return mapThreshold, s }, false},
		{"zero", func() (int, any) { s := Make[uint32](0); return 0, s }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, s := tt.make()
			switch s := s.(type) {
			case []pointerFreeRec:
				check(t, s, n, tt.wantMapped, func(i int) pointerFreeRec {
					return pointerFreeRec{ID: i, Offset: int64(i), Record: [48]byte{47: byte(i)}}
				})
			case []byte:
				check(t, s, n, tt.wantMapped, func(i int) byte { return byte(i*7 + 1) })
			case []withPointer:
				check(t, s, n, tt.wantMapped, func(i int) withPointer { return withPointer{N: i, S: "x"} })
			case []uint32:
				check(t, s, n, tt.wantMapped, func(i int) uint32 { return uint32(i) })
			}
		})
	}
}

func check[T comparable](t *testing.T, s []T, n int, wantMapped bool, val func(int) T) {
	t.Helper()
	if len(s) != 0 || cap(s) != n {
		t.Fatalf("len %d cap %d, want 0 and %d", len(s), cap(s), n)
	}
	if got := Mapped(s); got != wantMapped {
		t.Fatalf("Mapped = %v, want %v", got, wantMapped)
	}
	var zero T
	full := s[:n]
	for i := range full {
		if full[i] != zero {
			t.Fatalf("element %d is not zero", i)
		}
	}
	for i := range n {
		s = append(s, val(i))
	}
	runtime.GC() // the collector must leave mapped memory alone
	for i := range s {
		if s[i] != val(i) {
			t.Fatalf("element %d changed", i)
		}
	}
	if len(s) > 1 {
		Free(s[1:]) // not where Make's slice started: nothing
	}
	if Mapped(s) != wantMapped {
		t.Fatal("Free of a slice inside the memory freed it")
	}
	Free(s)
	if Mapped(s) {
		t.Fatal("still mapped after Free")
	}
	Free(s) // a second Free does nothing
}

// TestFreeMoved checks that FreeMoved frees the old memory only when append
// moved the slice out of it.
func TestFreeMoved(t *testing.T) {
	old := Make[byte](mapThreshold)
	s := append(old, 1, 2, 3)
	FreeMoved(old, s)
	if want := runtime.GOOS == "linux"; Mapped(old) != want {
		t.Fatalf("Mapped = %v after an append within capacity, want %v", Mapped(old), want)
	}
	s = append(s[:cap(s)], 4) // past the capacity: moves
	FreeMoved(old, s)
	if Mapped(old) {
		t.Fatal("old memory still mapped after append moved the slice")
	}
	if s[0] != 1 || s[2] != 3 || s[len(s)-1] != 4 {
		t.Fatal("the moved slice lost its content")
	}
	FreeMoved[byte](nil, nil)
}

func TestPointerFree(t *testing.T) {
	type inner struct {
		A [3]int16
		B float64
	}
	type outer struct {
		I inner
		C [0]*int
	}
	tests := []struct {
		name string
		got  bool
		want bool
	}{
		{"int", pointerFree(typeOf[int]()), true},
		{"struct of arrays", pointerFree(typeOf[inner]()), true},
		{"empty array of pointers", pointerFree(typeOf[outer]()), true},
		{"string", pointerFree(typeOf[string]()), false},
		{"slice", pointerFree(typeOf[[]byte]()), false},
		{"pointer", pointerFree(typeOf[*int]()), false},
		{"map", pointerFree(typeOf[map[int]int]()), false},
		{"struct with string", pointerFree(typeOf[withPointer]()), false},
		{"array of strings", pointerFree(typeOf[[2]string]()), false},
		{"interface", pointerFree(typeOf[any]()), false},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: pointerFree = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func typeOf[T any]() reflect.Type { return reflect.TypeFor[T]() }
