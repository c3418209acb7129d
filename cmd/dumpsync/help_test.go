package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHelpGolden pins the --help text of each command
// (testdata/golden/help/*.txt; go test -update rewrites them).
func TestHelpGolden(t *testing.T) {
	t.Setenv("COLUMNS", "80") // kong wraps to the terminal width
	for name, args := range map[string][]string{
		"dumpsync": {"--help"},
		"dump":     {"dump", "--help"},
		"legacy":   {"90", "--help"},
		"stats":    {"stats", "--help"},
	} {
		t.Run(name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(args, &Streams{Out: &out, Err: &errb}, time.Now)
			if code != 0 || errb.Len() != 0 {
				t.Fatalf("exit %d, stderr %q", code, errb.String())
			}
			p := filepath.Join("..", "..", "testdata", "golden", "help", name+".txt")
			if *update {
				if err := os.WriteFile(p, out.Bytes(), 0o666); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(p)
			if err != nil {
				t.Fatalf("%v (go test -update creates it)", err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("%s --help differs from %s (go test -update if intended):\n%s", name, p, out.String())
			}
			if !strings.Contains(out.String(), "Examples:") {
				t.Errorf("%s --help has no examples", name)
			}
		})
	}
}
