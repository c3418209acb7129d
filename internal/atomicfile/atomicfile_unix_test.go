//go:build !windows

package atomicfile

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

var errCrossDevice = syscall.EXDEV

// withUmask runs the test body under umask u.
func withUmask(t *testing.T, u int) {
	old := syscall.Umask(u)
	t.Cleanup(func() { syscall.Umask(old) })
}

func mode(t *testing.T, p string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode()
}

// TestModes: a new file gets 0666 minus the umask, as with a shell redirect
// (it was 0600, from os.CreateTemp); a replaced file keeps its mode.
func TestModes(t *testing.T) {
	withUmask(t, 0o027)
	dir := t.TempDir()
	cases := []struct {
		name     string
		existing os.FileMode // 0: no file yet
		want     os.FileMode
	}{
		{"new", 0, 0o640},
		{"keeps 0604", 0o604, 0o604},
		{"keeps 0755", 0o755, 0o755},
		{"keeps 0400", 0o400, 0o400},
		{"keeps setgid", 0o2750, os.ModeSetgid | 0o750},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_"))
			if c.existing != 0 {
				os.WriteFile(p, []byte("old"), 0o600)
				if err := os.Chmod(p, c.existing|map[bool]os.FileMode{true: os.ModeSetgid}[c.existing&0o2000 != 0]); err != nil {
					t.Fatal(err)
				}
			}
			if err := WriteFile(p, []byte("new"), Options{}); err != nil {
				t.Fatal(err)
			}
			if got := mode(t, p); got != c.want {
				t.Errorf("mode %v, want %v", got, c.want)
			}
		})
	}
}

// TestKeepOwner: as root, a replacement keeps the old file's owner and group
// (it became root's).
func TestKeepOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a file to another user")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "Resync.cfg")
	os.WriteFile(p, []byte("old"), 0o640)
	if err := os.Chown(p, 4321, 8765); err != nil {
		t.Skipf("chown: %v", err)
	}
	f, _ := os.Open(p)
	meta, err := MetadataOf(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("new"), Options{Keep: meta}); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(p)
	st := fi.Sys().(*syscall.Stat_t)
	if st.Uid != 4321 || st.Gid != 8765 || fi.Mode() != 0o640 {
		t.Errorf("owner %d:%d mode %v, want 4321:8765 -rw-r-----", st.Uid, st.Gid, fi.Mode())
	}
}

// TestCreateOutputSpecial: --out onto a device, FIFO or socket writes to it
// (or fails) and never replaces it; through a link the target is replaced
// and the link stays. Before the fix, as root, --out /dev/null replaced
// /dev/null with a regular file.
func TestCreateOutputSpecial(t *testing.T) {
	dir := t.TempDir()

	t.Run("char device", func(t *testing.T) {
		p := filepath.Join(dir, "null")
		if err := syscall.Mknod(p, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
			t.Skipf("cannot make a device node here (needs root and CAP_MKNOD): %v", err)
		}
		writeOut(t, p, "records")
		if fi, err := os.Lstat(p); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
			t.Fatalf("the device was replaced: %v, %v", fi.Mode(), err)
		}
		checkOnly(t, dir, "null")
	})

	t.Run("fifo", func(t *testing.T) {
		p := filepath.Join(dir, "fifo")
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
		got := make(chan string)
		go func() {
			b, _ := os.ReadFile(p)
			got <- string(b)
		}()
		writeOut(t, p, "through the pipe")
		if s := <-got; s != "through the pipe" {
			t.Errorf("reader got %q", s)
		}
		if fi, _ := os.Lstat(p); fi.Mode()&os.ModeNamedPipe == 0 {
			t.Fatalf("the FIFO was replaced: %v", fi.Mode())
		}
		checkOnly(t, dir, "fifo")
	})

	t.Run("socket", func(t *testing.T) {
		p := filepath.Join(dir, "sock")
		l, err := net.Listen("unix", p)
		if err != nil {
			t.Skipf("unix socket: %v", err)
		}
		defer l.Close()
		if _, err := CreateOutput(p, Options{}); err == nil {
			t.Fatal("opening a socket for writing succeeded")
		}
		if fi, _ := os.Lstat(p); fi.Mode()&os.ModeSocket == 0 {
			t.Fatalf("the socket was replaced: %v", fi.Mode())
		}
		checkOnly(t, dir, "sock")
	})

	t.Run("/dev/null via link", func(t *testing.T) {
		p := filepath.Join(dir, "devnull")
		os.Symlink("/dev/null", p)
		writeOut(t, p, "records")
		if fi, err := os.Lstat("/dev/null"); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
			t.Fatalf("/dev/null was replaced: %v, %v", fi.Mode(), err)
		}
		checkOnly(t, dir, "devnull")
	})
}

