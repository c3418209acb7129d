// Package scratch makes the temporary files dumpsync works in beside its
// memory (apply's spool of the plan, the outcomes of its rows): files no
// other program needs and no run after it could use, in the temporary
// folder. Such a file is gone once closed, and gone too when the process
// ends without closing it (a crash, a second Ctrl-C, a kill): off Windows
// its name is removed as soon as it is made; on Windows it is opened
// delete-on-close, so the system removes it when its last handle goes,
// the process's exit included.
package scratch

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Create makes a new scratch file in dir (os.TempDir() when "") named by
// pattern, whose last "*" is replaced by a random string (as
// os.CreateTemp). The file is open for reading and writing; Close removes
// it. Its Name is where it was made (off Windows, no longer there).
func Create(dir, pattern string) (*os.File, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	prefix, suffix := pattern, ""
	if i := strings.LastIndex(pattern, "*"); i >= 0 {
		prefix, suffix = pattern[:i], pattern[i+1:]
	}
	for try := 0; ; try++ {
		n := uint64(time.Now().UnixNano()) + seq.Add(1)*7919
		name := filepath.Join(dir, prefix+strconv.FormatUint(n%1e10, 10)+suffix)
		f, err := create(name)
		if os.IsExist(err) && try < 10000 {
			continue
		}
		return f, err
	}
}

var seq atomic.Uint64
