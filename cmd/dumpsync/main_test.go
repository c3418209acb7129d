package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dumpsync/dumpsync/internal/record"
)

var testNow = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// runCLI runs dumpsync with args as main would, with buffers for streams.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runStdin(t, nil, args...)
}

// confined gives an apply without --within one: the temporary folder every
// test's files are made in. Tests of apply's own --within checks pass their
// own (or call run directly, as TestApplyRequiresWithin does).
func confined(args []string) []string {
	if len(args) == 0 || args[0] != "apply" {
		return args
	}
	for _, a := range args {
		if a == "--within" || strings.HasPrefix(a, "--within=") {
			return args
		}
	}
	return append(args[:len(args):len(args)], "--within", os.TempDir())
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
