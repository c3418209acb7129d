//go:build !linux

package hugepages

import "unsafe"

// advise does nothing: only Linux takes the hint.
func advise(p unsafe.Pointer, n uintptr) {}

// mapHuge maps nothing: Make uses make.
func mapHuge(n uintptr) unsafe.Pointer { return nil }

// unmap is never called: nothing is mapped.
func unmap(m []byte) {}
