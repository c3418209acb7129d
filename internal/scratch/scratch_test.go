package scratch

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

// TestReadWriteClose: a scratch file reads back what was written where it
// was written, is named by the pattern (listed while open on Windows only)
// and is gone once closed.
func TestReadWriteClose(t *testing.T) {
	dir := t.TempDir()
	f, err := Create(dir, "dumpsync-test-*.tmp")
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Base(f.Name())
	if filepath.Dir(f.Name()) != dir || !strings.HasPrefix(base, "dumpsync-test-") || !strings.HasSuffix(base, ".tmp") || len(base) <= len("dumpsync-test-.tmp") {
		t.Errorf("name %q: not dir/dumpsync-test-*.tmp", f.Name())
	}
	listed := entries(t, dir)
	if want := runtime.GOOS == "windows"; want != (len(listed) == 1 && listed[0] == base) {
		t.Errorf("while open, %s holds %q", dir, listed)
	}
	if _, err := f.WriteAt([]byte("0123456789"), 100); err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(200); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 10)
	if _, err := f.ReadAt(b, 100); err != nil || string(b) != "0123456789" {
		t.Errorf("ReadAt: %q, %v", b, err)
	}
	if st, err := f.Stat(); err != nil || st.Size() != 200 {
		t.Errorf("Stat: %v, %v", st, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if left := entries(t, dir); len(left) != 0 {
		t.Errorf("left after Close: %q", left)
	}
}

// TestNamesDiffer: files made at once by one pattern get names of their own.
func TestNamesDiffer(t *testing.T) {
	dir := t.TempDir()
	seen := map[string]bool{}
	for range 50 {
		f, err := Create(dir, "x-*")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if seen[f.Name()] {
			t.Fatalf("%s made twice", f.Name())
		}
		seen[f.Name()] = true
	}
}

// TestGoneWhenTheProcessDies: a process that ends without closing its
// scratch file (a crash, a kill, a second Ctrl-C) leaves nothing behind.
func TestGoneWhenTheProcessDies(t *testing.T) {
	if dir := os.Getenv("SCRATCH_TEST_DIE_IN"); dir != "" {
		f, err := Create(dir, "dumpsync-plan-*.tmp")
		if err != nil {
			fmt.Println(err)
			os.Exit(2)
		}
		if _, err := f.Write(make([]byte, 1<<20)); err != nil {
			fmt.Println(err)
			os.Exit(2)
		}
		fmt.Println(len(entries(t, dir))) // what is listed while it is open
		os.Exit(3)                        // no Close
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestGoneWhenTheProcessDies$")
	cmd.Env = append(os.Environ(), "SCRATCH_TEST_DIE_IN="+dir)
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
		t.Fatalf("child: %v: %s", err, out)
	}
	want := "0"
	if runtime.GOOS == "windows" {
		want = "1"
	}
	if got := strings.TrimSpace(string(out)); got != want {
		t.Errorf("the child saw %s files while its scratch file was open, want %s", got, want)
	}
	if left := entries(t, dir); len(left) != 0 {
		t.Errorf("left after the process died: %q", left)
	}
}
