package safefs

import (
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// mk creates files (content = their name) and folders (names ending in /).
func mk(t *testing.T, root string, names ...string) {
	t.Helper()
	for _, n := range names {
		p := filepath.Join(root, filepath.FromSlash(n))
		if strings.HasSuffix(n, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// symlink makes link point at target, or skips the test where it cannot.
func symlink(t *testing.T, target, link string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("Wine has no symbolic links or junctions")
	}
	if err := os.Symlink(target, link); err != nil {
		t.Skip("no symbolic links here:", err)
	}
}

// within runs f, failing the test instead of hanging when f blocks (a FIFO
// opened for reading blocks until a writer comes).
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: still blocked after 5 s", what)
	}
}

type outcome int

const (
	ok       outcome = iota // opened (Check: nil)
	absent                  // the file is not there (Check: nil; Open: not exist)
	refused                 // a *RefusedError naming refusedAt
	notExist                // a folder on the way is missing: os.ErrNotExist for both
)

func TestCheckAndOpenUnder(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	mk(t, root,
		"D/Domain.000/Resync.cfg",
		"D/Domain.000/Invencfg.box/ABC00001.cfg",
		"D/File/",
		"D/Dom.001/",
		"Plain.cfg",
	)
	mk(t, outside, "Domain.000/Resync.cfg", "Domain.000/Invencfg.box/ABC00001.cfg", "x.cfg")
	tests := []struct {
		name      string
		setup     func(t *testing.T)
		path      string // under root, with /
		want      outcome
		refusedAt string // under root, with /
	}{
		{name: "plain Resync.cfg", path: "D/Domain.000/Resync.cfg", want: ok},
		{name: "plain .cfg", path: "D/Domain.000/Invencfg.box/ABC00001.cfg", want: ok},
		{name: "file directly under the root", path: "Plain.cfg", want: ok},
		{name: "absent file", path: "D/Domain.000/Invencfg.box/ABC00002.cfg", want: absent},
		{name: "absent folder", path: "D/Domain.999/Resync.cfg", want: notExist},
		{name: "a folder where the file should be", path: "D/File", want: refused, refusedAt: "D/File"},
		{name: "a file where a folder should be", path: "Plain.cfg/Resync.cfg", want: refused, refusedAt: "Plain.cfg"},
		{
			name:  "a link in the middle",
			setup: func(t *testing.T) { symlink(t, outside, filepath.Join(root, "D", "Link")) },
			path:  "D/Link/Domain.000/Resync.cfg", want: refused, refusedAt: "D/Link",
		},
		{
			name:  "a link in the middle, file absent",
			setup: func(t *testing.T) { symlink(t, outside, filepath.Join(root, "D", "Link2")) },
			path:  "D/Link2/Domain.000/Invencfg.box/NEW00001.cfg", want: refused, refusedAt: "D/Link2",
		},
		{
			name: "the domain folder is a link",
			setup: func(t *testing.T) {
				symlink(t, filepath.Join(outside, "Domain.000"), filepath.Join(root, "D", "Domain.001"))
			},
			path: "D/Domain.001/Invencfg.box/ABC00001.cfg", want: refused, refusedAt: "D/Domain.001",
		},
		{
			name:  "Invencfg.box is a link",
			setup: func(t *testing.T) { symlink(t, outside, filepath.Join(root, "D", "Dom.001", "Invencfg.box")) },
			path:  "D/Dom.001/Invencfg.box/x.cfg", want: refused, refusedAt: "D/Dom.001/Invencfg.box",
		},
		{
			name: "the file is a link",
			setup: func(t *testing.T) {
				symlink(t, filepath.Join(outside, "x.cfg"), filepath.Join(root, "D", "Domain.000", "Invencfg.box", "LINK0001.cfg"))
			},
			path: "D/Domain.000/Invencfg.box/LINK0001.cfg", want: refused, refusedAt: "D/Domain.000/Invencfg.box/LINK0001.cfg",
		},
		{
			name: "a dangling link where the file should be",
			setup: func(t *testing.T) {
				symlink(t, filepath.Join(outside, "nothing"), filepath.Join(root, "D", "Domain.000", "Invencfg.box", "DANGLING.cfg"))
			},
			path: "D/Domain.000/Invencfg.box/DANGLING.cfg", want: refused, refusedAt: "D/Domain.000/Invencfg.box/DANGLING.cfg",
		},
		{
			name:  "a FIFO",
			setup: func(t *testing.T) { mkfifo(t, filepath.Join(root, "D", "Fifo.cfg")) },
			path:  "D/Fifo.cfg", want: refused, refusedAt: "D/Fifo.cfg",
		},
		{
			name: "a socket",
			setup: func(t *testing.T) {
				if runtime.GOOS == "windows" {
					t.Skip("no Unix sockets as files under Wine")
				}
				l, err := net.Listen("unix", filepath.Join(root, "D", "Sock.cfg"))
				if err != nil {
					t.Skip("no Unix sockets:", err)
				}
				t.Cleanup(func() { l.Close() })
			},
			path: "D/Sock.cfg", want: refused, refusedAt: "D/Sock.cfg",
		},
		{
			name:  "a device",
			setup: func(t *testing.T) { mknull(t, filepath.Join(root, "D", "Null.cfg")) },
			path:  "D/Null.cfg", want: refused, refusedAt: "D/Null.cfg",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup(t)
			}
			p := filepath.Join(root, filepath.FromSlash(tt.path))
			var cerr, oerr error
			var f *os.File
			within(t, "Check and OpenUnder", func() {
				cerr = Check(root, p)
				f, oerr = OpenUnder(root, p)
			})
			if f != nil {
				defer f.Close()
			}
			switch tt.want {
			case ok:
				if cerr != nil || oerr != nil {
					t.Fatalf("Check: %v; OpenUnder: %v", cerr, oerr)
				}
				b, err := io.ReadAll(f)
				if err != nil || string(b) != tt.path {
					t.Errorf("read %q, %v; want %q", b, err, tt.path)
				}
			case absent:
				if cerr != nil || !errors.Is(oerr, os.ErrNotExist) {
					t.Errorf("Check: %v (want nil); OpenUnder: %v (want not exist)", cerr, oerr)
				}
			case notExist:
				if !errors.Is(cerr, os.ErrNotExist) || !errors.Is(oerr, os.ErrNotExist) {
					t.Errorf("Check: %v; OpenUnder: %v; want not exist for both", cerr, oerr)
				}
			case refused:
				at := filepath.Join(root, filepath.FromSlash(tt.refusedAt))
				for what, err := range map[string]error{"Check": cerr, "OpenUnder": oerr} {
					var r *RefusedError
					if !errors.As(err, &r) || r.Path != at {
						t.Errorf("%s: %v; want refused at %s", what, err, at)
					}
				}
			}
		})
	}
}

