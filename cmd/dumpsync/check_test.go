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
		{"Resync.cfg is a folder, another file readable", []string{odd, partial}, 1, 1, "not a regular file"},
		{"the only file cannot be read", []string{odd}, 2, 0, "not a regular file"},
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

func TestCheckPlan(t *testing.T) {
	dir := t.TempDir()
	dom := writeDomain(t, filepath.Join(dir, "Domain.000"), []record.Entry{
		record.Make("A1", ago(100), nil), record.Make("A2", ago(200), nil), record.Make("A3", ago(1), nil),
	}, nil, "A1.cfg", "A2.cfg", "A3.cfg")
	planFile := filepath.Join(t.TempDir(), "plan.csv")
	if code, _, errs := runCLI(t, "plan", "--days", "90", dom, "--out", planFile); code != 0 {
		t.Fatalf("plan: exit %d: %s", code, errs)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"Action":"Frobnicate","Path":"/x"}`), 0o644)
	garbage := filepath.Join(t.TempDir(), "garbage.json")
	os.WriteFile(garbage, []byte(`[{"Action":"RemoveEntry",}]`), 0o644)
	tests := []struct {
		name  string
		args  []string
		code  int
		codes string // the finding codes, in order
	}{
		{"clean", []string{"--plan", planFile, "--allow-root", dir, "--max-remove", "2", "--max-delete", "2", "--verify"}, 0, ""},
		{"outside root", []string{"--plan", planFile, "--allow-root", filepath.Join(dir, "elsewhere")}, 1, "OutsideRoot OutsideRoot OutsideRoot OutsideRoot"},
		{"blast radius", []string{"--plan", planFile, "--max-remove", "1", "--max-delete", "1"}, 1, "TooManyRemovals TooManyDeletions"},
		{"invalid row", []string{"--plan", bad}, 1, "InvalidRow"},
		{"unreadable plan", []string{"--plan", garbage}, 2, ""},
		{"missing plan", []string{"--plan", filepath.Join(dir, "nope.json")}, 2, ""},
		{"plan flags without --plan", []string{"--verify", dom}, 2, ""},
		{"PATH with --plan", []string{"--plan", planFile, dom}, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLI(t, append([]string{"check", "-f", "csv"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tt.code, errs)
			}
			var codes []string
			for _, line := range strings.Split(strings.TrimSpace(out), "\r\n")[1:] {
				codes = append(codes, strings.Split(line, ",")[1])
			}
			if got := strings.Join(codes, " "); got != tt.codes {
				t.Errorf("codes %q, want %q\n%s", got, tt.codes, out)
			}
		})
	}
	// After the file changes, --verify reports the rows apply would skip.
	os.WriteFile(filepath.Join(dom, "Invencfg.box", "A1.cfg"), []byte("changed"), 0o644)
	code, out, _ := runCLI(t, "check", "-f", "jsonl", "--plan", planFile, "--verify")
	if code != 0 || strings.Count(out, `"StaleRow"`) != 1 || !strings.Contains(out, "file changed since the plan") {
		t.Errorf("--verify after a change: exit %d\n%s", code, out)
	}
}

// A plan cut short (no closing ]) is refused by apply and check alike, and
// nothing changes; only an undo file may be cut short.
func TestCutShortPlanIsRefused(t *testing.T) {
	dir := t.TempDir()
	dom := writeDomain(t, filepath.Join(dir, "Domain.000"), []record.Entry{
		record.Make("A1", ago(100), nil), record.Make("A2", ago(200), nil),
	}, nil, "A1.cfg", "A2.cfg")
	planFile := filepath.Join(t.TempDir(), "plan.json")
	if code, _, errs := runCLI(t, "plan", "--days", "90", dom, "--out", planFile); code != 0 {
		t.Fatalf("plan: exit %d: %s", code, errs)
	}
	full, _ := os.ReadFile(planFile)
	before, _ := os.ReadFile(filepath.Join(dom, "Resync.cfg"))
	lines := strings.SplitAfter(string(full), "\n")
	cuts := map[string]string{
		"after two rows": strings.Join(lines[:3], ""),
		"inside a row":   `[{"Action":"RemoveEntry"`,
	}
	for name, text := range cuts {
		cut := filepath.Join(t.TempDir(), "cut.json")
		os.WriteFile(cut, []byte(text), 0o644)
		for _, args := range [][]string{{"apply", cut, "--no-undo"}, {"check", "--plan", cut}} {
			code, out, errs := runCLI(t, args...)
			if code != 2 || out != "" || !strings.Contains(errs, "cut short") {
				t.Errorf("%s: %v: exit %d, stdout %q, stderr %q", name, args[0], code, out, errs)
			}
		}
	}
	if after, _ := os.ReadFile(filepath.Join(dom, "Resync.cfg")); string(after) != string(before) {
		t.Error("a cut-short plan changed Resync.cfg")
	}
}
