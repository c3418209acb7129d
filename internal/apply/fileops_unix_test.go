//go:build !windows

package apply

import "syscall"

var crossDevice = syscall.EXDEV
