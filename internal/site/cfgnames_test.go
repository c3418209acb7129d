package site

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// refCfgNames is the listing cfgNames makes, through os.ReadDir: the
// reference that the Linux listing (getdents into one buffer) is held to.
func refCfgNames(t *testing.T, dir string) (names, irregular []string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		name := e.Name()
		if len(name) <= len(CfgExt) || !strings.EqualFold(filepath.Ext(name), CfgExt) {
			continue
		}
		switch t := e.Type(); {
		case t.IsDir():
		case t.IsRegular():
			names = append(names, name)
		default:
			irregular = append(irregular, filepath.Join(dir, name))
		}
	}
	return names, irregular
}

// A folder of thousands of entries (many reads of the folder) of every
// kind: CfgFiles lists what os.ReadDir lists, file for file.
func TestCfgFilesMatchesReadDir(t *testing.T) {
	dir := t.TempDir()
	for i := range 3000 {
		var name string
		switch i % 6 {
		case 0:
			name = fmt.Sprintf("ABC%05X.cfg", i)
		case 1:
			name = fmt.Sprintf("abc%05x.CFG", i)
		case 2:
			name = fmt.Sprintf("Clïent-%d-with-a-rather-long-name-to-fill-the-reads.cFg", i)
		case 3:
			name = fmt.Sprintf("ABC%05X.cfg.bak", i)
		case 4:
			name = fmt.Sprintf("ABC%05X.cf", i)
		case 5:
			name = fmt.Sprintf("F%d.cfg/", i) // a folder
		}
		mk(t, dir, name)
	}
	mk(t, dir, ".cfg", "x.txt", "noext", ".CFG.cfg")
	if runtime.GOOS != "windows" {
		for _, name := range []string{"LINK.cfg", "dir.CFG"} {
			if err := os.Symlink(filepath.Join(dir, "x.txt"), filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
		}
		mkfifo(t, filepath.Join(dir, "FIFO.cfg"))
	}
	names, irregular := refCfgNames(t, dir)
	if len(names) < 1500 {
		t.Fatalf("only %d names to compare", len(names))
	}
	gotNames, gotIrregular, err := cfgNames(dir)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	sort.Strings(gotNames)
	sort.Strings(gotIrregular)
	sort.Strings(irregular)
	if !reflect.DeepEqual(gotNames, names) {
		t.Errorf("%d names, want %d: %q", len(gotNames), len(names), gotNames)
	}
	if !reflect.DeepEqual(gotIrregular, irregular) {
		t.Errorf("irregular %q, want %q", gotIrregular, irregular)
	}
	list, _, err := CfgFiles(dir)
	if err != nil || list.Len() != len(names) {
		t.Fatalf("CfgFiles: %d files, %v", list.Len(), err)
	}
}

func TestIsCfgName(t *testing.T) {
	for _, name := range []string{"a.cfg", "A.CFG", "x.cFg", ".cfg", "cfg", "a.cfg.bak", "a.cf", "a.cfh", "a.bfg", "a.Cfg", "é.cfg", "a.cﬀg", "a.ċfg", "a_cfg", "a..cfg"} {
		want := len(name) > len(CfgExt) && strings.EqualFold(filepath.Ext(name), CfgExt)
		if isCfgName(name) != want || isCfgName([]byte(name)) != want {
			t.Errorf("isCfgName(%q) = %v, want %v", name, isCfgName(name), want)
		}
	}
}
