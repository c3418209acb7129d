package paths

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// FileInTheWay returns the file that stands where dir, or one of the folders
// above it, should be: "notes.txt" for dir "notes.txt/sub". Creating dir, or
// a file in it, would fail with ENOTDIR on Linux and "path not found" on
// Windows, neither of which names that file. It returns "" when dir is a
// folder, when no file is in the way (the missing folders could be
// created), and when anything else stops the walk (a folder that cannot be
// read, a broken link): the caller's own error says more then.
func FileInTheWay(dir string) string {
	for d := filepath.Clean(dir); ; {
		fi, err := os.Stat(d)
		switch {
		case err == nil && fi.IsDir():
			return ""
		case err == nil:
			return d
		case !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR):
			return ""
		}
		if _, err := os.Lstat(d); err == nil {
			return "" // a broken link
		}
		parent := filepath.Dir(d)
		if parent == d {
			return ""
		}
		d = parent
	}
}
