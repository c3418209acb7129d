// Package sample generates deterministic SMS 1.2 site trees — domain
// folders with Resync.cfg and Invencfg.box, and logon-server copies of them —
// for tests, benchmarks and the README's bundled sample.
//
// It is not a model of what dumpsync does: nothing here decides what is stale.
// Everything is drawn from math/rand/v2's PCG with the caller's seed, and every
// file and folder time is set from Config.Now, so the same Config always gives
// a byte-identical tree with identical modification times.
package sample

import (
	"bytes"
	"cmp"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/dumpsync/dumpsync/internal/record"
)

// DefaultNow is the Now used when Config.Now is zero, and the bundled sample's.
var DefaultNow = time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC)

// Config describes a site to generate. For the four counts with a default,
// zero means the default and a negative value means none. DefaultConfig
// fills in everything, including the fields whose zero value is "off".
type Config struct {
	Seed     uint64
	Now      time.Time // ages and all file times are relative to it; zero: DefaultNow
	SiteCode string    // 3 characters of [A-Z0-9]; default "ABC"

	Domains          int // default 2; must not be negative
	ClientsPerDomain int // default 40: SMSIDs with a .cfg file and at least one request
	EntriesPerDomain int // default 120: records in each domain's Resync.cfg
	InvalidEvery     int // one record in every InvalidEvery is invalid, cycling through the kinds; 0: none
	LogonServers     int // default 3, given to the domains round-robin

	CaseMangle       bool // one logon server (the last) uses RESYNC.CFG, INVENCFG.BOX and .CFG names
	OrphansPerLogon  int  // .cfg files on each logon server that the site no longer has
	OrphansPerDomain int  // .cfg files in each domain's Invencfg.box with no request at all
	PartialRecord    bool // one logon copy (the second, or the only) ends in a partial record
}

// DefaultConfig is the configuration of the bundled sample, for the given
// seed and now: every kind of entry and file is present.
func DefaultConfig(seed uint64, now time.Time) Config {
	return Config{
		Seed:             seed,
		Now:              now,
		SiteCode:         "ABC",
		Domains:          2,
		ClientsPerDomain: 40,
		EntriesPerDomain: 120,
		InvalidEvery:     20,
		LogonServers:     3,
		CaseMangle:       true,
		OrphansPerLogon:  3,
		OrphansPerDomain: 2,
	}
}

// Layout says where Generate put things. All paths are absolute.
type Layout struct {
	Dir          string   // the directory passed to Generate
	Root         string   // the site root, Dir/SMS, which holds Site.srv
	Domains      []string // Root/Site.srv/Maincfg.box/Invdom.box/Domain.000, ...
	Logons       []string // Dir/LOGON1/SMSLOGON/Logon.srv, ...
	LogonDomain  []int    // Logons[i] holds a copy of Domains[LogonDomain[i]]
	MangledLogon int      // index in Logons of the case-mangled copy; -1 if none
	PartialLogon int      // index in Logons of the copy ending in a partial record; -1 if none
}

// File names as Maintenance Manager writes them, and as the case-mangled
// logon server has them.
const (
	resyncName        = "Resync.cfg"
	invencfgName      = "Invencfg.box"
	cfgExt            = ".cfg"
	mangledResyncName = "RESYNC.CFG"
	mangledInvencfg   = "INVENCFG.BOX"
	mangledCfgExt     = ".CFG"
)

// Random streams, one per part of the tree.
const (
	streamSerials = 1
	streamResync  = 2
	streamDomain  = 100     // + domain index
	streamLogon   = 1 << 20 // + logon index
)

type cfgFile struct {
	id    string
	data  []byte
	mtime time.Time
}

type domain struct {
	name    string
	records []record.Entry // in file order
	files   []cfgFile      // sorted by id
}

