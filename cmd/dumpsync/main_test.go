package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dumpsync/dumpsync/internal/apply"
	"github.com/dumpsync/dumpsync/internal/planread"
	"github.com/dumpsync/dumpsync/internal/record"
)

var testNow = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// runCLI runs dumpsync with args as main would, with buffers for streams.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runStdin(t, nil, args...)
}

// confined gives an apply without --within one for each folder its plan
// (the file argument, or stdin for -) changes: the narrowest --within that
// accepts it. Tests of apply's own --within checks pass their own (or call
// run directly, as TestApplyRequiresWithin does).
func confined(args []string, stdin []byte) []string {
	if len(args) < 2 || args[0] != "apply" {
		return args
	}
	for _, a := range args {
		if a == "--within" || strings.HasPrefix(a, "--within=") {
			return args
		}
	}
	plan := ""
	for i := 1; i < len(args) && plan == ""; i++ {
		switch a := args[i]; {
		case a == "-" || !strings.HasPrefix(a, "-"):
			plan = a
		case a == "-f" || a == "--undo" || a == "--backup-dir" || a == "--out" || a == "--encoding" || a == "--now":
			i++
		}
	}
	in := stdin
	if plan != "-" {
		b, err := os.ReadFile(plan)
		if err != nil {
			return args
		}
		in = b
	}
	p, err := planread.Read(bytes.NewReader(in), "plan")
	if err != nil {
		return args
	}
	out := args[:len(args):len(args)]
	seen := map[string]bool{}
	for i := range p.Rows {
		if f := apply.Folder(&p.Rows[i]); f != "" && f != "." && !seen[f] {
			seen[f] = true
			out = append(out, "--within", f)
		}
	}
	if len(seen) == 0 {
		// Not the temporary folder itself: apply keeps its temporary files
		// there, and refuses one inside a --within folder.
		out = append(out, "--within", filepath.Join(os.TempDir(), "no-rows"))
	}
	return out
}

// ago is a request time d days before testNow.
func ago(d int64) uint32 { return uint32(testNow.Unix() - d*86400) }

// writeDomain makes a domain folder: Resync.cfg of recs then tail, and an
// Invencfg.box holding cfgs (none when cfgs is nil).
func writeDomain(t *testing.T, dir string, recs []record.Entry, tail []byte, cfgs ...string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var b []byte
	for _, r := range recs {
		b = append(b, r.Raw[:]...)
	}
	if err := os.WriteFile(filepath.Join(dir, "Resync.cfg"), append(b, tail...), 0o644); err != nil {
		t.Fatal(err)
	}
	if cfgs != nil {
		if err := os.MkdirAll(filepath.Join(dir, "Invencfg.box"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range cfgs {
		if err := os.WriteFile(filepath.Join(dir, "Invencfg.box", c), []byte("cfg "+c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
