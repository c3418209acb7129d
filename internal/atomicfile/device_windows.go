//go:build windows

package atomicfile

import (
	"strings"
)

// deviceName reports whether path names a Windows device and returns the
// name to open it by. A reserved name (NUL, CON, PRN, AUX, COM0-9, LPT0-9,
// CONIN$, CONOUT$), in any case, in any folder, with any extension or
// trailing spaces ("nul.txt", "C:\out\NUL") names the device; so does a
// "\\.\NAME" path ("\\.\NUL", "\\.\COM1", "\\.\pipe\name"), except one that
// is an ordinary path spelled with the prefix ("\\.\C:\out.json",
// "\\.\UNC\server\share\out.json").
func deviceName(path string) (string, bool) {
	p := strings.ReplaceAll(path, "/", `\`)
	if len(p) > 4 && strings.EqualFold(p[:4], `\\.\`) {
		rest := p[4:]
		first, _, _ := strings.Cut(rest, `\`)
		ordinary := len(first) == 2 && first[1] == ':' ||
			strings.EqualFold(first, "UNC") ||
			strings.HasPrefix(strings.ToUpper(first), "VOLUME{") ||
			strings.EqualFold(first, "GLOBALROOT")
		if !ordinary {
			return path, true
		}
		return "", false
	}
	base := p[strings.LastIndexAny(p, `\:`)+1:]
	if i := strings.IndexAny(base, ".:"); i >= 0 {
		base = base[:i]
	}
	base = strings.ToUpper(strings.TrimRight(base, " "))
	switch {
	case base == "CON":
		return "CONOUT$", true
	case base == "CONIN$" || base == "CONOUT$":
		return base, true
	case base == "NUL" || base == "PRN" || base == "AUX":
	case len(base) == 4 && (strings.HasPrefix(base, "COM") || strings.HasPrefix(base, "LPT")) && base[3] >= '0' && base[3] <= '9':
	case (strings.HasPrefix(base, "COM") || strings.HasPrefix(base, "LPT")) && (base[3:] == "¹" || base[3:] == "²" || base[3:] == "³"):
	default:
		return "", false
	}
	return `\\.\` + base, true
}
