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

	"github.com/dumpsync/dumpsync/internal/atomicfile"
)

// Create makes a new scratch file in dir (os.TempDir() when "") named by
// pattern, whose last "*" is replaced by a number (as
// os.CreateTemp). The file is open for reading and writing; Close removes
// it. Its Name is where it was made (off Windows, no longer there).
func Create(dir, pattern string) (*os.File, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	return atomicfile.Unique(dir, pattern, create)
}
