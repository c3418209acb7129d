package site

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
)

// mk creates files and folders (names ending in /) under dir.
func mk(t *testing.T, dir string, names ...string) {
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
		if err := os.WriteFile(p, []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// caseSensitive reports whether the temp file system tells names apart by case.
func caseSensitive(t *testing.T) bool {
	dir := t.TempDir()
	mk(t, dir, "a")
	_, err := os.Stat(filepath.Join(dir, "A"))
	return err != nil
}

func TestLookup(t *testing.T) {
	dir := t.TempDir()
	mk(t, dir, "RESYNC.CFG", "invencfg.BOX/")

	tests := []struct {
		name, want string
	}{
		{"Resync.cfg", "RESYNC.CFG"},
		{"resync.cfg", "RESYNC.CFG"},
		{"RESYNC.CFG", "RESYNC.CFG"},
		{"Invencfg.box", "invencfg.BOX"},
	}
	for _, tt := range tests {
		got, err := Lookup(dir, tt.name)
		if err != nil || got != filepath.Join(dir, tt.want) {
			t.Errorf("Lookup(%q) = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	if p, err := Resync(dir); err != nil || filepath.Base(p) != "RESYNC.CFG" {
		t.Errorf("Resync = %q, %v", p, err)
	}
	if p, err := Invencfg(dir); err != nil || filepath.Base(p) != "invencfg.BOX" {
		t.Errorf("Invencfg = %q, %v", p, err)
	}

	_, err := Lookup(dir, "Logon.srv")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "no Logon.srv") {
		t.Errorf("missing name: err = %v", err)
	}
	_, err = Lookup(filepath.Join(dir, "nope"), "Resync.cfg")
	if err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("missing folder: err = %v, want a file system error", err)
	}
}

func TestLookupExactPreferred(t *testing.T) {
	if !caseSensitive(t) {
		t.Skip("needs a case-sensitive file system")
	}
	dir := t.TempDir()
	mk(t, dir, "RESYNC.CFG", "Resync.cfg", "resync.cfg")
	for _, name := range []string{"RESYNC.CFG", "Resync.cfg", "resync.cfg"} {
		if got, _ := Lookup(dir, name); got != filepath.Join(dir, name) {
			t.Errorf("Lookup(%q) = %q, want the exact name", name, got)
		}
	}
	// No exact match: the first case-insensitive one in sorted order.
	if got, _ := Lookup(dir, "reSYNC.cfg"); got != filepath.Join(dir, "RESYNC.CFG") {
		t.Errorf("Lookup(reSYNC.cfg) = %q", got)
	}
}

func rels(t *testing.T, root string, ps []string) []string {
	t.Helper()
	var out []string
	for _, p := range ps {
		r, err := filepath.Rel(root, p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, filepath.ToSlash(r))
	}
	return out
}

func TestDomains(t *testing.T) {
	root := t.TempDir()
	mk(t, root,
		"SITE.SRV/maincfg.BOX/INVDOM.box/domain.b/",
		"SITE.SRV/maincfg.BOX/INVDOM.box/DOMAIN.A/RESYNC.CFG",
		"SITE.SRV/maincfg.BOX/INVDOM.box/Domain.file", // a file, not a domain
		"SITE.SRV/maincfg.BOX/INVDOM.box/Other/",
		"SITE.SRV/invdom.box/Domain.Z/",
		"SITE.SRV/invdom.box/domain.c/",
		"lonely/",
	)
	main := []string{"SITE.SRV/maincfg.BOX/INVDOM.box/DOMAIN.A", "SITE.SRV/maincfg.BOX/INVDOM.box/domain.b"}
	flat := []string{"SITE.SRV/invdom.box/domain.c", "SITE.SRV/invdom.box/Domain.Z"}
	tests := []struct {
		name, root string
		want       []string
	}{
		{"SMS root", "", append(append([]string{}, main...), flat...)},
		{"Site.srv", "SITE.SRV", append(append([]string{}, main...), flat...)},
		{"Maincfg.box", "SITE.SRV/maincfg.BOX", main},
		{"Invdom.box under Maincfg.box", "SITE.SRV/maincfg.BOX/INVDOM.box", main},
		{"Invdom.box under Site.srv", "SITE.SRV/invdom.box", flat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Domains(filepath.Join(root, filepath.FromSlash(tt.root)))
			if err != nil {
				t.Fatal(err)
			}
			if g := rels(t, root, got); !reflect.DeepEqual(g, tt.want) {
				t.Errorf("Domains =\n  %q\nwant\n  %q", g, tt.want)
			}
		})
	}
	t.Run("only Site.srv/Invdom.box", func(t *testing.T) {
		r := t.TempDir()
		mk(t, r, "site.srv/INVDOM.BOX/DOMAIN.Q/")
		got, err := Domains(r)
		if err != nil || !reflect.DeepEqual(rels(t, r, got), []string{"site.srv/INVDOM.BOX/DOMAIN.Q"}) {
			t.Fatalf("Domains = %q, %v", got, err)
		}
	})
	t.Run("Invdom.box without domains", func(t *testing.T) {
		r := t.TempDir()
		mk(t, r, "Site.srv/Invdom.box/")
		got, err := Domains(r)
		if err != nil || len(got) != 0 {
			t.Fatalf("Domains = %q, %v", got, err)
		}
	})
	t.Run("no layout", func(t *testing.T) {
		_, err := Domains(filepath.Join(root, "lonely"))
		if err == nil || !strings.Contains(err.Error(), "no Site.srv/Maincfg.box/Invdom.box or Site.srv/Invdom.box found") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("missing root", func(t *testing.T) {
		if _, err := Domains(filepath.Join(root, "missing")); err == nil {
			t.Fatal("no error")
		}
	})
}

func TestLogonSrv(t *testing.T) {
	dir := t.TempDir()
	mk(t, dir, "share/LOGON.SRV/", "file/Logon.srv", "empty/")
	tests := []struct {
		name, arg, want, err string
	}{
		{"the folder itself", "share/LOGON.SRV", "share/LOGON.SRV", ""},
		{"share root", "share", "share/LOGON.SRV", ""},
		{"a file named Logon.srv", "file/Logon.srv", "", "not a folder"},
		{"a folder holding such a file", "file", "", "not a folder"},
		{"no Logon.srv", "empty", "", "no Logon.srv"},
		{"missing", "missing", "", "missing"},
	}
	for _, tt := range tests {
		got, err := LogonSrv(filepath.Join(dir, filepath.FromSlash(tt.arg)))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: LogonSrv = %q, %v; want error %q", tt.name, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != filepath.Join(dir, filepath.FromSlash(tt.want)) {
			t.Errorf("%s: LogonSrv = %q, %v; want %s", tt.name, got, err, tt.want)
		}
	}
}

func TestCfgFiles(t *testing.T) {
	dir := t.TempDir()
	mk(t, dir, "abc0002f.CFG", "ABC0001F.cfg", "ZZZ.Cfg", "x.txt", ".cfg", "noext", "sub.cfg/", "ABC0003F.cfg.bak")
	list, irregular, err := CfgFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range list.Len() {
		f := list.At(i)
		ids = append(ids, f.SmsID)
		info, err := f.Info()
		if err != nil || f.Path != filepath.Join(dir, info.Name()) || !info.Mode().IsRegular() {
			t.Errorf("%s: Path %q Info %v %v", f.SmsID, f.Path, info, err)
		}
	}
	if want := []string{"ABC0001F", "abc0002f", "ZZZ"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("SmsIDs = %q, want %q", ids, want)
	}
	if len(irregular) != 0 {
		t.Errorf("irregular = %q", irregular)
	}

	if _, _, err := CfgFiles(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing folder: no error")
	}
}

func TestCfgFilesCaseTie(t *testing.T) {
	if !caseSensitive(t) {
		t.Skip("needs a case-sensitive file system")
	}
	dir := t.TempDir()
	mk(t, dir, "abc.cfg", "ABC.cfg", "Abd.cfg")
	list, _, err := CfgFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range list.Len() {
		ids = append(ids, list.SmsID(i))
	}
	if want := []string{"ABC", "abc", "Abd"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("SmsIDs = %q, want %q", ids, want)
	}
}

func TestCfgFilesSymlinks(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Wine has no symlinks or junctions; Windows needs privileges for them")
	}
	dir := t.TempDir()
	mk(t, dir, "REAL.cfg", "target/")
	if err := os.Symlink(filepath.Join(dir, "REAL.cfg"), filepath.Join(dir, "LINK.cfg")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "target"), filepath.Join(dir, "DIRLINK.cfg")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "gone"), filepath.Join(dir, "DANGLING.cfg")); err != nil {
		t.Fatal(err)
	}
	list, irregular, err := CfgFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if list.Len() != 1 || list.SmsID(0) != "REAL" {
		t.Errorf("files = %+v", list)
	}
	want := []string{filepath.Join(dir, "DANGLING.cfg"), filepath.Join(dir, "DIRLINK.cfg"), filepath.Join(dir, "LINK.cfg")}
	if !reflect.DeepEqual(irregular, want) {
		t.Errorf("irregular = %q, want %q", irregular, want)
	}
}

