//go:build windows

package atomicfile

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/windows"
)

// Metadata is what a replacement keeps of the file it replaces: on Windows
// its security descriptor (DACL, owner, group). Its attributes are carried
// over by the rename itself (see replace), after the last write.
//
// The DACL decides who may append to the file (SMS's service account), so a
// failure to copy it fails the replacement before anything changes. The
// owner and group are copied where the process may set them (an elevated
// administrator may give a file to the Administrators group, not to another
// user without SeRestorePrivilege), as chown on Unix is only tried as root.
type Metadata struct {
	sd *windows.SECURITY_DESCRIPTOR
}

const sdParts = windows.OWNER_SECURITY_INFORMATION | windows.GROUP_SECURITY_INFORMATION | windows.DACL_SECURITY_INFORMATION

// MetadataOf reads the metadata of the open file f.
func MetadataOf(f *os.File) (*Metadata, error) {
	sd, err := windows.GetSecurityInfo(windows.Handle(f.Fd()), windows.SE_FILE_OBJECT, sdParts)
	if err != nil {
		return nil, fmt.Errorf("%s: reading its security descriptor: %w", f.Name(), err)
	}
	return &Metadata{sd: sd}, nil
}

// metadataOfPath is the metadata of the regular file at path, or nil when
// there is none.
func metadataOfPath(path string) (*Metadata, error) {
	fi, err := os.Stat(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, nil
	}
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, sdParts)
	if err != nil {
		return nil, fmt.Errorf("%s: reading its security descriptor: %w", path, err)
	}
	return &Metadata{sd: sd}, nil
}

// applyTo gives the file f (by name: Go's handles lack WRITE_DAC) the
// security descriptor. An inherited DACL stays inherited (the temporary
// file is in the same folder, so it inherits the same entries).
func (m *Metadata) applyTo(f File) error {
	dacl, _, err := m.sd.DACL()
	switch {
	case errors.Is(err, windows.ERROR_OBJECT_NOT_FOUND):
		// no DACL in the descriptor: keep what the file inherited
	case err != nil:
		return fmt.Errorf("DACL: %w", err)
	default:
		control, _, err := m.sd.Control()
		if err != nil {
			return fmt.Errorf("DACL: %w", err)
		}
		si := windows.SECURITY_INFORMATION(windows.DACL_SECURITY_INFORMATION | windows.UNPROTECTED_DACL_SECURITY_INFORMATION)
		if control&windows.SE_DACL_PROTECTED != 0 {
			si = windows.DACL_SECURITY_INFORMATION | windows.PROTECTED_DACL_SECURITY_INFORMATION
		}
		if err := windows.SetNamedSecurityInfo(f.Name(), windows.SE_FILE_OBJECT, si, nil, nil, dacl, nil); err != nil {
			return fmt.Errorf("DACL: %w", err)
		}
	}
	owner, _, oerr := m.sd.Owner()
	group, _, gerr := m.sd.Group()
	if oerr == nil && owner != nil {
		windows.SetNamedSecurityInfo(f.Name(), windows.SE_FILE_OBJECT, windows.OWNER_SECURITY_INFORMATION, owner, nil, nil, nil)
	}
	if gerr == nil && group != nil {
		windows.SetNamedSecurityInfo(f.Name(), windows.SE_FILE_OBJECT, windows.GROUP_SECURITY_INFORMATION, nil, group, nil, nil)
	}
	return nil
}
