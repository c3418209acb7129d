package paths

import (
	"path/filepath"
	"runtime"
	"strings"
)

// Within reports whether p equals root or lies under it. Both are cleaned and
// compared element by element, so "/a/bc" is not under "/a/b"; on Windows the
// comparison ignores case, as NTFS does, and a `\\?\` or `\\.\` prefix
// (StripPrefix), so `\\?\D:\SMS` holds `D:\SMS\x`. It is purely lexical: it
// neither resolves symbolic links nor looks at the disk, so callers that must
// not be fooled by ".." check p with IsCleanAbs first, and callers that must
// not be fooled by a link check the disk (package safefs).
func Within(p, root string) bool {
	return within(p, root, runtime.GOOS == "windows")
}

// WithinAny reports whether p is Within one of roots.
func WithinAny(p string, roots []string) bool {
	for _, root := range roots {
		if Within(p, root) {
			return true
		}
	}
	return false
}

// within is Within; windows folds case and strips the Win32 prefixes.
func within(p, root string, windows bool) bool {
	_, ok := under(p, root, windows)
	return ok
}

// elements splits a cleaned path into its elements. A root such as "/" or
// `C:\` ends in a separator that Clean keeps; it is dropped first so that the
// root splits into the same leading elements as the paths under it.
func elements(p string) []string {
	sep := string(filepath.Separator)
	p = strings.TrimSuffix(p, sep)
	return strings.Split(p, sep)
}

// IsCleanAbs reports whether p is absolute and already in the form
// filepath.Clean gives it: no "." or ".." elements, no doubled separators, no
// trailing separator. On Windows, `C:\a\b` and `\\server\share\a` qualify,
// forward slashes do not (Clean would turn them into backslashes), and neither
// do elements that end in a dot or a space, which Windows silently strips so
// that the path would name a different file.
func IsCleanAbs(p string) bool {
	return isCleanAbs(p, runtime.GOOS == "windows")
}

func isCleanAbs(p string, windows bool) bool {
	if p == "" || !filepath.IsAbs(p) || filepath.Clean(p) != p {
		return false
	}
	seps := "/"
	if windows {
		seps = `/\`
	}
	for _, e := range strings.FieldsFunc(p, func(r rune) bool { return strings.ContainsRune(seps, r) }) {
		if e == "." || e == ".." {
			return false
		}
		if windows && (strings.HasSuffix(e, ".") || strings.HasSuffix(e, " ")) {
			return false
		}
	}
	return true
}
