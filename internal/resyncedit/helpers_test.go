package resyncedit

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/dumpsync/dumpsync/internal/atomicfile"
	"github.com/dumpsync/dumpsync/internal/record"
)

// TestMain lets the test binary act as a helper process (see helperMain).
func TestMain(m *testing.M) {
	if h := os.Getenv("RESYNCEDIT_HELPER"); h != "" {
		os.Exit(helperMain(h))
	}
	os.Exit(m.Run())
}

func rec(id string, t uint32) [record.Size]byte {
	return record.Make(id, t, []byte(id)).Raw
}

func recs(ids ...string) []byte {
	var b []byte
	for i, id := range ids {
		r := rec(id, uint32(1000+i))
		b = append(b, r[:]...)
	}
	return b
}

func at(data []byte, i int) [record.Size]byte {
	var r [record.Size]byte
	copy(r[:], data[i*record.Size:])
	return r
}

// fastOpts keeps the waits of tests short.
func fastOpts() Options {
	return Options{
		LockWait:     2 * time.Second,
		InUseWait:    2 * time.Second,
		PartialWaits: []time.Duration{5 * time.Millisecond, 10 * time.Millisecond},
		Grace:        time.Millisecond,
	}
}

func writeFile(t testing.TB, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "Resync.cfg")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func readFile(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// assertOnlyFile checks that nothing of ours is left beside p.
func assertOnlyFile(t testing.TB, p string) {
	t.Helper()
	es, err := os.ReadDir(filepath.Dir(p))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if len(names) != 1 || names[0] != filepath.Base(p) {
		t.Fatalf("folder holds %v, want only %s", names, filepath.Base(p))
	}
}

// changedOnCreateTemp returns opts whose CreateTemp first writes rec over
// the record at offset off of p: another program changing the file (not
// by appending) while an edit reads it.
func changedOnCreateTemp(opts Options, p string, off int64, rec [record.Size]byte) Options {
	opts.Ops.CreateTemp = func(dir, pattern string, perm os.FileMode) (atomicfile.File, error) {
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if _, err := f.WriteAt(rec[:], off); err != nil {
			return nil, err
		}
		return atomicfile.OSCreateTemp(dir, pattern, perm)
	}
	return opts
}

func removeOps(data []byte, idx ...int) []Op {
	var ops []Op
	for _, i := range idx {
		ops = append(ops, Op{ID: i, Kind: Remove, Offset: int64(i * record.Size), Record: at(data, i)})
	}
	return ops
}

func statuses(rs Results) string {
	var b bytes.Buffer
	for _, r := range rs.Slice() {
		fmt.Fprintf(&b, "%d:%v ", r.ID, r.Status)
	}
	return b.String()
}
