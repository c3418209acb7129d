//go:build !windows

package atomicfile

// deviceName reports whether path names a device by its name alone (only
// Windows has such names; on Unix devices are found by their file type).
func deviceName(string) (string, bool) { return "", false }
