// Package hugepages asks the operating system to back large, freshly
// allocated buffers with huge pages: filling a buffer of hundreds of
// megabytes then takes one page fault per 2 MB instead of one per 4 KB,
// which is much faster on hosts (virtual machines) where page faults are
// slow. Only Linux takes the hint (transparent huge pages in madvise mode);
// elsewhere it does nothing. Slice never changes the memory's content.
//
// Slice can only advise memory the runtime has not touched yet; Make maps a
// large buffer of its own, advised before its first use, which Free gives
// back.
package hugepages

import "unsafe"

// Slice advises the whole capacity of s. Call it before s is written: memory
// already touched keeps its small pages.
func Slice[T any](s []T) {
	if cap(s) == 0 {
		return
	}
	var t T
	advise(unsafe.Pointer(unsafe.SliceData(s)), uintptr(cap(s))*unsafe.Sizeof(t))
}
