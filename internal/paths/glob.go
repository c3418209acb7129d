// Package paths handles the paths users type and plans carry: wildcard
// expansion (Windows shells pass `*` and `?` unexpanded), case-insensitive
// matching, and containment checks. It does not know the SMS folder layout;
// that is package site.
package paths

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// HasWildcard reports whether s holds `*` or `?`.
func HasWildcard(s string) bool { return strings.ContainsAny(s, "*?") }

// isSep reports whether c separates path elements here (`\` and `/` on Windows).
func isSep(c byte) bool {
	return c == '/' || (runtime.GOOS == "windows" && c == '\\')
}

// Expand expands `*` and `?` in any element after the volume, matching names
// case-insensitively (as Windows does), and returns the matches sorted. An
// argument without wildcards is returned as it is, whether or not it exists.
// A pattern that matches nothing is an error naming it. On Windows a `\\?\`
// or `\\.\` prefix is path syntax, not a wildcard: it is dropped
// (StripPrefix) before anything else.
func Expand(pattern string) ([]string, error) {
	typed := pattern
	pattern = StripPrefix(pattern)
	if !HasWildcard(pattern) {
		return []string{pattern}, nil
	}
	vol := filepath.VolumeName(pattern)
	if HasWildcard(vol) {
		return nil, fmt.Errorf("%s: wildcards cannot be used in the server or share name %s", typed, vol)
	}
	rest := pattern[len(vol):]
	start := vol
	if rest != "" && isSep(rest[0]) {
		start += string(filepath.Separator)
	}
	var elems []string
	for _, e := range strings.FieldsFunc(rest, func(r rune) bool { return r < 0x80 && isSep(byte(r)) }) {
		elems = append(elems, e)
	}
	cands := []string{start}
	for i, el := range elems {
		last := i == len(elems)-1
		var next []string
		for _, c := range cands {
			if !HasWildcard(el) {
				next = append(next, join(c, el))
				continue
			}
			dir := c
			if dir == "" {
				dir = "."
			}
			ents, err := os.ReadDir(dir)
			if err != nil {
				continue // an unreadable folder contributes no matches
			}
			for _, de := range ents {
				if !Match(el, de.Name()) {
					continue
				}
				if !last && !isDirFollow(join(c, de.Name())) {
					continue
				}
				next = append(next, join(c, de.Name()))
			}
		}
		cands = next
	}
	var out []string
	for _, c := range cands {
		if _, err := os.Lstat(c); err == nil {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no file or folder matches", typed)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := strings.ToLower(out[i]), strings.ToLower(out[j])
		if a != b {
			return a < b
		}
		return out[i] < out[j]
	})
	return out, nil
}

func isDirFollow(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

func join(dir, name string) string {
	if dir == "" {
		return name
	}
	if isSep(dir[len(dir)-1]) {
		return dir + name
	}
	return dir + string(filepath.Separator) + name
}

// Match reports whether name matches pattern, where `*` matches any run of
// characters and `?` exactly one, compared case-insensitively. Every other
// character (including `[` and `\`) stands for itself.
func Match(pattern, name string) bool {
	p, n := []rune(strings.ToLower(pattern)), []rune(strings.ToLower(name))
	// Iterative wildcard matching with one backtrack point: linear enough for names.
	pi, ni, star, mark := 0, 0, -1, 0
	for ni < len(n) {
		switch {
		case pi < len(p) && p[pi] == '*':
			// Checked first: a `*` in the pattern is always a wildcard, even
			// when the name has a literal `*` (possible outside Windows).
			star, mark = pi, ni
			pi++
		case pi < len(p) && (p[pi] == '?' || p[pi] == n[ni]):
			pi++
			ni++
		case star >= 0:
			pi = star + 1
			mark++
			ni = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
