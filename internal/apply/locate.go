package apply

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/dumpsync/dumpsync/internal/paths"
	"github.com/dumpsync/dumpsync/internal/planread"
)

// smsFolder is the domain folder or Logon.srv folder a row's Path belongs
// to: Maintenance Manager copies what lies in it, so nothing of ours may.
func smsFolder(r *planread.Row) string {
	switch r.Action {
	case RemoveEntryAction, RestoreEntry:
		return filepath.Dir(r.Path)
	default: // the .cfg files live in <folder>/Invencfg.box
		return filepath.Dir(filepath.Dir(r.Path))
	}
}

// RejectInside returns an error when dir (a backup folder or undo file) lies
// inside a folder that holds a planned Path.
func RejectInside(what, dir string, rows []planread.Row) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("%s %s: %w", what, dir, err)
	}
	for i := range rows {
		f := smsFolder(&rows[i])
		if paths.Within(abs, f) {
			return fmt.Errorf("%s %s is inside %s, which holds planned row %d's Path: Maintenance Manager would copy it to every logon server; choose a folder outside the SMS tree", what, abs, f, rows[i].N)
		}
	}
	return nil
}

// BackupPath maps a planned path into the backup folder, keeping its whole
// path: \\server\share\a\b.cfg → server/share/a/b.cfg, C:\a\b.cfg → C/a/b.cfg,
// /a/b.cfg → a/b.cfg. The Win32 long-path forms \\?\C:\a, \\.\C:\a and
// \\?\UNC\server\share\a map like C:\a and \\server\share\a: no "?" or "C:"
// element ends up in the backup folder.
func BackupPath(root, p string) string {
	vol := filepath.VolumeName(p)
	rest := p[len(vol):]
	var parts []string
	long := false
	for i, part := range strings.FieldsFunc(vol, isSlash) {
		if i == 0 && (part == "?" || part == ".") {
			long = true
			continue
		}
		if i == 1 && long && strings.EqualFold(part, "UNC") {
			continue
		}
		parts = append(parts, strings.TrimSuffix(part, ":"))
	}
	parts = append(parts, strings.FieldsFunc(rest, isSlash)...)
	return filepath.Join(append([]string{root}, parts...)...)
}

func isSlash(r rune) bool { return r == '/' || (r == '\\' && runtime.GOOS == "windows") }

// sameKey folds a path for grouping: case-insensitively on Windows.
func sameKey(p string) string {
	if runtime.GOOS == "windows" {
		return strings.ToLower(p)
	}
	return p
}
