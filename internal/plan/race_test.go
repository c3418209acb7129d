package plan

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestWarnCalledOneAtATime: folders are planned concurrently, but Warn (the
// caller's code, typically a write to stderr) is never called from two
// goroutines at once. The Warn here keeps no lock of its own; run with
// -race, a concurrent call is a reported data race, and the count is wrong.
func TestWarnCalledOneAtATime(t *testing.T) {
	root := t.TempDir()
	const folders = 32
	var domains []string
	for i := range folders {
		dom := filepath.Join(root, fmt.Sprintf("Domain.%03d", i))
		writeDomain(t, dom, nil)
		// Each folder warns: its Resync.cfg ends in a partial record.
		if err := os.WriteFile(filepath.Join(dom, "Resync.cfg"), []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
		domains = append(domains, dom)
	}
	var warnings []string // no lock: Planner must serialise the calls
	p := &Planner{Opt: Options{Days: 90, Now: now, Parallel: 8},
		Warn: func(err error) { warnings = append(warnings, err.Error()) }}
	if _, err := p.Run(domains, nil, func(*Row) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if len(warnings) != folders {
		t.Errorf("%d warnings, want %d:\n%q", len(warnings), folders, warnings)
	}
}
