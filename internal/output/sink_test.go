package output

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// listDir returns the names in dir.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestSinkStdout(t *testing.T) {
	var b bytes.Buffer
	s, err := OpenSink(&b, "", UTF8)
	if err != nil {
		t.Fatal(err)
	}
	s.Write([]byte("héllo"))
	if err := s.Commit(); err != nil || b.String() != "héllo" {
		t.Fatalf("stdout = %q, %v", b.String(), err)
	}
	s.Abort() // harmless after Commit

	b.Reset()
	s, _ = OpenSink(&b, "", UTF16LE)
	s.Write([]byte("h\xc3")) // a character split across writes
	s.Write([]byte("\xa9"))
	if err := s.Commit(); err != nil || b.String() != "\xff\xfeh\x00\xe9\x00" {
		t.Fatalf("utf16le stdout = %q, %v", b.String(), err)
	}
}

func TestSinkFileCommit(t *testing.T) {
	for _, e := range []Encoding{UTF8, UTF8BOM, UTF16LE} {
		t.Run(string(e), func(t *testing.T) {
			dir := t.TempDir()
			dest := filepath.Join(dir, "out.csv")
			if err := os.WriteFile(dest, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
			var stdout bytes.Buffer
			s, err := OpenSink(&stdout, dest, e)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Write([]byte("new")); err != nil {
				t.Fatal(err)
			}
			// Until Commit the destination is untouched; the temp file is beside it.
			if got, _ := os.ReadFile(dest); string(got) != "old" {
				t.Fatalf("destination changed before Commit: %q", got)
			}
			if n := len(listDir(t, dir)); n != 2 {
				t.Fatalf("%d entries before Commit, want destination + temp", n)
			}
			if err := s.Commit(); err != nil {
				t.Fatal(err)
			}
			want := map[Encoding]string{UTF8: "new", UTF8BOM: "\xef\xbb\xbfnew", UTF16LE: "\xff\xfen\x00e\x00w\x00"}[e]
			if got, _ := os.ReadFile(dest); string(got) != want {
				t.Errorf("destination = %q, want %q", got, want)
			}
			if names := listDir(t, dir); len(names) != 1 || names[0] != "out.csv" {
				t.Errorf("folder holds %q, want only out.csv", names)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout got %q", stdout.String())
			}
		})
	}
}

func TestSinkRelativePath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	s, err := OpenSink(nil, "rel.json", UTF8)
	if err != nil {
		t.Fatal(err)
	}
	s.Write([]byte("[]\n"))
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "rel.json")); err != nil || string(got) != "[]\n" {
		t.Fatalf("rel.json = %q, %v", got, err)
	}
}

func TestSinkFileAbort(t *testing.T) {
	for _, existing := range []bool{true, false} {
		dir := t.TempDir()
		dest := filepath.Join(dir, "out.json")
		if existing {
			os.WriteFile(dest, []byte("keep"), 0o644)
		}
		s, err := OpenSink(nil, dest, UTF16LE)
		if err != nil {
			t.Fatal(err)
		}
		s.Write([]byte("partial"))
		s.Abort()
		s.Abort() // twice is harmless
		names := listDir(t, dir)
		if existing {
			if got, _ := os.ReadFile(dest); string(got) != "keep" || len(names) != 1 {
				t.Errorf("after Abort: destination %q, folder %q", got, names)
			}
		} else if len(names) != 0 {
			t.Errorf("after Abort: folder holds %q", names)
		}
	}
}

// TestSinkFolder: --out naming a folder fails at once (before, only the
// rename at the end failed, after all the work), and changes nothing.
func TestSinkFolder(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(dir, "out.csv")
	if err := os.Mkdir(dest, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := OpenSink(nil, dest, UTF8)
	if err == nil || err.Error() != "cannot write "+dest+": it is a folder" {
		t.Fatalf("err = %v", err)
	}
	if names := listDir(t, dir); len(names) != 1 || names[0] != "out.csv" {
		t.Errorf("folder holds %q", names)
	}
}

// TestSinkCommitFails: when the rename cannot happen (a folder took the
// name meanwhile) the destination is untouched and no temp file is left.
func TestSinkCommitFails(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(dir, "out.csv")
	s, err := OpenSink(nil, dest, UTF8)
	if err != nil {
		t.Fatal(err)
	}
	s.Write([]byte("data"))
	if err := os.Mkdir(dest, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dest, "inside"), []byte("x"), 0o644)
	err = s.Commit()
	if err == nil || !strings.Contains(err.Error(), "cannot write "+dest) {
		t.Fatalf("Commit err = %v", err)
	}
	if names := listDir(t, dir); len(names) != 1 || names[0] != "out.csv" {
		t.Errorf("folder holds %q", names)
	}
	if st, err := os.Stat(dest); err != nil || !st.IsDir() {
		t.Errorf("destination changed: %v", err)
	}
	s.Abort()
}

// TestSinkOpenFails: --out in a folder that does not exist fails at once,
// with a message that names the missing folder (once), and creates
// nothing.
func TestSinkOpenFails(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ dest, why string }{
		{filepath.Join(dir, "missing", "out.csv"), "folder " + filepath.Join(dir, "missing") + " does not exist"},
		{filepath.Join(dir, "a", "b", "out.csv"), "folder " + filepath.Join(dir, "a", "b") + " does not exist"},
		{filepath.Join(file, "out.csv"), file + " is not a folder"},
		{filepath.Join(file, "sub", "out.csv"), file + " is not a folder"},
	} {
		_, err := OpenSink(nil, c.dest, UTF8)
		if want := "cannot write " + c.dest + ": " + c.why; err == nil || err.Error() != want {
			t.Errorf("err = %v\nwant %s", err, want)
		}
	}
	if names := listDir(t, dir); len(names) != 1 || names[0] != "notes.txt" {
		t.Errorf("folder holds %q", names)
	}
}
