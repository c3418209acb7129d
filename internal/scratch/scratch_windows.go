package scratch

import (
	"os"

	"golang.org/x/sys/windows"

	"github.com/dumpsync/dumpsync/internal/safefs"
)

// create makes name delete-on-close (FILE_FLAG_DELETE_ON_CLOSE): Windows
// removes it when its handle is closed, by Close or by the end of the
// process. It is marked temporary, which lets the system keep it in the
// cache rather than write it out.
func create(name string) (*os.File, error) {
	p, err := windows.UTF16PtrFromString(safefs.LongPath(name))
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	h, err := windows.CreateFile(p, windows.GENERIC_READ|windows.GENERIC_WRITE,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil,
		windows.CREATE_NEW, windows.FILE_ATTRIBUTE_TEMPORARY|windows.FILE_FLAG_DELETE_ON_CLOSE, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	return os.NewFile(uintptr(h), name), nil
}