func writeOut(t *testing.T, p, s string) {
	t.Helper()
	pend, err := CreateOutput(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pend.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := pend.Commit(); err != nil {
		t.Fatal(err)
	}
}

// checkOnly fails unless dir holds exactly names (no temporary file).
func checkOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	got := listDir(t, dir)
	for _, n := range names {
		found := false
		for _, g := range got {
			found = found || g == n
		}
		if !found {
			t.Errorf("%s is gone from %v", n, got)
		}
	}
	for _, g := range got {
		if strings.Contains(g, TempMarker) {
			t.Errorf("temporary file left: %s", g)
		}
	}
}

// TestCreateOutputLinks: the link's target is replaced atomically (keeping
// its mode), the link stays a link; a dangling link creates its target.
func TestCreateOutputLinks(t *testing.T) {
	withUmask(t, 0o022)
	cases := []struct {
		name   string
		setup  func(dir string) // makes dir/out, leading to dir/real/target.json
		exists bool
	}{
		{"absolute", func(d string) { os.Symlink(filepath.Join(d, "real", "target.json"), filepath.Join(d, "out")) }, true},
		{"relative", func(d string) { os.Symlink("real/target.json", filepath.Join(d, "out")) }, true},
		{"chain", func(d string) {
			os.Symlink("real/target.json", filepath.Join(d, "mid"))
			os.Symlink("mid", filepath.Join(d, "out"))
		}, true},
		{"through a linked folder", func(d string) {
			os.Mkdir(filepath.Join(d, "sub"), 0o755)
			os.Symlink(filepath.Join(d, "real", "x", "y"), filepath.Join(d, "sub", "deep"))
			os.MkdirAll(filepath.Join(d, "real", "x", "y"), 0o755)
			os.Symlink("../../target.json", filepath.Join(d, "real", "x", "y", "l"))
			os.Symlink("sub/deep/l", filepath.Join(d, "out"))
		}, true},
		{"dangling", func(d string) { os.Symlink("real/target.json", filepath.Join(d, "out")) }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			os.Mkdir(filepath.Join(dir, "real"), 0o755)
			target := filepath.Join(dir, "real", "target.json")
			if c.exists {
				os.WriteFile(target, []byte("old"), 0o600)
				os.Chmod(target, 0o640)
			}
			c.setup(dir)
			writeOut(t, filepath.Join(dir, "out"), "new")
			if fi, err := os.Lstat(filepath.Join(dir, "out")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
				t.Fatalf("out is no longer a link: %v", err)
			}
			if got, err := os.ReadFile(target); err != nil || string(got) != "new" {
				t.Fatalf("target: %q, %v", got, err)
			}
			want := os.FileMode(0o644)
			if c.exists {
				want = 0o640
			}
			if m := mode(t, target); m != want {
				t.Errorf("target mode %v, want %v", m, want)
			}
			checkOnly(t, filepath.Join(dir, "real"), "target.json")
		})
	}
	t.Run("loop", func(t *testing.T) {
		dir := t.TempDir()
		os.Symlink("b", filepath.Join(dir, "a"))
		os.Symlink("a", filepath.Join(dir, "b"))
		if _, err := CreateOutput(filepath.Join(dir, "a"), Options{}); err == nil {
			t.Fatal("a loop of links was accepted")
		}
	})
}
