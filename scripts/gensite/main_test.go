package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dumpsync/dumpsync/internal/sample"
)

func runArgs(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// TestSampleFlags checks that gensample.sh's flags give DefaultConfig(1,
// DefaultNow), the configuration TestBundledSample checks testdata/sample
// against.
func TestSampleFlags(t *testing.T) {
	dir := t.TempDir()
	got := filepath.Join(dir, "got")
	code, out, errOut := runArgs(t, "-out", got, "-seed", "1", "-now", "2026-11-01T00:00:00Z",
		"-domains", "2", "-entries", "120", "-clients", "40", "-logons", "3")
	if code != 0 || errOut != "" || !strings.Contains(out, "2 domains, 3 logon servers") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	want := filepath.Join(dir, "want")
	if _, err := sample.Generate(want, sample.DefaultConfig(1, sample.DefaultNow)); err != nil {
		t.Fatal(err)
	}
	if a, b := snapshot(t, got), snapshot(t, want); a != b {
		t.Errorf("gensite's tree differs from DefaultConfig's")
	}
}

// snapshot lists every file with its time and content.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		b.WriteString(rel + " " + info.ModTime().String() + " " + string(data) + "\n")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestNoneFlags(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	if code, _, errOut := runArgs(t, "-out", dir, "-logons", "0", "-entries", "0"); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "LOGON1")); !os.IsNotExist(err) {
		t.Errorf("-logons 0 made a logon server: %v", err)
	}
	info, err := os.Stat(filepath.Join(dir, "SMS", "Site.srv", "Maincfg.box", "Invdom.box", "Domain.000", "Resync.cfg"))
	if err != nil || info.Size() != 0 {
		t.Errorf("-entries 0: %v, %v", info, err)
	}
}

func TestResync(t *testing.T) {
	path := filepath.Join(t.TempDir(), "Resync.cfg")
	if code, _, errOut := runArgs(t, "-resync", path, "-n", "1000", "-seed", "3"); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	info, err := os.Stat(path)
	if err != nil || info.Size() != 48000 {
		t.Errorf("%v, %v; want 48000 bytes", info, err)
	}
}

func TestErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"-out", "a", "-resync", "b"},
		{"-out", "a", "extra"},
		{"-out", "a", "-now", "yesterday"},
		{"-out", "a", "-domains", "0"},
		{"-resync", filepath.Join(t.TempDir(), "no", "such", "dir", "x"), "-n", "1"},
		{"-nosuchflag"},
	} {
		code, _, errOut := runArgs(t, args...)
		if code != 2 || !strings.HasPrefix(errOut, "gensite: error: ") && !strings.Contains(errOut, "flag provided but not defined") {
			t.Errorf("%q: exit %d, stderr %q", args, code, errOut)
		}
	}
}
