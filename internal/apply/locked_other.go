//go:build !windows

package apply

// isLocked is always false here: POSIX systems have no mandatory sharing locks.
func isLocked(error) bool { return false }
