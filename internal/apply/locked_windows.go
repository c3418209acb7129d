package apply

import (
	"errors"
	"syscall"
)

// isLocked reports a sharing or lock violation: another process has the file open.
func isLocked(err error) bool {
	var e syscall.Errno
	return errors.As(err, &e) && (e == 32 || e == 33) // ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION
}
