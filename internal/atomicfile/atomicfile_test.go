package atomicfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type faultyFile struct {
	File
	failWrite, failSync, failClose bool
}

var errInjected = errors.New("injected failure")

func (f *faultyFile) Write(p []byte) (int, error) {
	if f.failWrite {
		return 0, errInjected
	}
	return f.File.Write(p)
}

func (f *faultyFile) Sync() error {
	if f.failSync {
		return errInjected
	}
	return f.File.Sync()
}

func (f *faultyFile) Close() error {
	err := f.File.Close()
	if f.failClose {
		return errInjected
	}
	return err
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteFile(t *testing.T) {
	for _, existing := range []bool{true, false} {
		dir := t.TempDir()
		p := filepath.Join(dir, "Resync.cfg")
		if existing {
			if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := WriteFile(p, []byte("new"), Options{}); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(p)
		if string(got) != "new" {
			t.Fatalf("content %q", got)
		}
		if names := listDir(t, dir); len(names) != 1 {
			t.Fatalf("folder holds %v", names)
		}
	}
}

// TestCreateAbort: nothing is at the path until Commit; Abort leaves the
// folder as it was.
func TestCreateAbort(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.json")
	os.WriteFile(p, []byte("old"), 0o644)
	pend, err := Create(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	pend.Write([]byte("new"))
	if got, _ := os.ReadFile(p); string(got) != "old" {
		t.Fatalf("path changed before Commit: %q", got)
	}
	if n := len(listDir(t, dir)); n != 2 {
		t.Fatalf("%d entries, want the file and its temporary file", n)
	}
	pend.Abort()
	pend.Abort()
	if err := pend.Commit(); err == nil {
		t.Error("Commit after Abort succeeded")
	}
	if got, _ := os.ReadFile(p); string(got) != "old" || len(listDir(t, dir)) != 1 {
		t.Fatalf("after Abort: %q, %v", got, listDir(t, dir))
	}
}

// faultSteps make one step of a write fail.
var faultSteps = map[string]func(*Ops){
	"createTemp": func(o *Ops) {
		o.CreateTemp = func(string, string, os.FileMode) (File, error) { return nil, errInjected }
	},
	"write":  func(o *Ops) { o.CreateTemp = faulty(func(f *faultyFile) { f.failWrite = true }) },
	"sync":   func(o *Ops) { o.CreateTemp = faulty(func(f *faultyFile) { f.failSync = true }) },
	"close":  func(o *Ops) { o.CreateTemp = faulty(func(f *faultyFile) { f.failClose = true }) },
	"rename": func(o *Ops) { o.Rename = func(string, string) error { return errInjected } },
	"renameNew": func(o *Ops) {
		o.RenameNew = func(string, string) error { return errInjected }
	},
}

func TestWriteFileFaults(t *testing.T) {
	for name, set := range faultSteps {
		for _, isNew := range []bool{false, true} {
			t.Run(name+map[bool]string{true: "/new", false: "/replace"}[isNew], func(t *testing.T) {
				dir := t.TempDir()
				p := filepath.Join(dir, "Resync.cfg")
				if !isNew {
					if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				var ops Ops
				set(&ops)
				err := WriteFile(p, []byte("new"), Options{Ops: ops, New: isNew})
				if name == "rename" && isNew || name == "renameNew" && !isNew {
					if err != nil {
						t.Fatalf("a step this write does not take failed it: %v", err)
					}
					return
				}
				if !errors.Is(err, errInjected) {
					t.Fatalf("err = %v", err)
				}
				if !strings.Contains(err.Error(), p) {
					t.Errorf("error does not name the file: %v", err)
				}
				got, rerr := os.ReadFile(p)
				if isNew && !os.IsNotExist(rerr) || !isNew && !bytes.Equal(got, []byte("old")) {
					t.Fatalf("path changed: %q, %v", got, rerr)
				}
				if names := listDir(t, dir); len(names) != map[bool]int{true: 0, false: 1}[isNew] {
					t.Fatalf("folder holds %v", names)
				}
			})
		}
	}
	t.Run("syncDir", func(t *testing.T) {
		dir := t.TempDir()
		p := filepath.Join(dir, "Resync.cfg")
		os.WriteFile(p, []byte("old"), 0o644)
		err := WriteFile(p, []byte("new"), Options{Ops: Ops{SyncDir: func(string) error { return errInjected }}})
		if !errors.Is(err, errInjected) || !strings.Contains(err.Error(), "syncing its folder") {
			t.Fatalf("err = %v", err)
		}
		got, _ := os.ReadFile(p)
		if string(got) != "new" {
			t.Fatalf("content %q", got)
		}
		if names := listDir(t, dir); len(names) != 1 {
			t.Fatalf("folder holds %v", names)
		}
	})
}

// TestWriteFileNew: New never replaces what is there, even if it appears
// between Create and Commit.
func TestWriteFileNew(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "X.cfg")
	pend, err := Create(p, Options{New: true})
	if err != nil {
		t.Fatal(err)
	}
	pend.Write([]byte("new"))
	os.WriteFile(p, []byte("theirs"), 0o644)
	if err := pend.Commit(); !errors.Is(err, os.ErrExist) {
		t.Fatalf("Commit over a file that appeared: %v", err)
	}
	if got, _ := os.ReadFile(p); string(got) != "theirs" || len(listDir(t, dir)) != 1 {
		t.Fatalf("after: %q, %v", got, listDir(t, dir))
	}
}

func faulty(set func(*faultyFile)) func(string, string, os.FileMode) (File, error) {
	return func(dir, pattern string, perm os.FileMode) (File, error) {
		f, err := OSCreateTemp(dir, pattern, perm)
		if err != nil {
			return nil, err
		}
		ff := &faultyFile{File: f}
		set(ff)
		return ff, nil
	}
}

func TestRemoveTemps(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "Resync.cfg")
	for _, n := range []string{"Resync.cfg", "Resync.cfg.dumpsync-tmp-1", "Resync.cfg.dumpsync-tmp-2-old", "Other.cfg.dumpsync-tmp-3", "X.cfg"} {
		os.WriteFile(filepath.Join(dir, n), nil, 0o644)
	}
	removed, err := RemoveTemps(Ops{}, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 2 {
		t.Fatalf("removed %v", removed)
	}
	got := strings.Join(listDir(t, dir), ",")
	if got != "Other.cfg.dumpsync-tmp-3,Resync.cfg,X.cfg" {
		t.Fatalf("left %s", got)
	}
}

// crossDeviceErr is what a rename across volumes fails with on this platform.
var crossDeviceErr = &os.LinkError{Op: "rename", Err: errCrossDevice}

func TestMove(t *testing.T) {
	otherErr := &os.LinkError{Op: "rename", Err: os.ErrPermission}
	// fails only the move itself, not the rename of the copy's temporary file
	onlySrc := func(err error) func(string, string) error {
		return func(old, new string) error {
			if filepath.Base(old) == "A.cfg" {
				return err
			}
			return renameNew(Ops{}, old, new)
		}
	}
	cases := []struct {
		name      string
		renameNew func(string, string) error
		remove    func(string) error
		moved     bool
		wantErr   string
	}{
		{name: "rename", moved: true},
		{name: "cross-device copies", renameNew: onlySrc(crossDeviceErr), moved: true},
		// Before the fix any *os.LinkError fell back to a copy, which left
		// a copy behind when the removal failed too.
		{name: "other rename error fails", renameNew: onlySrc(otherErr), wantErr: "permission denied"},
		{name: "cross-device, removal fails", renameNew: onlySrc(crossDeviceErr),
			remove: func(name string) error {
				if filepath.Base(filepath.Dir(name)) == "src" {
					return errInjected
				}
				return os.Remove(name)
			}, wantErr: errInjected.Error()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			src := filepath.Join(dir, "src", "A.cfg")
			dest := filepath.Join(dir, "backup", "A.cfg")
			os.MkdirAll(filepath.Dir(src), 0o755)
			os.MkdirAll(filepath.Dir(dest), 0o755)
			os.WriteFile(src, []byte("cfg"), 0o644)
			err := Move(Ops{RenameNew: c.renameNew, Remove: c.remove}, src, dest)
			if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
				t.Fatalf("err = %v, want %q", err, c.wantErr)
			}
			at, from := dest, src
			if !c.moved {
				at, from = src, dest
			}
			if got, err := os.ReadFile(at); err != nil || string(got) != "cfg" {
				t.Errorf("%s: %q, %v", at, got, err)
			}
			if _, err := os.Lstat(from); !os.IsNotExist(err) {
				t.Errorf("%s still there (%v)", from, err)
			}
			if n := len(listDir(t, filepath.Dir(src))) + len(listDir(t, filepath.Dir(dest))); n != 1 {
				t.Errorf("%d files in the two folders, want 1", n)
			}
		})
	}
	t.Run("dest exists", func(t *testing.T) {
		dir := t.TempDir()
		src, dest := filepath.Join(dir, "A.cfg"), filepath.Join(dir, "B.cfg")
		os.WriteFile(src, []byte("a"), 0o644)
		os.WriteFile(dest, []byte("b"), 0o644)
		if err := Move(Ops{}, src, dest); !errors.Is(err, os.ErrExist) {
			t.Fatalf("err = %v", err)
		}
		if got, _ := os.ReadFile(dest); string(got) != "b" {
			t.Errorf("dest replaced: %q", got)
		}
	})
}

func TestCreateLog(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "undo.json")
	f, err := CreateLog(Ops{}, p)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := CreateLog(Ops{}, p); !os.IsExist(err) {
		t.Fatalf("CreateLog over an existing file: %v", err)
	}
	q := filepath.Join(dir, "undo2.json")
	if _, err := CreateLog(Ops{SyncDir: func(string) error { return errInjected }}, q); !errors.Is(err, errInjected) {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Lstat(q); !os.IsNotExist(err) {
		t.Errorf("a log whose name is not durable was left: %v", err)
	}
}

func TestCreateOutputFolder(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.json")
	os.Mkdir(p, 0o755)
	if _, err := CreateOutput(p, Options{}); !errors.Is(err, ErrIsDir) {
		t.Fatalf("err = %v", err)
	}
	if names := listDir(t, dir); len(names) != 1 {
		t.Fatalf("folder holds %v", names)
	}
}
