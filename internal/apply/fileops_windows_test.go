//go:build windows

package apply

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/windows"
)

var crossDevice = windows.ERROR_NOT_SAME_DEVICE

// TestReadAllWaitsForASharingViolation: reading a .cfg for its hash waits
// while another process holds it without sharing (before, the first
// sharing violation failed the row), and gives up after the wait.
func TestReadAllWaitsForASharingViolation(t *testing.T) {
	p := filepath.Join(t.TempDir(), "ABC00001.cfg")
	os.WriteFile(p, []byte("cfg"), 0o644)
	name, _ := windows.UTF16PtrFromString(p)
	h, err := windows.CreateFile(name, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil, windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(p, 200*time.Millisecond); !errors.Is(err, windows.ERROR_SHARING_VIOLATION) || !strings.Contains(err.Error(), "still locked") {
		windows.CloseHandle(h)
		t.Fatalf("held past the wait: err = %v", err)
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		windows.CloseHandle(h)
	}()
	got, err := readAll(p, 5*time.Second)
	if err != nil || string(got) != "cfg" {
		t.Fatalf("readAll = %q, %v", got, err)
	}
}
