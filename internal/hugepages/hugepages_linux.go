package hugepages

import (
	"syscall"
	"unsafe"
)

const huge = 2 << 20

// advise marks the whole 2 MB pages among the n bytes at p MADV_HUGEPAGE,
// when there are several. Errors are ignored: it is only a hint.
func advise(p unsafe.Pointer, n uintptr) {
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

// mapHuge maps n bytes of anonymous memory (zeroed by the OS), starting on
// a 2 MB boundary and advised MADV_HUGEPAGE, and registers it; nil if the
// OS refuses.
func mapHuge(n uintptr) unsafe.Pointer {
	size := (n + huge - 1) &^ (huge - 1)
	m, err := syscall.Mmap(-1, 0, int(size+huge), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil
	}
	base := unsafe.Pointer(unsafe.SliceData(m))
	skip := (huge - uintptr(base)&(huge-1)) & (huge - 1)
	p := unsafe.Add(base, skip)
	_ = syscall.Madvise(unsafe.Slice((*byte)(p), size), syscall.MADV_HUGEPAGE)
	register(p, m)
	return p
}

// unmap gives m back to the OS.
func unmap(m []byte) { _ = syscall.Munmap(m) }