func TestResyncFiles(t *testing.T) {
	dir := t.TempDir()
	mk(t, dir,
		"Domain.A/RESYNC.CFG",
		"domain.b/Resync.cfg",
		"Domain.empty/",
		"loose/Other.cfg",
		"SMS/SITE.SRV/Maincfg.box/Invdom.box/Domain.000/Resync.cfg",
		"SMS/SITE.SRV/Maincfg.box/Invdom.box/Domain.001/",
		"SMSLOGON/logon.srv/Resync.cfg",
		"SMSLOGON2/Logon.srv/",
	)
	t.Chdir(filepath.Join(dir, "Domain.A"))
	abs := func(rel string) string { return filepath.Join(dir, filepath.FromSlash(rel)) }

	tests := []struct {
		name string
		args []string
		want []string
		err  string
	}{
		{"default is the current folder", nil, []string{abs("Domain.A/RESYNC.CFG")}, ""},
		{"dot", []string{"."}, []string{abs("Domain.A/RESYNC.CFG")}, ""},
		{"relative folder, cleaned", []string{"../Domain.A/./"}, []string{abs("Domain.A/RESYNC.CFG")}, ""},
		{"file", []string{abs("loose/Other.cfg")}, []string{abs("loose/Other.cfg")}, ""},
		{"file, name typed in another case", []string{abs("Domain.A/resync.cfg")}, []string{abs("Domain.A/RESYNC.CFG")}, ""},
		{"folder, name typed in another case", []string{abs("DOMAIN.B")}, []string{abs("domain.b/Resync.cfg")}, ""},
		{"wildcard over folders", []string{abs("domain.?")}, []string{abs("Domain.A/RESYNC.CFG"), abs("domain.b/Resync.cfg")}, ""},
		{"several args in order", []string{abs("domain.b"), "."}, []string{abs("domain.b/Resync.cfg"), abs("Domain.A/RESYNC.CFG")}, ""},
		{"missing", []string{abs("nope")}, nil, "nope: no such file or folder"},
		{"folder without Resync.cfg", []string{abs("Domain.empty")}, nil, "Domain.empty: folder holds no Resync.cfg"},
		{"wildcard matching an empty folder", []string{abs("Domain.*")}, nil, "folder holds no Resync.cfg"},
		{"wildcard matching nothing", []string{abs("x*")}, nil, "x*: no file or folder matches"},
		// A site or a logon server's share given as a PATH: the error says
		// where its Resync.cfg files are.
		{"site root", []string{abs("SMS")}, nil, abs("SMS") + ": folder holds no Resync.cfg; it is a site: its Resync.cfg files are in its domain folders, " +
			abs("SMS/SITE.SRV/Maincfg.box/Invdom.box/Domain.*")},
		{"Invdom.box", []string{abs("SMS/SITE.SRV/Maincfg.box/Invdom.box")}, nil, "; it is a site: its Resync.cfg files are in its domain folders, " +
			abs("SMS/SITE.SRV/Maincfg.box/Invdom.box/Domain.*")},
		{"logon share without Resync.cfg", []string{abs("SMSLOGON2")}, nil, abs("SMSLOGON2") + ": folder holds no Resync.cfg"},
		{"logon share", []string{abs("SMSLOGON")}, nil, abs("SMSLOGON") + ": folder holds no Resync.cfg; it is a logon server's share: its Resync.cfg is " +
			abs("SMSLOGON/logon.srv/Resync.cfg")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ResyncFiles(tt.args)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ResyncFiles(%q) = %q, %v; want error %q", tt.args, got, err, tt.err)
				}
				if !strings.Contains(tt.err, "; it is") && strings.Contains(err.Error(), "; it is") {
					t.Errorf("ResyncFiles(%q): %v: a hint where none applies", tt.args, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ResyncFiles(%q) =\n  %q\nwant\n  %q", tt.args, got, tt.want)
			}
		})
	}
}

