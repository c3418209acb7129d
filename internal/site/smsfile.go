package site

import (
	"path/filepath"
	"strings"
)

// SMSFile says what path is when SMS or dumpsync owns it: "a Resync.cfg",
// "a file dumpsync keeps beside a Resync.cfg" (Resync.cfg.dumpsync-lock, a
// recovery file) or "inside an Invencfg.box". Names match
// case-insensitively; a link is judged by where it leads too (--out follows
// links). It is "" for any other path. Records written there would destroy
// what SMS and dumpsync keep, so no command writes its output to such a
// path.
func SMSFile(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return ""
	}
	if why := smsName(abs); why != "" {
		return why
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		// Not there yet: where its folder leads.
		dir, derr := filepath.EvalSymlinks(filepath.Dir(abs))
		if derr != nil {
			return ""
		}
		real = filepath.Join(dir, filepath.Base(abs))
	}
	return smsName(real)
}

// keptPrefix begins the names of the files dumpsync keeps beside a
// Resync.cfg: its lock, its recovery files, its temporary file.
const keptPrefix = ResyncName + ".dumpsync-"

// smsName is SMSFile for the path as written.
func smsName(p string) string {
	base := win32Name(filepath.Base(p))
	switch {
	case strings.EqualFold(base, ResyncName):
		return "a " + ResyncName
	case len(base) > len(keptPrefix) && strings.EqualFold(base[:len(keptPrefix)], keptPrefix):
		return "a file dumpsync keeps beside a " + ResyncName
	case strings.EqualFold(win32Name(filepath.Base(filepath.Dir(p))), InvencfgName):
		return "inside an " + InvencfgName
	}
	return ""
}

// win32Name is the file a name opens on Windows: "Resync.cfg::$DATA" and
// "Resync.cfg:x" (a stream of it), "Resync.cfg." and "Resync.cfg " are all
// Resync.cfg there. Elsewhere such names are other files, which it is
// harmless to refuse too.
func win32Name(name string) string {
	if i := strings.IndexByte(name, ':'); i > 0 {
		name = name[:i]
	}
	return strings.TrimRight(name, ". ")
}
