//go:build windows

package resyncedit

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/windows"
)

// lockExclusively opens p with no sharing at all, as a process that locks the
// file does.
func lockExclusively(t *testing.T, p string) windows.Handle {
	t.Helper()
	name, _ := windows.UTF16PtrFromString(p)
	h, err := windows.CreateFile(name, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil, windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestFileInUse(t *testing.T) {
	data := recs("A", "B", "C")
	p := writeFile(t, data)
	h := lockExclusively(t, p)
	opts := fastOpts()
	opts.InUseWait = 300 * time.Millisecond
	start := time.Now()
	_, err := Edit(Request{Path: p, Guard: GuardOf(data), Ops: removeOps(data, 1)}, opts)
	if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "in use by another process") {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Fatalf("gave up after %v", d)
	}
	windows.CloseHandle(h)
	if !bytes.Equal(readFile(t, p), data) {
		t.Fatal("file changed")
	}
	assertOnlyFile(t, p)

	// Released while the edit retries: it goes through.
	h = lockExclusively(t, p)
	go func() { time.Sleep(200 * time.Millisecond); windows.CloseHandle(h) }()
	opts.InUseWait = 3 * time.Second
	out, err := Edit(Request{Path: p, Guard: GuardOf(data), Ops: removeOps(data, 1)}, opts)
	if err != nil || !out.Rewritten {
		t.Fatal(out, err)
	}
	assertOnlyFile(t, p)
}

// A reader or writer holding the file open (sharing read and write, as Go
// and most programs do) blocks the rename; the edit retries it.
func TestRenameBlockedByOpenHandle(t *testing.T) {
	data := recs("A", "B", "C")
	p := writeFile(t, data)
	name, _ := windows.UTF16PtrFromString(p)
	h, err := windows.CreateFile(name, windows.GENERIC_READ, windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE, nil, windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		t.Fatal(err)
	}
	go func() { time.Sleep(300 * time.Millisecond); windows.CloseHandle(h) }()
	start := time.Now()
	out, err := Edit(Request{Path: p, Guard: GuardOf(data), Ops: removeOps(data, 1)}, fastOpts())
	if err != nil || !out.Rewritten {
		t.Fatal(out, err)
	}
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Errorf("the rename did not wait for the handle (%v)", d)
	}
	want := append(append([]byte{}, data[:48]...), data[96:]...)
	if !bytes.Equal(readFile(t, p), want) {
		t.Fatal("content")
	}
	assertOnlyFile(t, p)
}

// openAppendShared opens p for appending with FILE_SHARE_DELETE, as a
// writer that does not stop a rename over the file: its records go to the
// replaced file, as on Unix.
func openAppendShared(p string) (*os.File, error) {
	name, _ := windows.UTF16PtrFromString(p)
	h, err := windows.CreateFile(name, windows.FILE_APPEND_DATA|windows.SYNCHRONIZE,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil, windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(h), p), nil
}

// simulatedCrashLeaksHandles: a simulated crash (a panic) leaves the edit's
// handles open, and Windows removes no file that a handle without
// FILE_SHARE_DELETE holds; a real kill closes them (TestKillAfterRename).
const simulatedCrashLeaksHandles = true
