package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrIsDir is wrapped by CreateOutput's error for a folder.
var ErrIsDir = errors.New("is a folder")

// CreateOutput is Create for a file the user named (--out), with what a
// shell redirect does to the thing already there:
//   - a device, FIFO or socket (or, on Windows, a device name such as NUL,
//     CON, COM1 or nul.txt) is written to directly and never replaced;
//   - a symbolic link is followed: the file it leads to is replaced (or
//     created) atomically, and the link stays a link;
//   - a folder is an error wrapping ErrIsDir, and nothing is written;
//   - a regular file is replaced atomically and keeps its metadata; a new
//     file gets 0666 minus the umask (on Windows the folder's inherited
//     ACL).
func CreateOutput(path string, o Options) (*Pending, error) {
	if dev, ok := deviceName(path); ok {
		return openDirect(path, dev, o)
	}
	fi, err := os.Stat(path) // follows links
	switch {
	case err == nil && fi.IsDir():
		return nil, fmt.Errorf("%s: %w", path, ErrIsDir)
	case err == nil && !fi.Mode().IsRegular():
		return openDirect(path, path, o)
	case err != nil && !os.IsNotExist(err):
		return nil, err
	}
	target, err := followLinks(path)
	if err != nil {
		return nil, err
	}
	if fi != nil {
		// The kernel's answer and ours must agree, or we would replace
		// something else (a /proc magic link naming a deleted file).
		if tfi, err := os.Lstat(target); err != nil || !os.SameFile(fi, tfi) {
			return nil, fmt.Errorf("%s: cannot tell which file the link leads to (%s?)", path, target)
		}
	}
	return Create(target, o)
}

func openDirect(path, name string, o Options) (*Pending, error) {
	f, err := os.OpenFile(name, os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	return &Pending{f: f, path: path, opts: o, direct: true}, nil
}

// maxLinks bounds a chain of links, as the kernel's ELOOP does.
const maxLinks = 40

// followLinks returns the path that path's chain of symbolic links (in its
// last element) ends at; a path that is not a link is returned as it is.
// The end may not exist: a redirect through a dangling link creates it.
func followLinks(path string) (string, error) {
	p := path
	for range maxLinks {
		fi, err := os.Lstat(p)
		if os.IsNotExist(err) || err == nil && fi.Mode()&os.ModeSymlink == 0 {
			return p, nil
		}
		if err != nil {
			return "", err
		}
		t, err := os.Readlink(p)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(t) {
			// Relative to the link's real folder: "a/link/../x" must not
			// be cleaned to "a/x" when link is itself a link.
			dir, err := filepath.EvalSymlinks(filepath.Dir(p))
			if err != nil {
				return "", err
			}
			t = filepath.Join(dir, t)
		}
		p = t
	}
	return "", fmt.Errorf("%s: more than %d symbolic links in a row", path, maxLinks)
}
