//go:build !linux

package site

import (
	"io"
	"os"
	"path/filepath"
)

// cfgNames lists the .cfg entries of dir, as listed: the names of the
// regular files, and the paths of the entries that are neither regular
// files nor folders (links, junctions, devices). Folders are left out.
func cfgNames(dir string) (names, irregular []string, err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	for {
		// In batches: the DirEntries of a 100 000-file folder are garbage
		// a batch at a time, never all at once.
		ents, rerr := f.ReadDir(1024)
		for _, e := range ents {
			name := e.Name()
			if !isCfgName(name) {
				continue
			}
			switch t := e.Type(); {
			case t.IsDir():
				continue
			case !t.IsRegular():
				irregular = append(irregular, filepath.Join(dir, name))
				continue
			}
			names = append(names, name)
		}
		if rerr == io.EOF {
			return names, irregular, nil
		}
		if rerr != nil {
			return nil, nil, rerr
		}
	}
}