// Open checks the last element only, on the handle, and never blocks.
func TestOpen(t *testing.T) {
	dir := t.TempDir()
	mk(t, dir, "Resync.cfg", "Folder/")
	f, err := Open(filepath.Join(dir, "Resync.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := Open(filepath.Join(dir, "Folder")); !IsRefused(err) {
		t.Errorf("a folder: %v; want refused", err)
	}
	if _, err := Open(filepath.Join(dir, "nothing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("nothing: %v; want not exist", err)
	}
	if runtime.GOOS == "windows" {
		for _, dev := range []string{"NUL", `\\.\NUL`} {
			within(t, dev, func() {
				if f, err := Open(dev); !IsRefused(err) {
					t.Errorf("%s: %v; want refused", dev, err)
					if f != nil {
						f.Close()
					}
				}
			})
		}
		return
	}
	fifo := filepath.Join(dir, "Fifo")
	mkfifo(t, fifo)
	within(t, "Open of a FIFO", func() {
		if _, err := Open(fifo); !IsRefused(err) {
			t.Errorf("a FIFO: %v; want refused", err)
		}
	})
	within(t, "Open of /dev/zero", func() {
		if _, err := Open("/dev/zero"); !IsRefused(err) {
			t.Errorf("/dev/zero: %v; want refused", err)
		}
	})
	link := filepath.Join(dir, "Link.cfg")
	symlink(t, filepath.Join(dir, "Resync.cfg"), link)
	if _, err := Open(link); !IsRefused(err) {
		t.Errorf("a link: %v; want refused", err)
	}
}

// Paths longer than 260 characters are walked and opened (on Windows
// through the \\?\ form, which Go and safefs add to absolute paths).
func TestLongPath(t *testing.T) {
	root := t.TempDir()
	rel := ""
	for len(root)+len(rel) < 320 {
		rel += strings.Repeat("d", 50) + "/"
	}
	rel += "Domain.000/Resync.cfg"
	mk(t, root, rel)
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := Check(root, p); err != nil {
		t.Fatalf("Check of a %d-character path: %v", len(p), err)
	}
	f, err := OpenUnder(root, p)
	if err != nil {
		t.Fatalf("OpenUnder of a %d-character path: %v", len(p), err)
	}
	defer f.Close()
	if b, _ := io.ReadAll(f); string(b) != rel {
		t.Errorf("read %q", b)
	}
	if f, err := Open(p); err != nil {
		t.Errorf("Open of a %d-character path: %v", len(p), err)
	} else {
		f.Close()
	}
}

func TestNotUnderRoot(t *testing.T) {
	root := t.TempDir()
	mk(t, root, "SMS/Resync.cfg", "SMS,old/Resync.cfg")
	for _, p := range []string{filepath.Join(root, "SMS,old", "Resync.cfg"), filepath.Join(root, "SMS")} {
		if err := Check(filepath.Join(root, "SMS"), p); err == nil || IsRefused(err) {
			t.Errorf("Check(SMS, %s) = %v; want a not-under error", p, err)
		}
	}
}

func TestResolve(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	mk(t, dir, "SMS/Domain.000/", "elsewhere/")
	tests := []struct{ p, want string }{
		{"SMS/Domain.000/undo.json", "SMS/Domain.000/undo.json"},
		{"SMS/new/deeper/undo.json", "SMS/new/deeper/undo.json"},
		{"nothing/at/all", "nothing/at/all"},
	}
	if runtime.GOOS != "windows" {
		if err := os.Symlink(filepath.Join(dir, "SMS", "Domain.000"), filepath.Join(dir, "elsewhere", "link")); err == nil {
			tests = append(tests,
				struct{ p, want string }{"elsewhere/link/undo.json", "SMS/Domain.000/undo.json"},
				struct{ p, want string }{"elsewhere/link/new/backup", "SMS/Domain.000/new/backup"},
			)
		}
	}
	for _, tt := range tests {
		got, err := Resolve(filepath.Join(dir, filepath.FromSlash(tt.p)))
		if want := filepath.Join(dir, filepath.FromSlash(tt.want)); err != nil || got != want {
			t.Errorf("Resolve(%s) = %q, %v; want %q", tt.p, got, err, want)
		}
	}
}

// Dir.ReadFile copies what Open would open, and refuses what Open refuses.
func TestDirReadFile(t *testing.T) {
	dir := t.TempDir()
	mk(t, dir, "A.cfg", "Folder/")
	big := strings.Repeat("0123456789", 10_000) // more than one read through buf
	if err := os.WriteFile(filepath.Join(dir, "Big.cfg"), []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	mod := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(dir, "Big.cfg"), mod, mod); err != nil {
		t.Fatal(err)
	}
	d, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	buf := make([]byte, 4096)
	for _, tt := range []struct{ name, want string }{{"A.cfg", "A.cfg"}, {"Big.cfg", big}} {
		var b strings.Builder
		st, err := d.ReadFile(tt.name, &b, buf)
		if err != nil || b.String() != tt.want || st.Size != int64(len(tt.want)) {
			t.Errorf("%s: %d bytes (Size %d), %v; want %d bytes", tt.name, b.Len(), st.Size, err, len(tt.want))
		}
		info, _ := os.Stat(filepath.Join(dir, tt.name))
		if !st.ModTime.Equal(info.ModTime()) {
			t.Errorf("%s: ModTime %v, want %v", tt.name, st.ModTime, info.ModTime())
		}
	}
	if _, err := d.ReadFile("Folder", io.Discard, buf); !IsRefused(err) {
		t.Errorf("a folder: %v; want refused", err)
	}
	if _, err := d.ReadFile("nothing", io.Discard, buf); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("nothing: %v; want not exist", err)
	}
	if runtime.GOOS == "windows" {
		return
	}
	mkfifo(t, filepath.Join(dir, "Fifo.cfg"))
	within(t, "ReadFile of a FIFO", func() {
		if _, err := d.ReadFile("Fifo.cfg", io.Discard, buf); !IsRefused(err) {
			t.Errorf("a FIFO: %v; want refused", err)
		}
	})
	symlink(t, filepath.Join(dir, "A.cfg"), filepath.Join(dir, "Link.cfg"))
	if _, err := d.ReadFile("Link.cfg", io.Discard, buf); !IsRefused(err) {
		t.Errorf("a link: %v; want refused", err)
	}
	if _, err := OpenDir(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("OpenDir of nothing: %v; want not exist", err)
	}
}

// A device is refused without being read, in a folder opened with OpenDir
// as through Open.
func TestDirReadFileDevice(t *testing.T) {
	dir := t.TempDir()
	mknull(t, filepath.Join(dir, "Null.cfg"))
	d, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	within(t, "ReadFile of a device", func() {
		if _, err := d.ReadFile("Null.cfg", io.Discard, make([]byte, 16)); !IsRefused(err) {
			t.Errorf("a device: %v; want refused", err)
		}
	})
}
