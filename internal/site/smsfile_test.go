package site

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestSMSFile(t *testing.T) {
	dir := t.TempDir()
	dom := filepath.Join(dir, "Domain.000")
	box := filepath.Join(dom, "INVENCFG.BOX")
	if err := os.MkdirAll(box, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		sms  bool
	}{
		{filepath.Join(dom, "Resync.cfg"), true},
		{filepath.Join(dom, "RESYNC.CFG"), true},
		{filepath.Join(dir, "elsewhere", "resync.cfg"), true},
		{filepath.Join(dom, "Resync.cfg.dumpsync-lock"), true},
		{filepath.Join(dom, "Resync.cfg.dumpsync-recover-1-2-o3"), true},
		{filepath.Join(box, "ABC0001F.cfg"), true},
		{filepath.Join(box, "out.json"), true},
		{filepath.Join(dom, "Invencfg.box", "x.csv"), true},
		{filepath.Join(dom, "Resync.cfg::$DATA"), true},
		{filepath.Join(dom, "Resync.cfg:x"), true},
		{filepath.Join(dom, "Resync.cfg."), true},
		{filepath.Join(dom, "Resync.cfg . "), true},
		{filepath.Join(dom, "Invencfg.box.", "x.json"), true},
		{filepath.Join(dom, "Invencfg.box:y", "x.json"), true},
		{filepath.Join(dom, "dump.json"), false},
		{filepath.Join(dom, "Resync.cfgx"), false},
		{filepath.Join(dom, "dump.json:Resync.cfg"), false},
		{filepath.Join(dom, "Resync.cfg.json"), false},
		{filepath.Join(dom, "Resync.cfg.dumpsync-"), false},
		{filepath.Join(dom, "old-Resync.cfg"), false},
		{filepath.Join(dir, "out.csv"), false},
		{filepath.Join(box + ".json"), false},
	} {
		if got := SMSFile(c.path); (got != "") != c.sms {
			t.Errorf("SMSFile(%q) = %q, want SMS file %v", c.path, got, c.sms)
		}
	}
	if runtime.GOOS == "windows" {
		return // Wine: links look like the files they lead to
	}
	// A link judged by where it leads: a file link, and a folder link.
	resync := filepath.Join(dom, "Resync.cfg")
	if err := os.WriteFile(resync, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "out.json")
	if err := os.Symlink(resync, link); err != nil {
		t.Fatal(err)
	}
	if SMSFile(link) == "" {
		t.Errorf("a link to %s is not an SMS file", resync)
	}
	boxLink := filepath.Join(dir, "results")
	if err := os.Symlink(box, boxLink); err != nil {
		t.Fatal(err)
	}
	if SMSFile(filepath.Join(boxLink, "new.json")) == "" {
		t.Errorf("a new file under a link to %s is not an SMS file", box)
	}
}