func (c *Config) fill() error {
	if c.Now.IsZero() {
		c.Now = DefaultNow
	}
	if c.SiteCode == "" {
		c.SiteCode = "ABC"
	}
	def := DefaultConfig(0, time.Time{})
	for _, f := range []struct {
		v   *int
		def int
	}{
		{&c.Domains, def.Domains},
		{&c.ClientsPerDomain, def.ClientsPerDomain},
		{&c.EntriesPerDomain, def.EntriesPerDomain},
		{&c.LogonServers, def.LogonServers},
	} {
		switch {
		case *f.v == 0:
			*f.v = f.def
		case *f.v < 0:
			*f.v = 0
		}
	}
	if c.Domains == 0 {
		return fmt.Errorf("sample: Domains must be at least 1")
	}
	if len(c.SiteCode) != 3 || !record.ValidSMSID(c.SiteCode) || strings.ToUpper(c.SiteCode) != c.SiteCode {
		return fmt.Errorf("sample: site code %q must be 3 characters of [A-Z0-9]", c.SiteCode)
	}
	if c.InvalidEvery < 0 || c.OrphansPerLogon < 0 || c.OrphansPerDomain < 0 {
		return fmt.Errorf("sample: InvalidEvery, OrphansPerLogon and OrphansPerDomain must not be negative")
	}
	if need := c.serialsNeeded(); need > maxSerial {
		return fmt.Errorf("sample: %d SMSIDs needed, but a 5-digit hex serial allows %d", need, maxSerial)
	}
	return checkNow(c.Now)
}

// serialsNeeded bounds the number of SMSIDs Generate hands out: clients,
// clients that are gone (at most one per record), and orphans.
func (c *Config) serialsNeeded() int64 {
	return int64(c.Domains)*(int64(c.ClientsPerDomain)+int64(c.EntriesPerDomain)+int64(c.OrphansPerDomain)) +
		int64(c.LogonServers)*int64(c.OrphansPerLogon)
}

// Generate builds a site tree under dir, which must be empty or not exist:
//
//	dir/SMS/Site.srv/Maincfg.box/Invdom.box/Domain.00N/{Resync.cfg,Invencfg.box/<SMSID>.cfg}
//	dir/LOGONk/SMSLOGON/Logon.srv/{Resync.cfg,Invencfg.box/<SMSID>.cfg}   (k = 1, 2, ...)
//
// The first logon server holds an exact copy of its domain; the others hold
// an older copy (a prefix of the domain's Resync.cfg) and lack a few .cfg
// files. Every logon server also has OrphansPerLogon .cfg files of its own.
func Generate(dir string, c Config) (*Layout, error) {
	if err := c.fill(); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("sample: %v", err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("sample: %v", err)
	}
	if ents, err := os.ReadDir(abs); err != nil {
		return nil, fmt.Errorf("sample: %v", err)
	} else if len(ents) > 0 {
		return nil, fmt.Errorf("sample: %s is not empty", abs)
	}

	ids := &serials{r: newRand(c.Seed, streamSerials), site: c.SiteCode, gap: 1}
	if 2*c.serialsNeeded() <= maxSerial {
		ids.gap = 2
	}

	l := &Layout{Dir: abs, Root: filepath.Join(abs, "SMS"), MangledLogon: -1, PartialLogon: -1}
	w := &treeWriter{top: abs}
	domains := make([]*domain, c.Domains)
	for d := range domains {
		domains[d] = genDomain(&c, d, ids)
		path := filepath.Join(l.Root, "Site.srv", "Maincfg.box", "Invdom.box", domains[d].name)
		l.Domains = append(l.Domains, path)
		recs := recordBytes(domains[d].records)
		w.file(filepath.Join(path, resyncName), recs, resyncTime(&c, domains[d].records))
		for _, f := range domains[d].files {
			w.file(filepath.Join(path, invencfgName, f.id+cfgExt), f.data, f.mtime)
		}
	}
	if c.LogonServers > 0 {
		if c.CaseMangle {
			l.MangledLogon = c.LogonServers - 1
		}
		if c.PartialRecord {
			l.PartialLogon = min(1, c.LogonServers-1)
		}
	}
	for k := 0; k < c.LogonServers; k++ {
		d := k % c.Domains
		path := filepath.Join(abs, fmt.Sprintf("LOGON%d", k+1), "SMSLOGON", "Logon.srv")
		l.Logons = append(l.Logons, path)
		l.LogonDomain = append(l.LogonDomain, d)
		genLogon(&c, k, domains[d], ids, path, k == l.MangledLogon, k == l.PartialLogon, w)
	}
	if err := w.finish(c.Now.Add(-time.Hour)); err != nil {
		return nil, err
	}
	return l, nil
}

