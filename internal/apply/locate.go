package apply

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/dumpsync/dumpsync/internal/paths"
	"github.com/dumpsync/dumpsync/internal/planread"
	"github.com/dumpsync/dumpsync/internal/safefs"
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

// RejectInside returns an error when dir (a backup folder, or an undo
// file's folder) lies inside a folder that holds a planned Path, or inside
// one of the roots (the --within folders). Both are compared as written and
// resolved (safefs.Resolve: every link in them followed, as the file system
// would when the file is created), so a link cannot carry an undo file or
// backup tree into a folder that is being cleaned, where Maintenance Manager
// would copy it to every logon server.
func RejectInside(what, dir string, rows []planread.Row, roots []string) error {
	var folders []folderRows
	seen := map[string]bool{}
	for i := range rows {
		f := smsFolder(&rows[i])
		if k := sameKey(f); !seen[k] {
			seen[k] = true
			folders = append(folders, folderRows{folder: f, firstN: rows[i].N})
		}
	}
	return rejectInside(what, dir, folders, roots)
}

// RejectInside is RejectInside for the rows of p.
func (p *Plan) RejectInside(what, dir string, roots []string) error {
	folders := make([]folderRows, len(p.groups))
	for i, g := range p.groups {
		folders[i] = folderRows{folder: g.folder, firstN: g.firstN}
	}
	return rejectInside(what, dir, folders, roots)
}

// rejectInside is RejectInside for the folders (and the N of their first
// rows) in plan order.
func rejectInside(what, dir string, folders []folderRows, roots []string) error {
	abs, err := paths.Abs(dir)
	if err != nil {
		return fmt.Errorf("%s %s: %w", what, dir, err)
	}
	real, err := safefs.Resolve(abs)
	if err != nil {
		return fmt.Errorf("%s %s: %w", what, dir, err)
	}
	inside := func(f string) bool {
		if paths.Within(abs, f) || paths.Within(real, f) {
			return true
		}
		rf, err := safefs.Resolve(f)
		return err == nil && (paths.Within(abs, rf) || paths.Within(real, rf))
	}
	shown := abs
	if real != abs {
		shown = fmt.Sprintf("%s (%s)", abs, real)
	}
	for _, root := range roots {
		if inside(root) {
			return fmt.Errorf("%s %s is inside --within %s, a folder being cleaned: Maintenance Manager would copy it to every logon server; choose a folder outside the SMS tree", what, shown, root)
		}
	}
	for _, g := range folders {
		if inside(g.folder) {
			return fmt.Errorf("%s %s is inside %s, which holds planned row %d's Path: Maintenance Manager would copy it to every logon server; choose a folder outside the SMS tree", what, shown, g.folder, g.firstN)
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
