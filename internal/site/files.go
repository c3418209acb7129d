package site

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/dumpsync/dumpsync/internal/paths"
)

// ResyncFiles resolves PATH arguments as `dump` and `check` take them: each
// (after wildcard expansion) is a Resync.cfg file or a folder holding one.
// Returned paths are absolute and clean, with the file name as on disk. Any
// argument that does not resolve is an error naming it.
func ResyncFiles(args []string) ([]string, error) {
	if len(args) == 0 {
		args = []string{"."}
	}
	var out []string
	for _, arg := range args {
		matches, err := paths.Expand(arg)
		if err != nil {
			return nil, err
		}
		for _, m := range matches {
			abs, err := filepath.Abs(m)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", m, err)
			}
			st, err := os.Stat(abs)
			if os.IsNotExist(err) {
				// Names match case-insensitively on every platform: look
				// the last element up in its folder.
				if p, lerr := Lookup(filepath.Dir(abs), filepath.Base(abs)); lerr == nil {
					abs = p
					st, err = os.Stat(abs)
				}
			}
			if err != nil {
				if os.IsNotExist(err) {
					return nil, fmt.Errorf("%s: no such file or folder", m)
				}
				return nil, err
			}
			// Report the name as it is on disk, not as typed (they differ
			// on case-insensitive file systems).
			if p, err := Lookup(filepath.Dir(abs), filepath.Base(abs)); err == nil {
				abs = p
			}
			if !st.IsDir() {
				out = append(out, abs)
				continue
			}
			p, err := Resync(abs)
			if err != nil {
				return nil, fmt.Errorf("%s: folder holds no %s", abs, ResyncName)
			}
			out = append(out, p)
		}
	}
	return out, nil
}