// compareUpper is strings.Compare of the upper-cased strings, the order
// CfgFiles (and so a plan's DeleteFile rows) follows.
func TestCompareUpper(t *testing.T) {
	for _, tt := range []struct{ a, b string }{
		{"", ""}, {"", "a"}, {"abc", "ABC"}, {"abc", "ABD"}, {"ABC0001F", "abc0002f"}, {"ab", "abc"},
		{"a_b", "aZb"}, {"[", "a"}, {"`", "A"}, {"{", "Z"}, {"ſ", "S"}, {"straße", "STRASSE"}, {"ı", "I"}, {"é", "E"},
		{"K", "k"}, {"\xff", "a"}, {"a\xffb", "A\xffB"},
	} {
		want := strings.Compare(strings.ToUpper(tt.a), strings.ToUpper(tt.b))
		for _, x := range [][2]string{{tt.a, tt.b}, {tt.b, tt.a}} {
			got := compareUpper(x[0], x[1])
			if sign(got) != want {
				t.Errorf("compareUpper(%q, %q) = %d, want sign %d", x[0], x[1], got, want)
			}
			want = -want
		}
	}
}

func FuzzCompareUpper(f *testing.F) {
	f.Add("abc", "ABC")
	f.Add("ſ", "S")
	f.Add("a\xff", "A")
	f.Fuzz(func(t *testing.T, a, b string) {
		if got, want := sign(compareUpper(a, b)), strings.Compare(strings.ToUpper(a), strings.ToUpper(b)); got != want {
			t.Errorf("compareUpper(%q, %q): sign %d, want %d", a, b, got, want)
		}
	})
}

