package paths

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestStripPrefix(t *testing.T) {
	tests := []struct {
		p, windows string // want on Windows; elsewhere p is returned as it is
	}{
		{`\\?\D:\SMS\Site.srv`, `D:\SMS\Site.srv`},
		{`\\.\D:\SMS`, `D:\SMS`},
		{`\\?\d:\`, `d:\`},
		{`\\?\D:`, `D:\`},
		{`//?/D:/SMS`, `D:/SMS`},
		{`\\?\UNC\server\share\SMS`, `\\server\share\SMS`},
		{`\\?\unc\server\share`, `\\server\share`},
		{`\\?\UNC\`, `\\?\UNC\`},
		{`\\.\NUL`, `\\.\NUL`},
		{`\\?\Volume{0b1e}\SMS`, `\\?\Volume{0b1e}\SMS`},
		{`\\?\1:\x`, `\\?\1:\x`},
		{`\\server\share\x`, `\\server\share\x`},
		{`D:\SMS`, `D:\SMS`},
		{`\\?`, `\\?`},
		{``, ``},
	}
	for _, tt := range tests {
		if got := stripPrefix(tt.p, true); got != tt.windows {
			t.Errorf("windows: stripPrefix(%q) = %q, want %q", tt.p, got, tt.windows)
		}
		if got := stripPrefix(tt.p, false); got != tt.p {
			t.Errorf("elsewhere: stripPrefix(%q) = %q, want it unchanged", tt.p, got)
		}
	}
}

// The prefixes compare equal to the same path without them, both ways.
func TestWithinPrefixes(t *testing.T) {
	if runtime.GOOS != "windows" {
		// Outside Windows `\\?\` is an ordinary name: no prefix is special.
		if Within(`\\?\D:\SMS\x`, `D:\SMS`) {
			t.Error(`Within treats \\?\ as a prefix outside Windows`)
		}
		return
	}
	tests := []struct {
		p, root string
		want    bool
		rest    string // Under's elements, joined by /
	}{
		{`D:\SMS\Site.srv\x`, `\\?\D:\SMS`, true, "Site.srv/x"},
		{`D:\SMS\Site.srv\x`, `\\.\d:\sms`, true, "Site.srv/x"},
		{`\\?\D:\SMS\x`, `D:\SMS`, true, "x"},
		{`D:\SMS,old\x`, `\\?\D:\SMS`, false, ""},
		{`\\sms01\SMS_ABC\Site.srv`, `\\?\UNC\sms01\SMS_ABC`, true, "Site.srv"},
		{`\\?\UNC\sms01\SMS_ABC\x`, `\\SMS01\sms_abc`, true, "x"},
		{`\\sms01\SMS_ABCD`, `\\?\UNC\sms01\SMS_ABC`, false, ""},
		{`D:\x`, `\\?\D:`, true, "x"},
		{`\\?\D:`, `D:\`, true, ""},
	}
	for _, tt := range tests {
		if got := Within(tt.p, tt.root); got != tt.want {
			t.Errorf("Within(%q, %q) = %v, want %v", tt.p, tt.root, got, tt.want)
		}
		rest, ok := Under(tt.p, tt.root)
		if ok != tt.want || strings.Join(rest, "/") != tt.rest {
			t.Errorf("Under(%q, %q) = %q, %v; want %q, %v", tt.p, tt.root, rest, ok, tt.rest, tt.want)
		}
	}
}

func TestUnder(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the Windows cases are in TestWithinPrefixes")
	}
	tests := []struct {
		p, root string
		want    bool
		rest    string
	}{
		{"/a/b/c/d", "/a/b", true, "c/d"},
		{"/a/b", "/a/b", true, ""},
		{"/a/b/c", "/", true, "a/b/c"},
		{"/a/bc", "/a/b", false, ""},
		{"/a/b,old/c", "/a/b", false, ""},
	}
	for _, tt := range tests {
		rest, ok := Under(tt.p, tt.root)
		if ok != tt.want || strings.Join(rest, "/") != tt.rest {
			t.Errorf("Under(%q, %q) = %q, %v; want %q, %v", tt.p, tt.root, rest, ok, tt.rest, tt.want)
		}
	}
}

// On Windows a \\?\ or \\.\ prefix is not a wildcard: Expand drops it and
// expands the rest; paths longer than 260 characters are found.
func TestExpandPrefixesAndLongPaths(t *testing.T) {
	dir := t.TempDir()
	// A folder deep enough that its Resync.cfg's path is over 260 characters.
	long := dir
	for len(long) < 300 {
		long = filepath.Join(long, strings.Repeat("d", 40))
	}
	tree(t, dir, "Domain.A/Resync.cfg")
	if err := os.MkdirAll(filepath.Join(long, "Domain.B"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(long, "Domain.B", "Resync.cfg")
	if err := os.WriteFile(cfg, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Expand(filepath.Join(long, "Domain.?", "RESYNC.*"))
	if err != nil || len(got) != 1 || got[0] != cfg {
		t.Errorf("Expand of a %d-character path = %q, %v; want [%s]", len(cfg), got, err, cfg)
	}
	if runtime.GOOS != "windows" {
		return
	}
	want := filepath.Join(dir, "Domain.A")
	for _, prefix := range []string{`\\?\`, `\\.\`} {
		got, err := Expand(prefix + filepath.Join(dir, "Domain.?"))
		if err != nil || len(got) != 1 || got[0] != want {
			t.Errorf("Expand(%sDIR\\Domain.?) = %q, %v; want [%s]", prefix, got, err, want)
		}
		got, err = Expand(prefix + want)
		if err != nil || len(got) != 1 || got[0] != want {
			t.Errorf("Expand(%sDIR\\Domain.A) = %q, %v; want [%s]", prefix, got, err, want)
		}
	}
	got, err = Expand(`\\?\` + filepath.Join(long, "Domain.?", "RESYNC.*"))
	if err != nil || len(got) != 1 || got[0] != cfg {
		t.Errorf(`Expand(\\?\LONG\Domain.?\RESYNC.*) = %q, %v; want [%s]`, got, err, cfg)
	}
}
