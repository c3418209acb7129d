package apply

import (
	"os"

	"golang.org/x/sys/windows"
)

// openAppendShared opens p for appending with FILE_SHARE_DELETE, as a
// writer that does not stop a rename over the file: its records go to the
// replaced file, as on Unix.
func openAppendShared(p string) (*os.File, error) {
	name, _ := windows.UTF16PtrFromString(p)
	h, err := windows.CreateFile(name, windows.FILE_APPEND_DATA|windows.SYNCHRONIZE,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil, windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(h), p), nil
}
