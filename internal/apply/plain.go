package apply

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/dumpsync/dumpsync/internal/paths"
	"github.com/dumpsync/dumpsync/internal/safefs"
	"github.com/dumpsync/dumpsync/internal/site"
)

// rootOf is the folder from which path must be reached through plain
// folders only: the deepest --within folder holding it (each was named by
// the user, links in it included), or without one the folder above the
// row's domain or Logon.srv folder, so that the SMS folder itself, its
// Invencfg.box and the file are checked.
func (r *runner) rootOf(path string) string {
	best := ""
	for _, w := range r.opt.Within {
		if paths.Within(path, w) && len(w) > len(best) {
			best = w
		}
	}
	if best != "" {
		return best
	}
	up := 2 // <root>/Domain.000/Resync.cfg
	if strings.EqualFold(filepath.Base(filepath.Dir(path)), site.InvencfgName) {
		up = 3 // <root>/Domain.000/Invencfg.box/X.cfg
	}
	for range up {
		path = filepath.Dir(path)
	}
	return path
}

// notPlain says why path may not be changed (or read for a decision): a
// folder on the way from its root is a link, junction, mount point or not
// there, or the file itself is a link, folder, FIFO or device. Links are
// never followed: through one, a row would change a file outside every
// --within folder, and rewriting a linked file would detach it. "" when the
// path is plain (the file may be absent).
func (r *runner) notPlain(path string) string {
	return refusal(path, safefs.Check(r.rootOf(path), path))
}

// refusal turns a safefs error about path into a row's Detail.
func refusal(path string, err error) string {
	var ref *safefs.RefusedError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ref) && ref.Path != path:
		return fmt.Sprintf("%v: not a plain folder (links, junctions and mount points are never followed); nothing changed", err)
	case errors.As(err, &ref):
		return fmt.Sprintf("not a regular file: %v; never changed", err)
	case errors.Is(err, os.ErrNotExist):
		return fmt.Sprintf("%s is not a plain folder (missing): %v; nothing changed", filepath.Dir(path), err)
	}
	return fmt.Sprintf("%v; nothing changed", err)
}
