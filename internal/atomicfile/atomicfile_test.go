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
	dir := t.TempDir()
	p := filepath.Join(dir, "Resync.cfg")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(Ops{}, p, []byte("new"), 0o644); err != nil {
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

func TestWriteFileFaults(t *testing.T) {
	steps := map[string]func(*Ops){
		"createTemp": func(o *Ops) {
			o.CreateTemp = func(string, string, os.FileMode) (File, error) { return nil, errInjected }
		},
		"write": func(o *Ops) { o.CreateTemp = faulty(func(f *faultyFile) { f.failWrite = true }) },
		"sync":  func(o *Ops) { o.CreateTemp = faulty(func(f *faultyFile) { f.failSync = true }) },
		"close": func(o *Ops) { o.CreateTemp = faulty(func(f *faultyFile) { f.failClose = true }) },
		"rename": func(o *Ops) {
			o.Rename = func(string, string) error { return errInjected }
		},
	}
	for name, set := range steps {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "Resync.cfg")
			if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
			var ops Ops
			set(&ops)
			err := WriteFile(ops, p, []byte("new"), 0o644)
			if !errors.Is(err, errInjected) {
				t.Fatalf("err = %v", err)
			}
			if !strings.Contains(err.Error(), p) {
				t.Errorf("error does not name the file: %v", err)
			}
			got, _ := os.ReadFile(p)
			if !bytes.Equal(got, []byte("old")) {
				t.Fatalf("original changed: %q", got)
			}
			if names := listDir(t, dir); len(names) != 1 {
				t.Fatalf("folder holds %v", names)
			}
		})
	}
	t.Run("syncDir", func(t *testing.T) {
		dir := t.TempDir()
		p := filepath.Join(dir, "Resync.cfg")
		os.WriteFile(p, []byte("old"), 0o644)
		err := WriteFile(Ops{SyncDir: func(string) error { return errInjected }}, p, []byte("new"), 0o644)
		if !errors.Is(err, errInjected) {
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