// genDomain draws one domain: its clients, their requests, the requests of
// clients that are gone, invalid records and the orphan .cfg files.
func genDomain(c *Config, d int, ids *serials) *domain {
	r := newRand(c.Seed, streamDomain+uint64(d))
	m := &maker{r: r, now: c.Now.Unix(), site: c.SiteCode}
	dom := &domain{name: fmt.Sprintf("Domain.%03d", d)}
	n := c.EntriesPerDomain
	invalid := 0
	if c.InvalidEvery > 0 {
		invalid = n / c.InvalidEvery
	}
	valid := n - invalid

	clients := make([]string, c.ClientsPerDomain)
	for i := range clients {
		clients[i] = ids.id()
	}
	// Who the valid requests are for: each client once, a quarter of the
	// clients 2–4 times, and then clients that are gone (no .cfg file), one
	// in five of those more than once.
	who := make([]string, 0, valid)
	for i := 0; i < len(clients) && len(who) < valid; i++ {
		who = append(who, clients[i])
	}
	for _, i := range r.Perm(len(clients))[:len(clients)/4] {
		for k := 1 + r.IntN(3); k > 0 && len(who) < valid; k-- {
			who = append(who, clients[i])
		}
	}
	for len(who) < valid {
		id := ids.id()
		who = append(who, id)
		if r.IntN(5) == 0 {
			for k := 1 + r.IntN(3); k > 0 && len(who) < valid; k-- {
				who = append(who, id)
			}
		}
	}

	// When each request was made, and when it was appended to the file: the
	// file is in append order, which is the request order except for the
	// zero-time and future requests.
	type req struct {
		e        record.Entry
		appended uint32
	}
	reqs := make([]req, 0, n)
	zero, future, boundary := 0, 0, 0
	if valid >= 20 {
		zero, future, boundary = max(1, valid/40), max(1, valid/40), max(2, valid/20)
	}
	kindOf := make([]int, valid) // 0 ordinary, 1 zero, 2 future, 3 boundary
	perm := r.Perm(valid)
	for i, p := range perm {
		switch {
		case i < zero:
			kindOf[p] = 1
		case i < zero+future:
			kindOf[p] = 2
		case i < zero+future+boundary:
			kindOf[p] = 3
		}
	}
	latest := map[string]uint32{}
	for i, id := range who {
		var t, appended uint32
		switch kindOf[i] {
		case 0:
			t = m.pastTime()
			appended = t
		case 1:
			t, appended = 0, m.pastTime()
		case 2:
			t, appended = m.futureTime(), m.pastTime()
		case 3:
			t = m.boundaryTime()
			appended = t
		}
		if kindOf[i] != 1 && kindOf[i] != 2 {
			latest[id] = max(latest[id], t)
		}
		reqs = append(reqs, req{m.entry(id, t), appended})
	}
	for j := 0; j < invalid; j++ {
		base := smsID(c.SiteCode, 0)
		if len(clients) > 0 {
			base = clients[r.IntN(len(clients))]
		}
		t := m.pastTime()
		reqs = append(reqs, req{m.entry(m.invalidID(j%invalidKinds, base), t), t})
	}
	slices.SortStableFunc(reqs, func(a, b req) int { return cmp.Compare(a.appended, b.appended) })
	dom.records = make([]record.Entry, len(reqs))
	for i, q := range reqs {
		dom.records[i] = q.e
	}

	// A client's .cfg was last written at its newest request; a client
	// without one (only zero-time or future requests) has an old file.
	for _, id := range clients {
		mt := oldTime(c, r)
		if t, ok := latest[id]; ok {
			mt = time.Unix(int64(t), 0)
		}
		dom.files = append(dom.files, cfgFile{id, cfgBlob(r, c.SiteCode, dom.name, id), mt})
	}
	for range c.OrphansPerDomain {
		id := ids.id()
		dom.files = append(dom.files, cfgFile{id, cfgBlob(r, c.SiteCode, dom.name, id), oldTime(c, r)})
	}
	slices.SortFunc(dom.files, func(a, b cfgFile) int { return strings.Compare(a.id, b.id) })
	return dom
}

