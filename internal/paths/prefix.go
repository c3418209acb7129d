package paths

import (
	"path/filepath"
	"runtime"
	"strings"
)

// StripPrefix returns p without a Win32 `\\?\` or `\\.\` prefix, on Windows:
// `\\?\D:\x` and `\\.\D:\x` become `D:\x`, `\\?\UNC\server\share\x` becomes
// `\\server\share\x`. The prefix is path syntax (it only turns off Win32's
// rewriting of the rest), not part of the name, and Go adds `\\?\` itself when
// it opens a long absolute path, so nothing is lost. A prefix before anything
// but a drive or UNC path (`\\.\NUL`, `\\?\Volume{...}\`) names a device or a
// volume and is kept. Elsewhere p is returned as it is.
func StripPrefix(p string) string { return stripPrefix(p, runtime.GOOS == "windows") }

func stripPrefix(p string, windows bool) string {
	slash := func(c byte) bool { return c == '\\' || c == '/' }
	if !windows || len(p) < 4 || !slash(p[0]) || !slash(p[1]) || (p[2] != '?' && p[2] != '.') || !slash(p[3]) {
		return p
	}
	rest := p[4:]
	if len(rest) > 4 && strings.EqualFold(rest[:3], "UNC") && slash(rest[3]) {
		return `\\` + rest[4:]
	}
	if len(rest) >= 2 && rest[1] == ':' && isLetter(rest[0]) {
		switch {
		case len(rest) == 2:
			return rest + `\` // `\\?\D:` is the root of D:, not D:'s current folder
		case slash(rest[2]):
			return rest
		}
	}
	return p
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// Abs is filepath.Abs of p without its `\\?\` or `\\.\` prefix: how a folder
// named on the command line (--within, --allow-root) is compared with paths.
func Abs(p string) (string, error) { return filepath.Abs(StripPrefix(p)) }

// Under returns the elements of p below root (none when p is root), and
// whether p is root or lies under it, compared as Within compares.
func Under(p, root string) ([]string, bool) {
	return under(p, root, runtime.GOOS == "windows")
}

func under(p, root string, windows bool) ([]string, bool) {
	pe := elements(filepath.Clean(stripPrefix(p, windows)))
	re := elements(filepath.Clean(stripPrefix(root, windows)))
	if len(re) > len(pe) {
		return nil, false
	}
	for i, r := range re {
		if windows && !strings.EqualFold(pe[i], r) || !windows && pe[i] != r {
			return nil, false
		}
	}
	return pe[len(re):], true
}
