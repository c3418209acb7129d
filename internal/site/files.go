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
				return nil, fmt.Errorf("%s: folder holds no %s%s", abs, ResyncName, whereResync(abs))
			}
			out = append(out, p)
		}
	}
	return out, nil
}

// whereResync says where the Resync.cfg files are when dir, given as a PATH,
// holds none but is a site (its domain folders hold them) or a logon
// server's share (its Logon.srv holds one); otherwise "".
func whereResync(dir string) string {
	if domains, err := Domains(dir); err == nil && len(domains) > 0 {
		return fmt.Sprintf("; it is a site: its %s files are in its domain folders, %s",
			ResyncName, filepath.Join(filepath.Dir(domains[0]), DomainPattern))
	}
	if l, err := LogonSrv(dir); err == nil {
		if p, err := Resync(l); err == nil {
			return fmt.Sprintf("; it is a logon server's share: its %s is %s", ResyncName, p)
		}
	}
	return ""
}
