package site

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// cfgNames lists the .cfg entries of dir, as listed: the names of the
// regular files, and the paths of the entries that are neither regular
// files nor folders (links, devices). Folders are left out.
//
// It reads the folder with getdents(2) into one buffer and keeps the names
// as parts of one string: os.ReadDir makes two allocations per entry, which
// were most of the time a plan took to list a 100 000-file Invencfg.box.
// An entry whose type the file system does not give is looked up without
// following it, as os.ReadDir does.
func cfgNames(dir string) (names, irregular []string, err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	conn, err := f.SyscallConn()
	if err != nil {
		return nil, nil, err
	}
	var text []byte // the regular files' names, back to back
	var ends []int
	buf := make([]byte, 64<<10)
	cerr := conn.Read(func(fd uintptr) bool {
		for {
			n, gerr := unix.Getdents(int(fd), buf)
			if gerr == unix.EINTR {
				continue
			}
			if gerr != nil {
				err = &os.PathError{Op: "readdirent", Path: dir, Err: gerr}
				return true
			}
			if n <= 0 {
				return true
			}
			// Each entry is a struct linux_dirent64: inode (8 bytes),
			// offset (8), length (2), type (1), then the name and a NUL.
			for b := buf[:n]; len(b) > 0; {
				size := int(binary.NativeEndian.Uint16(b[16:18]))
				typ := b[18]
				name := b[19:size]
				if i := bytes.IndexByte(name, 0); i >= 0 {
					name = name[:i]
				}
				b = b[size:]
				if !isCfgName(name) {
					continue
				}
				if typ == unix.DT_UNKNOWN {
					var st unix.Stat_t
					if serr := unix.Fstatat(int(fd), string(name), &st, unix.AT_SYMLINK_NOFOLLOW); serr == unix.ENOENT {
						continue // gone since it was listed
					} else if serr != nil {
						err = &os.PathError{Op: "lstat", Path: filepath.Join(dir, string(name)), Err: serr}
						return true
					}
					typ = unix.DT_LNK // any kind but a file or a folder
					switch st.Mode & unix.S_IFMT {
					case unix.S_IFREG:
						typ = unix.DT_REG
					case unix.S_IFDIR:
						typ = unix.DT_DIR
					}
				}
				switch typ {
				case unix.DT_DIR:
				case unix.DT_REG:
					text = append(text, name...)
					ends = append(ends, len(text))
				default:
					irregular = append(irregular, filepath.Join(dir, string(name)))
				}
			}
		}
	})
	if err == nil {
		err = cerr
	}
	if err != nil {
		return nil, nil, err
	}
	all := string(text)
	names = make([]string, len(ends))
	start := 0
	for i, end := range ends {
		names[i] = all[start:end]
		start = end
	}
	return names, irregular, nil
}
