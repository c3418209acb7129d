package paths

import (
	"path/filepath"
	"runtime"
	"testing"
)

type pathCase struct {
	p, root string
	want    bool
}

func TestWithin(t *testing.T) {
	var cases []pathCase
	if runtime.GOOS == "windows" {
		cases = []pathCase{
			{`C:\a\b`, `C:\a\b`, true},
			{`C:\a\b\c`, `C:\a\b`, true},
			{`C:\a\bc`, `C:\a\b`, false},
			{`C:\a`, `C:\a\b`, false},
			{`c:\A\B\x.cfg`, `C:\a\b`, true},
			{`C:\a\b\c`, `C:\a\b\`, true},
			{`C:\a\b\c`, `C:/a/b`, true},
			{`C:\a\b`, `C:\`, true},
			{`D:\a\b`, `C:\`, false},
			{`\\sms01\SMS_ABC\x`, `\\SMS01\sms_abc`, true},
			{`\\sms01\SMS_ABCD\x`, `\\sms01\SMS_ABC`, false},
		}
	} else {
		cases = []pathCase{
			{"/a/b", "/a/b", true},
			{"/a/b/c", "/a/b", true},
			{"/a/bc", "/a/b", false},
			{"/a", "/a/b", false},
			{"/A/B/c", "/a/b", false},
			{"/a/b/c", "/a/b/", true},
			{"/a/b/c", "/a//b/./", true},
			{"/a/b/c", "/a/x/../b", true},
			{"/a/b", "/", true},
			{"/a/b/../../etc", "/a", false},
			{"/a/b", "", false},
		}
	}
	for _, c := range cases {
		if got := Within(c.p, c.root); got != c.want {
			t.Errorf("Within(%q, %q) = %v, want %v", c.p, c.root, got, c.want)
		}
	}
}

func TestWithinFold(t *testing.T) {
	// The case-folding rule is exercised on every platform through within.
	if !within("/A/b/C", "/a/B", true) {
		t.Error(`within("/A/b/C", "/a/B", fold) = false`)
	}
	if within("/A/b/C", "/a/B", false) {
		t.Error(`within("/A/b/C", "/a/B", no fold) = true`)
	}
}

func TestIsCleanAbs(t *testing.T) {
	type c struct {
		p    string
		want bool
	}
	var cases []c
	if runtime.GOOS == "windows" {
		cases = []c{
			{`C:\a\b\Resync.cfg`, true},
			{`\\sms01\SMS_ABC\inboxes\Resync.cfg`, true},
			{`C:\`, true},
			{`C:/a/b`, false},
			{`C:\a\\b`, false},
			{`C:\a\b\`, false},
			{`C:\a\.\b`, false},
			{`C:\a\..\b`, false},
			{`\a\b`, false},
			{`C:a\b`, false},
			{`a\b`, false},
			{`C:\a\b.`, false},
			{`C:\a \b`, false},
			{`\\.\C:\a`, false},
			{``, false},
		}
	} else {
		cases = []c{
			{"/a/b/Resync.cfg", true},
			{"/", true},
			{`/a/b\c`, true}, // a backslash is an ordinary character here
			{"/a//b", false},
			{"/a/b/", false},
			{"/a/./b", false},
			{"/a/../b", false},
			{"a/b", false},
			{"./a", false},
			{"", false},
		}
	}
	for _, k := range cases {
		if got := IsCleanAbs(k.p); got != k.want {
			t.Errorf("IsCleanAbs(%q) = %v, want %v", k.p, got, k.want)
		}
	}
}

func TestWithinAny(t *testing.T) {
	a, b := filepath.Join(string(filepath.Separator)+"srv", "a"), filepath.Join(string(filepath.Separator)+"srv", "b")
	for _, c := range []struct {
		p     string
		roots []string
		want  bool
	}{
		{filepath.Join(b, "x"), []string{a, b}, true},
		{filepath.Join(a, "x"), []string{a, b}, true},
		{b + "c", []string{a, b}, false},
		{a, nil, false},
	} {
		if got := WithinAny(c.p, c.roots); got != c.want {
			t.Errorf("WithinAny(%q, %q) = %v, want %v", c.p, c.roots, got, c.want)
		}
	}
}
