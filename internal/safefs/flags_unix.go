//go:build unix && !linux

package safefs

import "golang.org/x/sys/unix"

const dirFlags = unix.O_RDONLY
