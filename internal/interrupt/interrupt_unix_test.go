//go:build !windows

package interrupt

import (
	"bytes"
	"os"
	"syscall"
	"testing"
	"time"
)

// TestNotify: SIGINT and SIGTERM close the channel instead of killing the
// process; after stop, the default handling is back (not tested: it would
// kill the test).
func TestNotify(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			var stderr bytes.Buffer
			ch, stop := Notify(&stderr)
			defer stop()
			if Requested(ch) {
				t.Fatal("requested before any signal")
			}
			if err := syscall.Kill(os.Getpid(), sig); err != nil {
				t.Fatal(err)
			}
			select {
			case <-ch:
			case <-time.After(5 * time.Second):
				t.Fatalf("%v did not close the channel", sig)
			}
			if !Requested(ch) || stderr.Len() != 0 {
				t.Errorf("Requested = %v, stderr %q", Requested(ch), stderr.String())
			}
		})
	}
}
