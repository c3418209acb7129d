package hugepages

import (
	"reflect"
	"sync"
	"sync/atomic"
	"unsafe"
)

// mapThreshold is the size from which Make takes memory from the OS: below
// it a buffer holds too few huge pages to be worth a mapping of its own.
const mapThreshold = 8 << 20

// threshold is mapThreshold, or 1 under MapAll.
var threshold atomic.Int64

func init() { threshold.Store(mapThreshold) }

// MapAll makes Make map every slice it can, however small, until restore is
// called. Tests use it to run code that frees its buffers against mapped
// memory, where a use after Free faults at once instead of reading a later
// buffer's values.
func MapAll() (restore func()) {
	threshold.Store(1)
	return func() { threshold.Store(mapThreshold) }
}

// Live is how many mappings Make made that Free has not unmapped: tests
// check with it that code frees what it takes.
func Live() int {
	mu.Lock()
	defer mu.Unlock()
	return len(maps)
}

// Make returns a slice of length 0 and capacity n. A large slice of a type
// that holds no pointers gets memory of its own on Linux, mapped from the OS
// and advised MADV_HUGEPAGE before anything touches it, so that filling it
// takes one page fault per 2 MB. (make cannot promise that: it zeroes memory
// the runtime used before, which faults it in 4 KB pages before Slice can
// advise it.) Any other slice is make's.
//
// Give a slice from Make back with Free once nothing uses its memory: the
// collector does not manage mapped memory. Free of a slice that Make did not
// map does nothing, so the caller need not know which it got.
func Make[T any](n int) []T {
	var t T
	size := uintptr(n) * unsafe.Sizeof(t)
	if size == 0 || size < uintptr(threshold.Load()) || uintptr(n) > ^uintptr(0)/2/max(unsafe.Sizeof(t), 1) || !pointerFree(reflect.TypeFor[T]()) {
		return make([]T, 0, n)
	}
	p := mapHuge(size)
	if p == nil {
		return make([]T, 0, n)
	}
	return unsafe.Slice((*T)(p), n)[:0]
}

// Free unmaps the memory of s if Make mapped it (s must start where Make's
// slice started); the caller must not use s, or any slice of its memory,
// again. For any other slice it does nothing.
func Free[T any](s []T) {
	if cap(s) == 0 {
		return
	}
	p := unsafe.Pointer(unsafe.SliceData(s))
	mu.Lock()
	m, ok := maps[p]
	delete(maps, p)
	mu.Unlock()
	if ok {
		unmap(m)
	}
}

// Mapped reports whether s is memory Make mapped and Free has not unmapped.
func Mapped[T any](s []T) bool {
	if cap(s) == 0 {
		return false
	}
	mu.Lock()
	defer mu.Unlock()
	_, ok := maps[unsafe.Pointer(unsafe.SliceData(s))]
	return ok
}

// FreeMoved frees old's memory when s no longer lies in it: append moved s
// (grown from old) to memory of its own.
func FreeMoved[T any](old, s []T) {
	if cap(old) > 0 && (cap(s) == 0 || unsafe.SliceData(s) != unsafe.SliceData(old)) {
		Free(old)
	}
}

var (
	mu   sync.Mutex
	maps = map[unsafe.Pointer][]byte{} // the start of each slice Make mapped: its whole mapping
)

// register records m, the mapping whose slices start at p.
func register(p unsafe.Pointer, m []byte) {
	mu.Lock()
	maps[p] = m
	mu.Unlock()
}

// pointerFree reports whether values of t hold no pointers, so that memory
// the collector does not scan may hold them.
func pointerFree(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return true
	case reflect.Array:
		return t.Len() == 0 || pointerFree(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if !pointerFree(t.Field(i).Type) {
				return false
			}
		}
		return true
	}
	return false
}
