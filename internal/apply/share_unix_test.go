//go:build !windows

package apply

import "os"

// openAppendShared opens p for appending as a writer that does not stop a
// rename over the file (on Unix, any writer).
func openAppendShared(p string) (*os.File, error) {
	return os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
}
