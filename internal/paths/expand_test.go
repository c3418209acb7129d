package paths

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// tree creates files (and their folders) under dir; names ending in / are
// folders.
func tree(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if strings.HasSuffix(n, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestHasWildcard(t *testing.T) {
	for s, want := range map[string]bool{"": false, "a": false, "a*": true, "?": true, "[a]": false, `a\b`: false} {
		if HasWildcard(s) != want {
			t.Errorf("HasWildcard(%q) = %v", s, !want)
		}
	}
}

func TestExpand(t *testing.T) {
	dir := t.TempDir()
	tree(t, dir,
		"Domain.b/Resync.cfg",
		"DOMAIN.A/RESYNC.CFG",
		"domain.C/resync.cfg",
		"Domain.file", // a file: never a folder to descend into
		"Other/x.txt",
		"Site.srv/Maincfg.box/Invdom.box/Domain.X/Resync.cfg",
		"Site.srv/Invdom.box/domain.y/Resync.cfg",
		"empty/",
	)
	t.Chdir(dir)
	sep := string(filepath.Separator)
	abs := func(rel string) string { return filepath.Join(dir, filepath.FromSlash(rel)) }
	rel := filepath.FromSlash

	tests := []struct {
		name    string
		pattern string
		want    []string
		err     string
	}{
		{"no wildcard is returned as is", "does/not/exist", []string{"does/not/exist"}, ""},
		{"relative, case-insensitive, sorted", "domain.*", []string{"DOMAIN.A", "Domain.b", "domain.C", "Domain.file"}, ""},
		{"question mark", "DOMAIN.?", []string{"DOMAIN.A", "Domain.b", "domain.C"}, ""},
		{"dot element kept", "./Domain.?", []string{"." + sep + "DOMAIN.A", "." + sep + "Domain.b", "." + sep + "domain.C"}, ""},
		{"trailing separator", "Domain.?/", []string{"DOMAIN.A", "Domain.b", "domain.C"}, ""},
		{"wildcard then file, folders only", "Domain.*/r*.cfg", []string{rel("DOMAIN.A/RESYNC.CFG"), rel("Domain.b/Resync.cfg"), rel("domain.C/resync.cfg")}, ""},
		{"several wildcard elements", "S*/*/I*/DOMAIN.*",
			[]string{rel("Site.srv/Maincfg.box/Invdom.box/Domain.X")}, ""},
		{"wildcards at two depths", "S?TE.srv/*/Domain.*",
			[]string{rel("Site.srv/Invdom.box/domain.y")}, ""},
		{"absolute, brackets are literal", abs("") + sep + "DOMAIN.[AB]*", nil, "no file or folder matches"},
		{"absolute match", filepath.Join(dir, "*", "RESYNC.CFG?"), nil, "no file or folder matches"},
		{"absolute files", filepath.Join(dir, "*", "resync.cfg"), []string{abs("DOMAIN.A/RESYNC.CFG"), abs("Domain.b/Resync.cfg"), abs("domain.C/resync.cfg")}, ""},
		{"no match", "Nothing*", nil, "Nothing*: no file or folder matches"},
		{"no match below a file", "Domain.file/*", nil, "no file or folder matches"},
		{"no match in empty folder", "empty/*", nil, "no file or folder matches"},
		{"no match in missing folder", "missing/*", nil, "no file or folder matches"},
	}
	if runtime.GOOS == "windows" {
		// The non-wildcard last element is found by the file system, which
		// is case-insensitive there and returns the name as typed.
		tests[10].want = []string{abs("DOMAIN.A/resync.cfg"), abs("Domain.b/resync.cfg"), abs("domain.C/resync.cfg")}
	} else {
		// Only the wildcard elements are matched case-insensitively.
		tests[10].want = []string{abs("domain.C/resync.cfg")}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Expand(tt.pattern)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Expand(%q) = %q, %v; want error containing %q", tt.pattern, got, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Expand(%q): %v", tt.pattern, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Expand(%q) =\n  %q\nwant\n  %q", tt.pattern, got, tt.want)
			}
		})
	}
}

// TestExpandCaseTie: names equal but for case sort by byte value after the
// case-insensitive order (only where a folder can hold both).
func TestExpandCaseTie(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		t.Skip("needs a case-sensitive file system")
	}
	dir := t.TempDir()
	tree(t, dir, "b", "a", "A", "B")
	got, err := Expand(filepath.Join(dir, "?"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range got {
		names = append(names, filepath.Base(p))
	}
	if want := []string{"A", "a", "B", "b"}; !reflect.DeepEqual(names, want) {
		t.Errorf("order = %q, want %q", names, want)
	}
}

func TestExpandWindowsVolume(t *testing.T) {
	if runtime.GOOS != "windows" {
		t.Skip("UNC volumes are a Windows matter")
	}
	_, err := Expand(`\\serv*\share\x`)
	if err == nil || !strings.Contains(err.Error(), "server or share name") {
		t.Fatalf("err = %v", err)
	}
	// Backslashes separate elements too.
	dir := t.TempDir()
	tree(t, dir, "Domain.A/Resync.cfg")
	got, err := Expand(dir + `\domain.*\RESYNC.CFG`)
	if err != nil || len(got) != 1 || !strings.EqualFold(got[0], filepath.Join(dir, "Domain.A", "Resync.cfg")) {
		t.Fatalf("got %q, %v", got, err)
	}
}
