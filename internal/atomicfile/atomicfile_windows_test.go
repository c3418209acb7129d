//go:build windows

package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/windows"
)

var errCrossDevice = windows.ERROR_NOT_SAME_DEVICE

func TestDeviceName(t *testing.T) {
	cases := []struct {
		path, open string // open "": not a device
	}{
		{`NUL`, `\\.\NUL`},
		{`nul`, `\\.\NUL`},
		{`nul.txt`, `\\.\NUL`},
		{`C:\out\NUL.json`, `\\.\NUL`},
		{`C:\out\Nul .json`, `\\.\NUL`},
		{`C:\out\com1`, `\\.\COM1`},
		{`lpt3.csv`, `\\.\LPT3`},
		{`AUX`, `\\.\AUX`},
		{`prn`, `\\.\PRN`},
		{`CON`, `CONOUT$`},
		{`con.txt`, `CONOUT$`},
		{`\\.\NUL`, `\\.\NUL`},
		{`\\.\pipe\dumpsync`, `\\.\pipe\dumpsync`},
		{`//./COM2`, `//./COM2`},
		{`\\.\C:\out\x.json`, ``},
		{`\\.\UNC\server\share\x.json`, ``},
		{`C:\out\null.json`, ``},
		{`C:\out\console.json`, ``},
		{`C:\out\COM10`, ``},
		{`C:\NUL\x.json`, ``}, // a folder named NUL is another matter
		{`x.json`, ``},
	}
	for _, c := range cases {
		open, ok := deviceName(c.path)
		if ok != (c.open != "") || open != c.open {
			t.Errorf("deviceName(%q) = %q, %v; want %q", c.path, open, ok, c.open)
		}
	}
}

// TestCreateOutputNUL: --out NUL (any spelling) writes to the device and
// creates no file.
func TestCreateOutputNUL(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, p := range []string{`NUL`, `nul.txt`, `\\.\NUL`, filepath.Join(dir, "Nul.json")} {
		writeOut(t, p, "records")
	}
	if names := listDir(t, dir); len(names) != 0 {
		t.Errorf("folder holds %v", names)
	}
}

func writeOut(t *testing.T, p, s string) {
	t.Helper()
	pend, err := CreateOutput(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pend.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := pend.Commit(); err != nil {
		t.Fatal(err)
	}
}

func attributes(t *testing.T, p string) uint32 {
	t.Helper()
	name, _ := windows.UTF16PtrFromString(p)
	a, err := windows.GetFileAttributes(name)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func setAttrs(t *testing.T, p string, a uint32) {
	t.Helper()
	name, _ := windows.UTF16PtrFromString(p)
	if err := setAttributes(name, a); err != nil {
		t.Fatal(err)
	}
}

// TestReplaceKeepsAttributes: a replacement keeps the read-only, hidden,
// system and archive attributes of the file it replaces, and a read-only
// file can be replaced.
func TestReplaceKeepsAttributes(t *testing.T) {
	const mask = windows.FILE_ATTRIBUTE_READONLY | keptAttributes
	cases := []uint32{
		windows.FILE_ATTRIBUTE_READONLY,
		windows.FILE_ATTRIBUTE_READONLY | windows.FILE_ATTRIBUTE_ARCHIVE,
		windows.FILE_ATTRIBUTE_HIDDEN | windows.FILE_ATTRIBUTE_SYSTEM,
		windows.FILE_ATTRIBUTE_ARCHIVE,
		0,
	}
	for _, want := range cases {
		dir := t.TempDir()
		p := filepath.Join(dir, "Resync.cfg")
		os.WriteFile(p, []byte("old"), 0o644)
		setAttrs(t, p, want)
		before := attributes(t, p) & mask // Wine adds the archive bit
		if before&want != want {
			t.Skipf("this file system keeps attributes %#x of %#x", before, want)
		}
		if err := WriteFile(p, []byte("new"), Options{}); err != nil {
			t.Fatalf("attributes %#x: %v", want, err)
		}
		if got, _ := os.ReadFile(p); string(got) != "new" {
			t.Fatalf("attributes %#x: content %q", want, got)
		}
		if got := attributes(t, p) & mask; got != before {
			t.Errorf("attributes %#x became %#x", before, got)
		}
		setAttrs(t, p, 0) // so that the temporary folder can be removed
	}
}

// TestKeepSecurityDescriptor: a replacement keeps the old file's DACL
// (protected, granting what the old one granted).
func TestKeepSecurityDescriptor(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "Resync.cfg")
	os.WriteFile(p, []byte("old"), 0o644)
	// Full control for SYSTEM and Administrators, read and append for
	// Authenticated Users; not inherited.
	sd, err := windows.SecurityDescriptorFromString("D:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FRFW;;;AU)")
	if err != nil {
		t.Fatal(err)
	}
	dacl, _, _ := sd.DACL()
	if err := windows.SetNamedSecurityInfo(p, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil); err != nil {
		t.Skipf("cannot set a DACL here: %v", err)
	}
	before, err := windows.GetNamedSecurityInfo(p, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		t.Skipf("cannot read a DACL here: %v", err)
	}
	if before.String() != sd.String() {
		t.Skipf("the DACL set did not stick (%s): Wine makes DACLs up from Unix modes", before)
	}
	f, _ := os.Open(p)
	meta, err := MetadataOf(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("new"), Options{Keep: meta}); err != nil {
		t.Fatal(err)
	}
	after, err := windows.GetNamedSecurityInfo(p, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		t.Fatal(err)
	}
	if before.String() != after.String() {
		t.Errorf("DACL %s became %s", before, after)
	}
}

// TestInUseClassification: access denied is "in use" only for a rename over
// a file (MoveFileEx's answer to a target another process holds open);
// elsewhere it is a permission denial, reported at once. Before the fix
// InUse counted it everywhere, so a denied open or remove was retried for
// 5 s and then reported as "in use by another process".
func TestInUseClassification(t *testing.T) {
	cases := []struct {
		err           error
		inUse, rename bool
	}{
		{&os.PathError{Op: "open", Err: windows.ERROR_SHARING_VIOLATION}, true, true},
		{&os.PathError{Op: "open", Err: windows.ERROR_LOCK_VIOLATION}, true, true},
		{&os.PathError{Op: "open", Err: windows.ERROR_ACCESS_DENIED}, false, true},
		{&os.PathError{Op: "open", Err: windows.ERROR_FILE_NOT_FOUND}, false, false},
	}
	for _, c := range cases {
		if InUse(c.err) != c.inUse || RenameInUse(c.err) != c.rename {
			t.Errorf("%v: InUse %v RenameInUse %v, want %v %v", c.err, InUse(c.err), RenameInUse(c.err), c.inUse, c.rename)
		}
	}
	denied := &os.PathError{Op: "remove", Err: windows.ERROR_ACCESS_DENIED}
	calls := 0
	if err := RetryInUse(time.Second, func() error { calls++; return denied }); err != denied || calls != 1 {
		t.Errorf("RetryInUse(access denied): %v after %d calls, want it at once", err, calls)
	}
	calls = 0
	if err := RetryRenameInUse(time.Second, func() error {
		calls++
		if calls < 3 {
			return denied
		}
		return nil
	}); err != nil || calls != 3 {
		t.Errorf("RetryRenameInUse(access denied twice): %v after %d calls", err, calls)
	}
}