// genLogon writes logon server k's copy of dom at path.
func genLogon(c *Config, k int, dom *domain, ids *serials, path string, mangled, partial bool, w *treeWriter) {
	r := newRand(c.Seed, streamLogon+uint64(k))
	recs := dom.records
	files := dom.files
	if k > 0 {
		lag := 1 + r.IntN(max(1, len(recs)/10))
		recs = recs[:max(0, len(recs)-lag)]
		drop := map[int]bool{}
		for _, i := range r.Perm(len(files))[:min(len(files), r.IntN(3))] {
			drop[i] = true
		}
		kept := make([]cfgFile, 0, len(files))
		for i, f := range files {
			if !drop[i] {
				kept = append(kept, f)
			}
		}
		files = kept
	}
	data := recordBytes(recs)
	if partial {
		// The start of the record that was being copied.
		var next record.Entry
		if len(recs) < len(dom.records) {
			next = dom.records[len(recs)]
		} else {
			m := &maker{r: r, now: c.Now.Unix(), site: c.SiteCode}
			next = m.entry(smsID(c.SiteCode, 0), m.pastTime())
		}
		data = append(data, next.Raw[:1+r.IntN(record.Size-1)]...)
	}
	for range c.OrphansPerLogon {
		id := ids.id()
		files = append(files, cfgFile{id, cfgBlob(r, c.SiteCode, dom.name, id), oldTime(c, r)})
	}
	slices.SortFunc(files, func(a, b cfgFile) int { return strings.Compare(a.id, b.id) })

	resync, invencfg, ext := resyncName, invencfgName, cfgExt
	if mangled {
		resync, invencfg, ext = mangledResyncName, mangledInvencfg, mangledCfgExt
	}
	w.file(filepath.Join(path, resync), data, resyncTime(c, recs))
	for _, f := range files {
		w.file(filepath.Join(path, invencfg, f.id+ext), f.data, f.mtime)
	}
}

// oldTime is the time of a file nobody has touched for longer than any
// request is old: 900–1500 days before now.
func oldTime(c *Config, r *rand.Rand) time.Time {
	return c.Now.Add(-time.Duration(900*daySeconds+r.Int64N(600*daySeconds)) * time.Second)
}

// resyncTime is when a Resync.cfg holding recs was last written: at its
// newest request that is neither unknown nor in the future.
func resyncTime(c *Config, recs []record.Entry) time.Time {
	now := c.Now.Unix()
	var newest int64
	for i := range recs {
		if t := int64(recs[i].Time()); t <= now && t > newest && recs[i].Valid() {
			newest = t
		}
	}
	if newest == 0 {
		return c.Now.Add(-24 * time.Hour)
	}
	return time.Unix(newest, 0)
}

func recordBytes(recs []record.Entry) []byte {
	b := make([]byte, 0, len(recs)*record.Size)
	for i := range recs {
		b = append(b, recs[i].Raw[:]...)
	}
	return b
}

// cfgBlob is the content of <SMSID>.cfg: a few lines of text and then an
// opaque binary block (with NULs, so that git never converts line endings).
func cfgBlob(r *rand.Rand, site, domain, id string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "[SMS Inventory Agent]\r\nSMSID=%s\r\nSiteCode=%s\r\nDomain=%s\r\n", id, site, strings.ToUpper(strings.ReplaceAll(domain, ".", "")))
	fmt.Fprintf(&b, "MachineName=WKS%04d\r\nInventoryFrequency=%d\r\nAgentVersion=1.2.%d\r\nSoftwareAudit=%d\r\n\r\n",
		r.IntN(10000), 1+r.IntN(14), 700+r.IntN(300), r.IntN(2))
	b.WriteString("\x1a\x00")
	for n := 8 * (8 + r.IntN(24)); n > 0; n -= 8 {
		v := r.Uint64()
		for range 8 {
			b.WriteByte(byte(v))
			v >>= 8
		}
	}
	return b.Bytes()
}

// treeWriter writes files, remembering the folders it made so that their
// times can be set last (writing a file changes its folder's time). The
// first error is kept and the rest of the work skipped.
type treeWriter struct {
	top  string // exists already; everything is made below it
	dirs []string
	seen map[string]bool
	err  error
}

func (w *treeWriter) mkdir(dir string) {
	if w.err != nil || dir == w.top || w.seen[dir] {
		return
	}
	if w.seen == nil {
		w.seen = map[string]bool{}
	}
	w.mkdir(filepath.Dir(dir))
	if err := os.Mkdir(dir, 0o755); err != nil && !os.IsExist(err) {
		w.err = fmt.Errorf("sample: %v", err)
		return
	}
	w.seen[dir] = true
	w.dirs = append(w.dirs, dir)
}

func (w *treeWriter) file(path string, data []byte, mtime time.Time) {
	w.mkdir(filepath.Dir(path))
	if w.err != nil {
		return
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		w.err = fmt.Errorf("sample: %v", err)
		return
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		w.err = fmt.Errorf("sample: %v", err)
	}
}

// finish sets the time of every folder it made, deepest first.
func (w *treeWriter) finish(t time.Time) error {
	for i := len(w.dirs) - 1; i >= 0 && w.err == nil; i-- {
		if err := os.Chtimes(w.dirs[i], t, t); err != nil {
			w.err = fmt.Errorf("sample: %v", err)
		}
	}
	return w.err
}
