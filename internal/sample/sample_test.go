package sample

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dumpsync/dumpsync/internal/record"
)

var testNow = time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC)

// treeHash hashes every path (relative, slash-separated), its kind, its
// modification time and, for files, its content.
func treeHash(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == dir {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		fmt.Fprintf(h, "%s %v %d\n", filepath.ToSlash(rel), d.IsDir(), info.ModTime().UnixNano())
		if !d.IsDir() {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "%d %x\n", len(b), sha256.Sum256(b))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func generate(t *testing.T, c Config) (*Layout, string) {
	t.Helper()
	dir := t.TempDir()
	l, err := Generate(dir, c)
	if err != nil {
		t.Fatal(err)
	}
	return l, dir
}

func TestDeterministic(t *testing.T) {
	c := DefaultConfig(7, testNow)
	c.PartialRecord = true
	_, a := generate(t, c)
	_, b := generate(t, c)
	ha, hb := treeHash(t, a), treeHash(t, b)
	if ha != hb {
		t.Errorf("same config, different trees: %s vs %s", ha, hb)
	}
	c.Seed = 8
	_, other := generate(t, c)
	if treeHash(t, other) == ha {
		t.Errorf("seeds 7 and 8 gave the same tree")
	}
}

// TestDomainIndependentOfLogons checks that the random streams are separate:
// adding logon servers leaves the domains' Resync.cfg alone.
func TestDomainIndependentOfLogons(t *testing.T) {
	c := DefaultConfig(3, testNow)
	l1, _ := generate(t, c)
	c.LogonServers = 5
	l2, _ := generate(t, c)
	for d := range l1.Domains {
		a := readFile(t, filepath.Join(l1.Domains[d], "Resync.cfg"))
		b := readFile(t, filepath.Join(l2.Domains[d], "Resync.cfg"))
		if !bytes.Equal(a, b) {
			t.Errorf("domain %d: Resync.cfg changed with the number of logon servers", d)
		}
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parseAll(t *testing.T, b []byte) []record.Entry {
	t.Helper()
	var es []record.Entry
	for len(b) >= record.Size {
		es = append(es, record.Parse(b))
		b = b[record.Size:]
	}
	return es
}

// cfgIDs lists the SMSIDs of the .cfg files in dir, with their times.
func cfgIDs(t *testing.T, dir, ext string) map[string]time.Time {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]time.Time{}
	for _, e := range ents {
		id, ok := strings.CutSuffix(e.Name(), ext)
		if !ok {
			t.Errorf("%s: unexpected file %s", dir, e.Name())
			continue
		}
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		ids[id] = info.ModTime()
	}
	return ids
}

func TestDomainInvariants(t *testing.T) {
	c := DefaultConfig(1, testNow)
	l, dir := generate(t, c)
	if got, want := l.Root, filepath.Join(dir, "SMS"); got != want {
		t.Errorf("Root = %s, want %s", got, want)
	}
	if len(l.Domains) != 2 {
		t.Fatalf("%d domains, want 2", len(l.Domains))
	}
	now := uint32(testNow.Unix())
	for d, path := range l.Domains {
		if want := filepath.Join(dir, "SMS", "Site.srv", "Maincfg.box", "Invdom.box", fmt.Sprintf("Domain.%03d", d)); path != want {
			t.Errorf("domain %d at %s, want %s", d, path, want)
		}
		b := readFile(t, filepath.Join(path, "Resync.cfg"))
		if len(b) != c.EntriesPerDomain*record.Size {
			t.Fatalf("%s: Resync.cfg is %d bytes, want %d", path, len(b), c.EntriesPerDomain*record.Size)
		}
		requests := map[string]int{}
		problems := map[string]int{}
		var zero, future, boundary, invalid int
		extras := map[string]bool{}
		for _, e := range parseAll(t, b) {
			if bytes.IndexByte(e.Extra(), 0) >= 0 {
				t.Errorf("%s: record %s has a zero extra byte", path, e.Hex())
			}
			extras[e.ExtraHex()] = true
			if p := e.Problem(); p != "" {
				invalid++
				problems[p]++
				continue
			}
			requests[e.SmsID()]++
			switch tm := e.Time(); {
			case tm == 0:
				zero++
			case tm > now:
				future++
				if tm > now+maxFutureDays*daySeconds {
					t.Errorf("%s: %s is more than %d days ahead", path, e.Hex(), maxFutureDays)
				}
			case tm < now-maxAgeDays*daySeconds:
				t.Errorf("%s: %s is more than %d days old", path, e.Hex(), maxAgeDays)
			case (now-tm)%daySeconds == 0:
				boundary++
			}
		}
		if len(extras) != c.EntriesPerDomain {
			t.Errorf("%s: %d distinct extra fields in %d records", path, len(extras), c.EntriesPerDomain)
		}
		if want := c.EntriesPerDomain / c.InvalidEvery; invalid != want {
			t.Errorf("%s: %d invalid records, want %d", path, invalid, want)
		}
		for _, want := range []string{
			"SMSID is empty",
			"SMSID has byte 0x2F", // '/'
			"SMSID has byte 0x2D", // '-'
			"SMSID has byte 0xE9",
			"no NUL terminator",
			"after its end",
		} {
			found := false
			for p := range problems {
				found = found || strings.Contains(p, want)
			}
			if !found {
				t.Errorf("%s: no invalid record with %q; have %v", path, want, problems)
			}
		}
		if zero == 0 || future == 0 || boundary < 2 {
			t.Errorf("%s: %d zero-time, %d future, %d day-boundary requests; want some of each", path, zero, future, boundary)
		}
		dups := 0
		for id, n := range requests {
			if n > 4 {
				t.Errorf("%s: %s has %d requests, want at most 4", path, id, n)
			}
			if n > 1 {
				dups++
			}
		}
		if dups < 3 {
			t.Errorf("%s: %d SMSIDs with several requests, want more", path, dups)
		}

		cfgs := cfgIDs(t, filepath.Join(path, "Invencfg.box"), ".cfg")
		if want := c.ClientsPerDomain + c.OrphansPerDomain; len(cfgs) != want {
			t.Errorf("%s: %d .cfg files, want %d", path, len(cfgs), want)
		}
		orphans, gone := 0, 0
		for id, mt := range cfgs {
			if !record.ValidSMSID(id) || len(id) != 8 || !strings.HasPrefix(id, "ABC") {
				t.Errorf("%s: bad SMSID %q", path, id)
			}
			if requests[id] == 0 {
				orphans++
				if mt.After(testNow.AddDate(0, 0, -maxAgeDays)) {
					t.Errorf("%s: orphan %s.cfg has a recent time %v", path, id, mt)
				}
			}
		}
		for id := range requests {
			if _, ok := cfgs[id]; !ok {
				gone++
			}
		}
		if orphans < c.OrphansPerDomain {
			t.Errorf("%s: %d .cfg files without a request, want at least %d", path, orphans, c.OrphansPerDomain)
		}
		if gone == 0 {
			t.Errorf("%s: every requested SMSID has a .cfg; want some that are gone", path)
		}
	}
}

func TestLogonInvariants(t *testing.T) {
	c := DefaultConfig(1, testNow)
	l, dir := generate(t, c)
	if len(l.Logons) != 3 || fmt.Sprint(l.LogonDomain) != "[0 1 0]" {
		t.Fatalf("logons %v on domains %v; want 3 on [0 1 0]", l.Logons, l.LogonDomain)
	}
	if l.MangledLogon != 2 || l.PartialLogon != -1 {
		t.Errorf("MangledLogon %d, PartialLogon %d; want 2, -1", l.MangledLogon, l.PartialLogon)
	}
	older := 0
	for k, path := range l.Logons {
		if want := filepath.Join(dir, fmt.Sprintf("LOGON%d", k+1), "SMSLOGON", "Logon.srv"); path != want {
			t.Errorf("logon %d at %s, want %s", k, path, want)
		}
		resync, box, ext := "Resync.cfg", "Invencfg.box", ".cfg"
		if k == l.MangledLogon {
			resync, box, ext = "RESYNC.CFG", "INVENCFG.BOX", ".CFG"
		}
		names := dirNames(t, path)
		if want := box + " " + resync; names != want {
			t.Errorf("%s holds %q, want %q", path, names, want)
		}
		site := filepath.Join(l.Domains[l.LogonDomain[k]])
		b := readFile(t, filepath.Join(path, resync))
		full := readFile(t, filepath.Join(site, "Resync.cfg"))
		if len(b)%record.Size != 0 {
			t.Errorf("%s: %d bytes, not a multiple of %d", path, len(b), record.Size)
		}
		if !bytes.HasPrefix(full, b) {
			t.Errorf("%s: Resync.cfg is not an older copy of the domain's", path)
		}
		if len(b) < len(full) {
			older++
		}
		siteCfgs := cfgIDs(t, filepath.Join(site, "Invencfg.box"), ".cfg")
		cfgs := cfgIDs(t, filepath.Join(path, box), ext)
		orphans := 0
		for id, mt := range cfgs {
			if _, ok := siteCfgs[id]; !ok {
				orphans++
				continue
			}
			a := readFile(t, filepath.Join(path, box, id+ext))
			s := readFile(t, filepath.Join(site, "Invencfg.box", id+".cfg"))
			if !bytes.Equal(a, s) || !mt.Equal(siteCfgs[id]) {
				t.Errorf("%s: %s%s differs from the site's copy", path, id, ext)
			}
		}
		if orphans != c.OrphansPerLogon {
			t.Errorf("%s: %d orphan .cfg files, want %d", path, orphans, c.OrphansPerLogon)
		}
		if k == 0 && (len(b) != len(full) || len(cfgs) != len(siteCfgs)+orphans) {
			t.Errorf("%s: the first logon server is not an exact copy", path)
		}
	}
	if older == 0 {
		t.Errorf("no logon server has an older Resync.cfg")
	}
}

func dirNames(t *testing.T, dir string) string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return strings.Join(names, " ")
}

func TestPartialRecord(t *testing.T) {
	c := DefaultConfig(1, testNow)
	c.PartialRecord = true
	l, _ := generate(t, c)
	if l.PartialLogon != 1 {
		t.Fatalf("PartialLogon = %d, want 1", l.PartialLogon)
	}
	for k, path := range l.Logons {
		name := "Resync.cfg"
		if k == l.MangledLogon {
			name = "RESYNC.CFG"
		}
		b := readFile(t, filepath.Join(path, name))
		full := readFile(t, filepath.Join(l.Domains[l.LogonDomain[k]], "Resync.cfg"))
		if partial := len(b)%record.Size != 0; partial != (k == l.PartialLogon) {
			t.Errorf("%s: %d bytes, partial %v", path, len(b), partial)
		}
		if !bytes.HasPrefix(full, b) {
			t.Errorf("%s: not a prefix of the domain's Resync.cfg", path)
		}
	}
}

func TestModTimes(t *testing.T) {
	c := DefaultConfig(1, testNow)
	l, dir := generate(t, c)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == dir {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		mt := info.ModTime()
		if mt.After(testNow) || mt.Before(testNow.AddDate(-5, 0, 0)) {
			t.Errorf("%s: time %v is not set from Now", path, mt)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A domain's Resync.cfg was last written at its newest past request.
	info, err := os.Stat(filepath.Join(l.Domains[0], "Resync.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	var newest uint32
	for _, e := range parseAll(t, readFile(t, filepath.Join(l.Domains[0], "Resync.cfg"))) {
		if e.Valid() && e.Time() <= uint32(testNow.Unix()) {
			newest = max(newest, e.Time())
		}
	}
	if info.ModTime().Unix() != int64(newest) {
		t.Errorf("Resync.cfg time %v, want its newest request %v", info.ModTime(), time.Unix(int64(newest), 0))
	}
}

func TestDefaultsAndErrors(t *testing.T) {
	l, _ := generate(t, Config{Seed: 1})
	if len(l.Domains) != 2 || len(l.Logons) != 3 || l.MangledLogon != -1 {
		t.Errorf("zero Config: %d domains, %d logons, mangled %d; want 2, 3, -1", len(l.Domains), len(l.Logons), l.MangledLogon)
	}
	if b := readFile(t, filepath.Join(l.Domains[1], "Resync.cfg")); len(b) != 120*record.Size {
		t.Errorf("zero Config: Resync.cfg is %d bytes, want %d", len(b), 120*record.Size)
	}
	l, _ = generate(t, Config{Seed: 1, LogonServers: -1, EntriesPerDomain: -1})
	if len(l.Logons) != 0 {
		t.Errorf("LogonServers -1 gave %d logon servers", len(l.Logons))
	}
	if b := readFile(t, filepath.Join(l.Domains[0], "Resync.cfg")); len(b) != 0 {
		t.Errorf("EntriesPerDomain -1 gave %d bytes", len(b))
	}

	for _, c := range []Config{
		{Domains: -1},
		{SiteCode: "AB"},
		{SiteCode: "ab1"},
		{InvalidEvery: -2},
		{Now: time.Unix(86400, 0)},
		{EntriesPerDomain: 600000},
	} {
		if _, err := Generate(t.TempDir(), c); err == nil {
			t.Errorf("Generate(%+v) succeeded", c)
		}
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(dir, Config{}); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("Generate into a non-empty folder: %v", err)
	}
}

// TestBundledSample checks that testdata/sample is what scripts/gensample.sh
// makes (DefaultConfig(1, DefaultNow)), byte for byte. Git keeps no file
// times, so they are not compared.
func TestBundledSample(t *testing.T) {
	bundled := filepath.Join("..", "..", "testdata", "sample")
	if _, err := os.Stat(bundled); err != nil {
		t.Fatalf("%v (run scripts/gensample.sh)", err)
	}
	_, dir := generate(t, DefaultConfig(1, DefaultNow))
	want, total := listTree(t, dir)
	got, _ := listTree(t, bundled)
	for path, w := range want {
		if g, ok := got[path]; !ok {
			t.Errorf("testdata/sample lacks %s", path)
		} else if g != w {
			t.Errorf("testdata/sample/%s differs from the generator's", path)
		}
	}
	for path := range got {
		if _, ok := want[path]; !ok {
			t.Errorf("testdata/sample has %s, which the generator does not make", path)
		}
	}
	if total > 200<<10 {
		t.Errorf("the sample is %d bytes, want at most 200 KiB", total)
	}
	if t.Failed() {
		t.Log("regenerate it with scripts/gensample.sh")
	}
}

// listTree maps each file's slash-separated relative path to its content hash.
func listTree(t *testing.T, dir string) (map[string]string, int) {
	t.Helper()
	files := map[string]string{}
	total := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		files[filepath.ToSlash(rel)] = fmt.Sprintf("%x", sha256.Sum256(b))
		total += len(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files, total
}

func TestPartialRecordWithoutEntries(t *testing.T) {
	l, _ := generate(t, Config{Seed: 1, EntriesPerDomain: -1, LogonServers: 1, PartialRecord: true})
	b := readFile(t, filepath.Join(l.Logons[0], "Resync.cfg"))
	if len(b) == 0 || len(b) >= record.Size {
		t.Errorf("the only logon copy has %d bytes, want a partial record", len(b))
	}
}
