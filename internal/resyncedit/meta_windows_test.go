//go:build windows

package resyncedit

import (
	"testing"

	"golang.org/x/sys/windows"
)

func attrsOf(t *testing.T, p string) uint32 {
	t.Helper()
	name, _ := windows.UTF16PtrFromString(p)
	a, err := windows.GetFileAttributes(name)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestRewriteKeepsAttributesAndDACL: the rewritten Resync.cfg keeps the old
// one's attributes (a read-only file is still replaced, and stays
// read-only) and its DACL, so SMS appends to it exactly as before.
func TestRewriteKeepsAttributesAndDACL(t *testing.T) {
	const mask = windows.FILE_ATTRIBUTE_READONLY | windows.FILE_ATTRIBUTE_HIDDEN | windows.FILE_ATTRIBUTE_SYSTEM | windows.FILE_ATTRIBUTE_ARCHIVE
	for _, want := range []uint32{
		windows.FILE_ATTRIBUTE_READONLY,
		windows.FILE_ATTRIBUTE_HIDDEN | windows.FILE_ATTRIBUTE_SYSTEM,
		0,
	} {
		data := recs("A", "B", "C")
		p := writeFile(t, data)
		name, _ := windows.UTF16PtrFromString(p)
		sd, err := windows.SecurityDescriptorFromString("D:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FRFW;;;AU)")
		if err != nil {
			t.Fatal(err)
		}
		dacl, _, _ := sd.DACL()
		if err := windows.SetNamedSecurityInfo(p, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil); err != nil {
			t.Skipf("cannot set a DACL here: %v", err)
		}
		beforeSD, err := windows.GetNamedSecurityInfo(p, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
		if err != nil {
			t.Skipf("cannot read a DACL here: %v", err)
		}
		// Wine makes DACLs up from Unix modes (and the read-only bit) and
		// ignores the one set: then only the attributes can be checked.
		checkDACL := beforeSD.String() == sd.String()
		a := want
		if a == 0 {
			a = windows.FILE_ATTRIBUTE_NORMAL
		}
		if err := windows.SetFileAttributes(name, a); err != nil {
			t.Fatal(err)
		}
		before := attrsOf(t, p) & mask // Wine adds the archive bit
		if before&want != want {
			t.Skipf("this file system keeps attributes %#x of %#x", before, want)
		}
		out, err := Edit(Request{Path: p, Guard: GuardOf(data), Ops: removeOps(data, 1)}, fastOpts())
		if err != nil || !out.Rewritten {
			t.Fatalf("attributes %#x: Edit: %v, rewritten %v", want, err, out.Rewritten)
		}
		if got := readFile(t, p); string(got) != string(recs("A", "C")[:48])+string(data[96:]) {
			t.Errorf("attributes %#x: content wrong", want)
		}
		if got := attrsOf(t, p) & mask; got != before {
			t.Errorf("attributes %#x became %#x", before, got)
		}
		afterSD, err := windows.GetNamedSecurityInfo(p, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
		if err != nil {
			t.Fatal(err)
		}
		if checkDACL && beforeSD.String() != afterSD.String() {
			t.Errorf("DACL %s became %s", beforeSD, afterSD)
		}
		windows.SetFileAttributes(name, windows.FILE_ATTRIBUTE_NORMAL) // so the temporary folder can be removed
	}
}
