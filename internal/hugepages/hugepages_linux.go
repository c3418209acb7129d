package hugepages

import (
	"syscall"
	"unsafe"
)

// advise marks the whole 2 MB pages among the n bytes at p MADV_HUGEPAGE,
// when there are several. Errors are ignored: it is only a hint.
func advise(p unsafe.Pointer, n uintptr) {
	const huge = 2 << 20
	if p == nil || n < 4*huge {
		return
	}
	start := uintptr(p)
	first := (start + huge - 1) &^ (huge - 1)
	last := (start + n) &^ (huge - 1)
	if last <= first {
		return
	}
	_ = syscall.Madvise(unsafe.Slice((*byte)(unsafe.Add(p, first-start)), last-first), syscall.MADV_HUGEPAGE)
}
