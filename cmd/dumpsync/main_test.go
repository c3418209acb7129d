package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dumpsync/dumpsync/internal/record"
)

var testNow = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// runCLI runs dumpsync with args as main would, with buffers for streams.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	s := &Streams{In: bytes.NewReader(nil), Out: &out, Err: &errb}
	code = run(args, s, func() time.Time { return testNow })
	return code, out.String(), errb.String()
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
