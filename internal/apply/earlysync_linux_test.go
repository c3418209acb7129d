package apply

import (
	"io"
	"os"
	"testing"
)

// TestEarlySyncKeepsBackgroundError: a background sync that fails (fsync
// of a pipe: EINVAL) is reported by wait, even though later writes
// succeed: a failed sync may leave pages marked clean that never reached
// the disk.
func TestEarlySyncKeepsBackgroundError(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go io.Copy(io.Discard, r)
	es := &earlySync{f: w}
	chunk := make([]byte, 1<<20)
	for range earlySyncEvery/len(chunk) + 2 {
		if _, err := es.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if es.busy == nil {
		t.Fatal("no background sync started")
	}
	if err := es.wait(); err == nil {
		t.Fatal("wait: nil, want the background sync's error")
	}
	w.Close()
}
