// Package golden compares test output with golden files, which a test run
// with -update rewrites instead (never edit them by hand). It is for tests
// only; each test package declares its own -update flag and passes it in.
package golden

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Check compares got with the file at path, or writes got there when update
// is set (creating the folder).
func Check(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it if intended)\n%s", path, firstDiff(got, want))
	}
}

// firstDiff describes where got and want part: the whole of both when they
// are short, else their first differing line.
func firstDiff(got, want []byte) string {
	if len(got)+len(want) < 4096 {
		return "got:\n" + string(got) + "\nwant:\n" + string(want)
	}
	gl, wl := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
	i := 0
	for i < len(gl) && i < len(wl) && bytes.Equal(gl[i], wl[i]) {
		i++
	}
	line := func(l [][]byte) []byte {
		if i < len(l) {
			return l[i]
		}
		return nil
	}
	return fmt.Sprintf("first difference at line %d (%d lines, want %d):\n got: %q\nwant: %q", i+1, len(gl), len(wl), line(gl), line(wl))
}
