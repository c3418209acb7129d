package apply

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/dumpsync/dumpsync/internal/planread"
	"github.com/dumpsync/dumpsync/internal/record"
)

// escapeDomain writes a domain folder at dir: a Resync.cfg of two records
// (ABC00001, ABC00002, both old) and Invencfg.box/ABC00001.cfg.
func escapeDomain(t *testing.T, dir string) {
	t.Helper()
	a, b := record.Make("ABC00001", 1000, nil), record.Make("ABC00002", 2000, nil)
	if err := os.MkdirAll(filepath.Join(dir, "Invencfg.box"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Resync.cfg"), append(a.Raw[:], b.Raw[:]...), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Invencfg.box", "ABC00001.cfg"), []byte("inventory of ABC00001"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// hashTree is every entry under dir: its type, and a file's SHA-256.
func hashTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case d.Type().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			m[rel] = hex.EncodeToString(sum[:])
		default:
			m[rel] = d.Type().String()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// escapeRows are the rows a plan (or a forged undo file) could hold for the
// domain folder dom as escapeDomain wrote it: remove ABC00001's entry,
// delete its .cfg, put a record back, create a new .cfg.
func escapeRows(t *testing.T, dom string) []planread.Row {
	t.Helper()
	resync := filepath.Join(dom, "Resync.cfg")
	data, err := os.ReadFile(filepath.Join(dom, "Resync.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	size, hx := int64(len(data)), hex.EncodeToString(sum[:])
	a := record.Make("ABC00001", 1000, nil)
	c := record.Make("ABC00003", 3000, nil)
	ra, rc := a.Hex(), c.Hex()
	cfg := filepath.Join(dom, "Invencfg.box", "ABC00001.cfg")
	cfgData := []byte("inventory of ABC00001")
	cfgSum := sha256.Sum256(cfgData)
	cfgSize, cfgHex := int64(len(cfgData)), hex.EncodeToString(cfgSum[:])
	content := base64.StdEncoding.EncodeToString([]byte("forged"))
	off0, offEnd, cutoff := int64(0), size, int64(1500)
	return []planread.Row{
		{N: 1, Action: RemoveEntryAction, Path: resync, SmsId: "ABC00001", Offset: &off0, Record: &ra, Size: &size, Sha256: &hx},
		{N: 2, Action: DeleteFileAction, Path: cfg, SmsId: "ABC00001", Size: &cfgSize, Sha256: &cfgHex, Cutoff: &cutoff},
		{N: 3, Action: RestoreEntry, Path: resync, SmsId: "ABC00003", Offset: &offEnd, Record: &rc, Size: &size, Sha256: &hx},
		{N: 4, Action: RestoreFile, Path: filepath.Join(dom, "Invencfg.box", "NEW00001.cfg"), SmsId: "NEW00001",
			Size: i64(6), Sha256: &cfgHex, Content: &content},
	}
}

func runGuarded(t *testing.T, rows []planread.Row, opt Options) []Result {
	t.Helper()
	var got []Result
	done := make(chan error, 1)
	go func() {
		_, err := Run(rows, opt, func(r *Result) error { got = append(got, *r); return nil })
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("apply still running after 20 s: it is waiting on something it should have refused")
	}
	return got
}

// A row whose Path goes through a link (a folder on the way, the domain
// folder itself, Invencfg.box) changes nothing outside the --within folder,
// whatever its action: plan rows and forged undo rows alike are Skipped.
func TestLinksNeverLeadOutside(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Wine has no symbolic links or junctions")
	}
	base := t.TempDir()
	root := filepath.Join(base, "ROOT")
	elsewhere := filepath.Join(base, "elsewhere")
	escapeDomain(t, filepath.Join(elsewhere, "Domain.000"))
	escapeDomain(t, filepath.Join(root, "D", "Plain", "Domain.000"))
	escapeDomain(t, filepath.Join(root, "D", "Box", "Domain.000"))
	os.RemoveAll(filepath.Join(root, "D", "Box", "Domain.000", "Invencfg.box"))
	for link, target := range map[string]string{
		filepath.Join(root, "D", "Link"):                               elsewhere,
		filepath.Join(root, "D", "Domain.001"):                         filepath.Join(elsewhere, "Domain.000"),
		filepath.Join(root, "D", "Box", "Domain.000", "Invencfg.box"):  filepath.Join(elsewhere, "Domain.000", "Invencfg.box"),
		filepath.Join(root, "D", "Resync", "Domain.000", "Resync.cfg"): filepath.Join(elsewhere, "Domain.000", "Resync.cfg"),
	} {
		os.MkdirAll(filepath.Dir(link), 0o755)
		if err := os.Symlink(target, link); err != nil {
			t.Skip("no symbolic links here:", err)
		}
	}
	// Without --within, the check starts above the domain folder: a link
	// above it cannot be told from a folder the user named (apply is always
	// given --within; the original syntax passes the domain folders).
	tests := []struct {
		name     string
		dom      string
		rows     []int // indexes into escapeRows that must be Skipped
		noWithin bool  // also refused without --within
	}{
		{"a linked folder on the way", filepath.Join(root, "D", "Link", "Domain.000"), []int{0, 1, 2, 3}, false},
		{"the domain folder is a link", filepath.Join(root, "D", "Domain.001"), []int{0, 1, 2, 3}, true},
		{"Invencfg.box is a link", filepath.Join(root, "D", "Box", "Domain.000"), []int{1, 3}, true},
		{"Resync.cfg is a link", filepath.Join(root, "D", "Resync", "Domain.000"), []int{0, 2}, true},
	}
	// The rows must be right: on a plain copy they are carried out.
	plainRows := escapeRows(t, filepath.Join(root, "D", "Plain", "Domain.000"))
	for _, whatIf := range []bool{true, false} {
		got := runGuarded(t, plainRows[:2], Options{Within: []string{root}, WhatIf: whatIf})
		for _, r := range got {
			if r.Status != Applied && r.Status != WhatIf {
				t.Fatalf("control, what-if=%v: row %s on a plain folder: %s %q", whatIf, r.Action, r.Status, r.Detail)
			}
		}
	}
	got := runGuarded(t, plainRows[2:], Options{Within: []string{root}})
	for _, r := range got {
		if r.Status != Applied {
			t.Fatalf("control: row %s on a plain folder: %s %q", r.Action, r.Status, r.Detail)
		}
	}

	for _, tt := range tests {
		// The guard rows are built from the real files behind the links.
		real := escapeRows(t, filepath.Join(elsewhere, "Domain.000"))
		rows := escapeRows(t, filepath.Join(elsewhere, "Domain.000"))
		for i := range rows {
			rel, _ := filepath.Rel(filepath.Join(elsewhere, "Domain.000"), real[i].Path)
			rows[i].Path = filepath.Join(tt.dom, rel)
		}
		var picked []planread.Row
		for _, i := range tt.rows {
			picked = append(picked, rows[i])
		}
		for _, whatIf := range []bool{true, false} {
			for _, within := range [][]string{{root}, nil} {
				if within == nil && !tt.noWithin {
					continue
				}
				before := hashTree(t, elsewhere)
				got := runGuarded(t, picked, Options{Within: within, WhatIf: whatIf})
				for _, r := range got {
					if r.Status != Skipped || !strings.Contains(r.Detail, "never") {
						t.Errorf("%s, what-if=%v, within=%v: %s %s: %s %q", tt.name, whatIf, within, r.Action, r.Path, r.Status, r.Detail)
					}
				}
				after := hashTree(t, elsewhere)
				if len(after) != len(before) {
					t.Errorf("%s: files outside were created or removed: %v -> %v", tt.name, before, after)
				}
				for k, v := range before {
					if after[k] != v {
						t.Errorf("%s, what-if=%v: %s outside changed", tt.name, whatIf, k)
					}
				}
			}
		}
	}
}
