package atomicfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// countingFile counts Syncs and can fail them.
type countingFile struct {
	File
	syncs atomic.Int32
	fail  error
}

func (f *countingFile) Sync() error {
	f.syncs.Add(1)
	if f.fail != nil {
		return f.fail
	}
	return f.File.Sync()
}

// TestEarlySync: a file written through EarlySync holds exactly what was
// written; syncs start in the background only once EarlySyncEvery bytes
// are written (a small file gets none), and Sync and Close wait for them.
func TestEarlySync(t *testing.T) {
	for _, c := range []struct {
		name      string
		size      int
		minSyncs  int32 // background ones, before the final Sync
		failEarly bool
	}{
		{"small", 4096, 0, false},
		{"just below", EarlySyncEvery - 1, 0, false},
		{"large", 3*EarlySyncEvery + 100, 1, false},
		{"large, sync fails", 2*EarlySyncEvery + 100, 1, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := os.Create(filepath.Join(t.TempDir(), "f"))
			if err != nil {
				t.Fatal(err)
			}
			cf := &countingFile{File: f}
			if c.failEarly {
				cf.fail = errors.New("disk on fire")
			}
			es := NewEarlySync(cf)
			data := bytes.Repeat([]byte("0123456789abcdef"), c.size/16+1)[:c.size]
			for rest := data; len(rest) > 0; {
				n := min(len(rest), 1<<20+7)
				if _, err := es.Write(rest[:n]); err != nil {
					t.Fatal(err)
				}
				rest = rest[n:]
			}
			if err := es.Wait(); c.failEarly != (err != nil) {
				t.Fatalf("Wait: %v", err)
			}
			if got := cf.syncs.Load(); got < c.minSyncs || c.minSyncs == 0 && got != 0 {
				t.Fatalf("%d background syncs, want at least %d (none for a small file)", got, c.minSyncs)
			}
			err = es.Sync()
			if c.failEarly != (err != nil) || c.failEarly && !errors.Is(err, cf.fail) {
				t.Fatalf("Sync: %v", err)
			}
			if err := es.Close(); c.failEarly != (err != nil) {
				t.Fatalf("Close: %v", err)
			}
			got, err := os.ReadFile(f.Name())
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("file holds %d bytes (%v), want the %d written", len(got), err, len(data))
			}
		})
	}
}

// TestCreateTempSyncsEarly: the temporary files of replacements (a new
// Resync.cfg, --out files) are EarlySync files.
func TestCreateTempSyncsEarly(t *testing.T) {
	f, err := CreateTemp(Ops{}, filepath.Join(t.TempDir(), "Resync.cfg"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, ok := f.(*EarlySync); !ok {
		t.Fatalf("CreateTemp gave a %T, want an *EarlySync", f)
	}
}
