package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dumpsync/dumpsync/internal/record"
)

func TestCheckExitCodes(t *testing.T) {
	dir := t.TempDir()
	clean := writeDomain(t, filepath.Join(dir, "clean"), []record.Entry{record.Make("A1", ago(10), nil)}, nil, "A1.cfg")
	info := writeDomain(t, filepath.Join(dir, "info"), []record.Entry{record.Make("A1", ago(10), nil)}, nil, "A1.cfg", "B1.cfg")
	warn := writeDomain(t, filepath.Join(dir, "warn"), []record.Entry{record.Make("A1", 0, nil)}, nil, "A1.cfg")
	partial := writeDomain(t, filepath.Join(dir, "partial"), []record.Entry{record.Make("A1", ago(10), nil)}, []byte{1}, "A1.cfg")
	old := writeDomain(t, filepath.Join(dir, "old"), []record.Entry{record.Make("A1", ago(100), nil)}, nil, "A1.cfg")
	odd := filepath.Join(dir, "odd")
	if err := os.MkdirAll(filepath.Join(odd, "Resync.cfg"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		args  []string
		code  int
		count int    // findings written (-1: no check)
		err   string // stderr must contain it
	}{
		{"clean", []string{clean}, 0, 0, ""},
		{"info only", []string{info}, 0, 1, ""},
		{"warning", []string{warn}, 0, 1, ""},
		{"warning, strict", []string{"--strict", warn}, 1, 1, ""},
		{"info, strict", []string{"--strict", info}, 0, 1, ""},
		{"partial record", []string{partial}, 1, 1, ""},
		{"file argument", []string{filepath.Join(partial, "Resync.cfg")}, 1, 1, ""},
		{"wildcard", []string{filepath.Join(dir, "*a*")}, 1, 2, ""},
		{"max-age-days at N", []string{"--max-age-days", "100", old}, 0, 0, ""},
		{"max-age-days over N", []string{"--max-age-days", "99", old}, 1, 1, ""},
		{"max-entries", []string{"--max-entries=0", clean}, 1, 1, ""},
		{"max-bytes at N", []string{"--max-bytes=48", clean}, 0, 0, ""},
		{"max-bytes over N", []string{"--max-bytes=47", clean}, 1, 1, ""},
		{"Resync.cfg is a folder", []string{odd, partial}, 2, 1, "not a regular file"},
		{"no such path", []string{filepath.Join(dir, "nope")}, 2, -1, "no such file or folder"},
		{"folder without Resync.cfg", []string{t.TempDir()}, 2, -1, "holds no Resync.cfg"},
		{"negative limit", []string{"--max-bytes=-1", clean}, 2, -1, "not a whole number"},
		{"bad --now", []string{"--now", "yesterday", clean}, 2, -1, "RFC 3339"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"check", "-f", "jsonl"}, tt.args...)
			code, out, errs := runCLI(t, args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tt.code, errs)
			}
			if tt.count >= 0 && strings.Count(out, "\n") != tt.count {
				t.Errorf("%d findings, want %d:\n%s", strings.Count(out, "\n"), tt.count, out)
			}
			if tt.count < 0 && out != "" {
				t.Errorf("a usage error wrote output: %s", out)
			}
			if !strings.Contains(errs, tt.err) {
				t.Errorf("stderr %q does not contain %q", errs, tt.err)
			}
		})
	}
}

func TestCheckHelp(t *testing.T) {
	code, out, _ := runCLI(t, "check", "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"Examples:", "--max-age-days", "--strict", "PartialRecord", "OrphanCfg", "TooLarge"} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}
