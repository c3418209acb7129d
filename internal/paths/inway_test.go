package paths

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestFileInTheWay(t *testing.T) {
	dir := t.TempDir()
	tree(t, dir, "notes.txt", "sub/", "sub/inner.txt")
	file := filepath.Join(dir, "notes.txt")
	for _, c := range []struct{ dir, want string }{
		{dir, ""},
		{filepath.Join(dir, "sub"), ""},
		{filepath.Join(dir, "missing"), ""},
		{filepath.Join(dir, "missing", "deeper"), ""},
		{file, file},
		{filepath.Join(file, "x"), file},
		{filepath.Join(file, "x", "y"), file},
		{filepath.Join(dir, "sub", "inner.txt", "x"), filepath.Join(dir, "sub", "inner.txt")},
		{filepath.Join(dir, "sub", "..", "notes.txt", "x"), file},
	} {
		if got := FileInTheWay(c.dir); got != c.want {
			t.Errorf("FileInTheWay(%q) = %q, want %q", c.dir, got, c.want)
		}
	}
	if runtime.GOOS != "windows" {
		// A broken link stops the walk: it is not a file in the way.
		link := filepath.Join(dir, "broken")
		if err := os.Symlink(filepath.Join(dir, "nowhere"), link); err != nil {
			t.Fatal(err)
		}
		if got := FileInTheWay(filepath.Join(link, "x")); got != "" {
			t.Errorf("under a broken link: %q, want \"\"", got)
		}
	}
}