func sign(c int) int {
	switch {
	case c < 0:
		return -1
	case c > 0:
		return 1
	}
	return 0
}

// The list holds every name in the order of the upper-cased names (then
// the names), whatever order the folder lists them in, in batches or not.
func TestCfgFilesOrderManyFiles(t *testing.T) {
	dir := t.TempDir()
	var want []string
	for i := range 2500 { // more than one ReadDir batch
		name := fmt.Sprintf("ABC%05X", (i*7919)%100000)
		if i%3 == 0 {
			name = strings.ToLower(name)
		}
		want = append(want, name)
		mk(t, dir, name+[]string{".cfg", ".CFG", ".Cfg"}[i%3])
	}
	sort.Slice(want, func(i, j int) bool {
		a, b := strings.ToUpper(want[i]), strings.ToUpper(want[j])
		if a != b {
			return a < b
		}
		return want[i] < want[j]
	})
	list, _, err := CfgFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := range list.Len() {
		got = append(got, list.SmsID(i))
		if p := list.Path(i); filepath.Dir(p) != dir || !strings.EqualFold(filepath.Ext(p), ".cfg") || filepath.Base(p) != list.Name(i) {
			t.Fatalf("file %d: Path %q, Name %q", i, p, list.Name(i))
		}
		if _, err := os.Lstat(list.Path(i)); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("order differs: got %d names %q..., want %q...", len(got), got[:5], want[:5])
	}
}

// sortCfgNames orders by upper-cased SMSID, then SMSID, whether it compares
// packed words (every SMSID ASCII of at most 16 bytes) or strings.
func TestSortCfgNames(t *testing.T) {
	ref := func(names []string) []string {
		out := append([]string(nil), names...)
		sort.Slice(out, func(i, j int) bool {
			a, b := out[i][:len(out[i])-4], out[j][:len(out[j])-4]
			if ua, ub := strings.ToUpper(a), strings.ToUpper(b); ua != ub {
				return ua < ub
			}
			return a < b
		})
		return out
	}
	packable := []string{"abc.cfg", "ABC.cfg", "Abd.CFG", "AB.cfg", "ABC0.cfg", "a_b.cfg", "a[.cfg", "A`.cfg", "zz.cfg",
		"0123456789ABCDEF.cfg", "0123456789abcdef.cfg", "0123456789ABCDE.cfg", "~.cfg", "{.cfg", " .cfg"}
	for _, tt := range []struct {
		name  string
		names []string
	}{
		{"packed", packable},
		{"a name longer than 16", append(append([]string(nil), packable...), "0123456789ABCDEFG.cfg")},
		{"a non-ASCII name", append(append([]string(nil), packable...), "ſbc.cfg", "é.cfg")},
	} {
		got := append([]string(nil), tt.names...)
		slices.Reverse(got)
		sortCfgNames(got)
		if want := ref(tt.names); !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, want)
		}
	}
	for _, s := range []string{"", "a\x00", "é", "0123456789ABCDEFG"} {
		if _, ok := packUpper(s); ok != (s == "") {
			t.Errorf("packUpper(%q) ok = %v", s, ok)
		}
	}
}
