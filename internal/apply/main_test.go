package apply

import (
	"fmt"
	"os"
	"runtime"
	"testing"

	"github.com/dumpsync/dumpsync/internal/hugepages"
)

// TestMain runs every test with every buffer that Plan frees in memory of
// its own (hugepages.MapAll: on Linux), so that a buffer used after it is
// freed faults instead of reading the next folder's values; and fails if a
// mapping is left when the tests end: every run frees what it took.
func TestMain(m *testing.M) {
	restore := hugepages.MapAll()
	code := m.Run()
	restore()
	if n := hugepages.Live(); n > 0 && code == 0 {
		fmt.Fprintf(os.Stderr, "FAIL: %d buffers of hugepages.Make not freed after the tests\n", n)
		code = 1
	}
	os.Exit(code)
}

// TestFolderBuffersFreed: the buffers of a run of several folders are
// mapped memory (under MapAll, on Linux) kept from folder to folder, and
// all freed when Run returns.
func TestFolderBuffersFreed(t *testing.T) {
	_, rows := overlapSite(t, 3)
	before := hugepages.Live()
	var during []int
	opt := Options{Now: agreeNow, Progress: func(int) { during = append(during, hugepages.Live()-before) }}
	sum, err := Run(rows, opt, func(*Result) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if sum.Applied != len(rows) || sum.Attention() {
		t.Fatalf("summary %+v, want all %d rows Applied", sum, len(rows))
	}
	if len(during) != 3 {
		t.Fatalf("progress told %d times, want once per folder (3)", len(during))
	}
	for i, n := range during {
		if runtime.GOOS == "linux" && n < 1 {
			t.Errorf("after folder %d: %d buffers mapped, want its spare buffers", i, n)
		}
	}
	if n := hugepages.Live() - before; n != 0 {
		t.Errorf("%d buffers still mapped after Run, want 0", n)
	}
}
