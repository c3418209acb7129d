package resyncedit

import (
	"os"
	"time"

	"github.com/dumpsync/dumpsync/internal/record"
)

// settle calls measure until the size it returns is a multiple of
// record.Size, sleeping along waits between the calls: a size that ends in a
// partial record usually means a writer is in the middle of appending one
// (ext4 even shows a 4 KiB page boundary for an instant). It returns the last
// size, still partial when the waits ran out, and how long it slept.
func settle(waits []time.Duration, measure func() (int64, error)) (int64, time.Duration, error) {
	var waited time.Duration
	for i := 0; ; i++ {
		n, err := measure()
		if err != nil || n%record.Size == 0 || i >= len(waits) {
			return n, waited, err
		}
		time.Sleep(waits[i])
		waited += waits[i]
	}
}

// WholeSize returns the size of the open Resync.cfg f at path once it is a
// multiple of record.Size, re-checking along opts.PartialWaits exactly as an
// edit re-reads the file before it decides. A file that still ends in a
// partial record after the waits gives a *PartialError. Callers that judge
// the file without rewriting it (apply's check beside a .cfg file) read its
// first WholeSize bytes.
func WholeSize(f *os.File, path string, opts Options) (int64, error) {
	opts = opts.withDefaults()
	n, waited, err := settle(opts.PartialWaits, func() (int64, error) {
		st, err := f.Stat()
		if err != nil {
			return 0, err
		}
		return st.Size(), nil
	})
	if err != nil {
		return 0, err
	}
	if n%record.Size != 0 {
		return n, &PartialError{Path: path, Size: n, Offset: n - n%record.Size, Waited: waited}
	}
	return n, nil
}
