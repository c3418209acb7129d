package atomicfile

import (
	"io"
	"os"
	"testing"
)

// TestEarlySyncKeepsBackgroundError: a background sync that fails (fsync
// of a pipe: EINVAL) is reported by Wait, Sync and Close, even though
// later writes succeed: a failed sync may leave pages marked clean that
// never reached the disk.
func TestEarlySyncKeepsBackgroundError(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go io.Copy(io.Discard, r)
	es := NewEarlySync(w)
	chunk := make([]byte, 1<<20)
	for range EarlySyncEvery/len(chunk) + 2 {
		if _, err := es.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if es.busy == nil {
		t.Fatal("no background sync started")
	}
	if err := es.Wait(); err == nil {
		t.Fatal("Wait: nil, want the background sync's error")
	}
	if err := es.Sync(); err == nil {
		t.Fatal("Sync: nil, want the background sync's error")
	}
	if err := es.Close(); err == nil {
		t.Fatal("Close: nil, want the background sync's error")
	}
}
