//go:build !windows

package atomicfile

import (
	"fmt"
	"os"
	"syscall"
)

// Metadata is what a replacement keeps of the file it replaces: on Unix its
// mode (permission, setuid, setgid and sticky bits), and its owner and
// group when the process may give them (running as root).
type Metadata struct {
	mode     os.FileMode
	uid, gid int
}

const keptMode = os.ModePerm | os.ModeSetuid | os.ModeSetgid | os.ModeSticky

// MetadataOf reads the metadata of the open file f.
func MetadataOf(f *os.File) (*Metadata, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return metadataOf(fi), nil
}

func metadataOf(fi os.FileInfo) *Metadata {
	m := &Metadata{mode: fi.Mode() & keptMode, uid: -1, gid: -1}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		m.uid, m.gid = int(st.Uid), int(st.Gid)
	}
	return m
}

// metadataOfPath is the metadata of the regular file at path, or nil when
// there is none (nothing to keep).
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
	return metadataOf(fi), nil
}

// applyTo gives f (a new temporary file) the metadata: owner and group first
// (chown clears the setuid and setgid bits), then the mode.
func (m *Metadata) applyTo(f File) error {
	chown, chmod := func(uid, gid int) error { return os.Lchown(f.Name(), uid, gid) }, func(mode os.FileMode) error { return os.Chmod(f.Name(), mode) }
	if osf, ok := f.(*os.File); ok {
		chown, chmod = osf.Chown, osf.Chmod
	}
	if os.Geteuid() == 0 && m.uid >= 0 && (m.uid != os.Geteuid() || m.gid != os.Getegid()) {
		if err := chown(m.uid, m.gid); err != nil {
			return fmt.Errorf("owner %d:%d: %w", m.uid, m.gid, err)
		}
	}
	if err := chmod(m.mode); err != nil {
		return fmt.Errorf("mode %v: %w", m.mode, err)
	}
	return nil
}
