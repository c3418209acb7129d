// Package site knows the SMS 1.2 folder layout: where a domain's Resync.cfg
// and Invencfg.box live, how to find every Domain.* of a site, and a logon
// server's Logon.srv. Names are matched case-insensitively, as Windows does,
// on every platform. It reads folders; it never opens or changes files.
package site

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/dumpsync/dumpsync/internal/paths"
)

// The names of the layout, as the KB spells them.
const (
	ResyncName    = "Resync.cfg"
	InvencfgName  = "Invencfg.box"
	LogonSrvName  = "Logon.srv"
	SiteSrvName   = "Site.srv"
	MaincfgName   = "Maincfg.box"
	InvdomName    = "Invdom.box"
	DomainPattern = "Domain.*"
	CfgExt        = ".cfg"
)

// ErrNotFound is returned (wrapped) when a name is not in a folder.
var ErrNotFound = errors.New("not found")

// Lookup finds the entry called name in dir, case-insensitively, and returns
// its path with the name as it is on disk. An exact match wins; otherwise
// the first case-insensitive match in sorted order.
func Lookup(dir, name string) (string, error) {
	if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
		// On a case-insensitive file system this also matches other cases;
		// read the folder to report the name as it is on disk.
		if ents, err := os.ReadDir(dir); err == nil {
			for _, e := range ents {
				if e.Name() == name {
					return filepath.Join(dir, name), nil
				}
			}
			for _, e := range ents {
				if strings.EqualFold(e.Name(), name) {
					return filepath.Join(dir, e.Name()), nil
				}
			}
		}
		return filepath.Join(dir, name), nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	for _, e := range ents {
		if strings.EqualFold(e.Name(), name) {
			return filepath.Join(dir, e.Name()), nil
		}
	}
	return "", fmt.Errorf("%s: no %s: %w", dir, name, ErrNotFound)
}

// Resync returns the Resync.cfg of a domain folder or Logon.srv folder.
func Resync(dir string) (string, error) { return Lookup(dir, ResyncName) }

// Invencfg returns the Invencfg.box folder of a domain folder or Logon.srv.
func Invencfg(dir string) (string, error) { return Lookup(dir, InvencfgName) }

// Domains discovers every Domain.* folder of a site. root may be an SMS root,
// its Site.srv, its Maincfg.box or an Invdom.box. Both places the KB names are
// searched: Site.srv/Maincfg.box/Invdom.box and Site.srv/Invdom.box. The
// result is sorted by name (case-insensitively) within each Invdom.box.
func Domains(root string) ([]string, error) {
	var invdoms []string
	seen := map[string]bool{}
	add := func(p string) {
		if st, err := os.Stat(p); err == nil && st.IsDir() && !seen[p] {
			seen[p] = true
			invdoms = append(invdoms, p)
		}
	}
	tryChain := func(base string, chain ...string) {
		p := base
		for _, name := range chain {
			q, err := Lookup(p, name)
			if err != nil {
				return
			}
			p = q
		}
		add(p)
	}
	if strings.EqualFold(filepath.Base(root), InvdomName) {
		add(root)
	}
	if strings.EqualFold(filepath.Base(root), MaincfgName) {
		tryChain(root, InvdomName)
	}
	for _, base := range []string{root, mustJoin(root, SiteSrvName)} {
		if base == "" {
			continue
		}
		tryChain(base, MaincfgName, InvdomName)
		tryChain(base, InvdomName)
	}
	if len(invdoms) == 0 {
		return nil, fmt.Errorf("%s: no Site.srv/Maincfg.box/Invdom.box or Site.srv/Invdom.box found", root)
	}
	var domains []string
	for _, inv := range invdoms {
		ents, err := os.ReadDir(inv)
		if err != nil {
			return nil, err
		}
		var here []string
		for _, e := range ents {
			if paths.Match(DomainPattern, e.Name()) && isDir(filepath.Join(inv, e.Name())) {
				here = append(here, filepath.Join(inv, e.Name()))
			}
		}
		sort.Slice(here, func(i, j int) bool { return lessFold(filepath.Base(here[i]), filepath.Base(here[j])) })
		domains = append(domains, here...)
	}
	return domains, nil
}

func mustJoin(dir, name string) string {
	p, err := Lookup(dir, name)
	if err != nil {
		return ""
	}
	return p
}

// LogonSrv returns the Logon.srv folder for a --logon argument: the folder
// itself, or a folder holding one (a share root such as \\LOGON1\SMSLOGON).
func LogonSrv(dir string) (string, error) {
	if strings.EqualFold(filepath.Base(dir), LogonSrvName) {
		if !isDir(dir) {
			return "", fmt.Errorf("%s: not a folder", dir)
		}
		return dir, nil
	}
	p, err := Lookup(dir, LogonSrvName)
	if err != nil {
		return "", err
	}
	if !isDir(p) {
		return "", fmt.Errorf("%s: not a folder", p)
	}
	return p, nil
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

func lessFold(a, b string) bool {
	la, lb := strings.ToLower(a), strings.ToLower(b)
	if la != lb {
		return la < lb
	}
	return a < b
}

// Cfg is one <SMSID>.cfg file of an Invencfg.box.
type Cfg struct {
	Path  string
	SmsID string // the name without .cfg, as on disk
}

// Info stats the file (without following a link). CfgFiles does not, so
// that listing 100 000 files costs one directory read, not 100 000 stats.
func (c Cfg) Info() (fs.FileInfo, error) { return os.Lstat(c.Path) }

// CfgList is the *.cfg files of one Invencfg.box in the order of CfgFiles.
// Their names are held back to back in one string, so that a folder of
// 100 000 files costs about 20 bytes per file (a plan holds the list of
// every folder it is planning at once), not a path, a DirEntry and a struct
// each.
type CfgList struct {
	Dir   string   // the Invencfg.box
	names string   // the file names, .cfg included, back to back
	ends  []uint32 // file i is names[ends[i-1]:ends[i]]
}

func newCfgList(dir string, names []string) *CfgList {
	var b strings.Builder
	n := 0
	for _, name := range names {
		n += len(name)
	}
	b.Grow(n)
	l := &CfgList{Dir: dir, ends: make([]uint32, len(names))}
	for i, name := range names {
		b.WriteString(name)
		l.ends[i] = uint32(b.Len())
	}
	l.names = b.String()
	return l
}

// Len is the number of files.
func (l *CfgList) Len() int {
	if l == nil {
		return 0
	}
	return len(l.ends)
}

// Name is file i's name, as on disk.
func (l *CfgList) Name(i int) string {
	start := uint32(0)
	if i > 0 {
		start = l.ends[i-1]
	}
	return l.names[start:l.ends[i]]
}

// SmsID is file i's name without .cfg, as on disk.
func (l *CfgList) SmsID(i int) string {
	name := l.Name(i)
	return name[:len(name)-len(CfgExt)]
}

// Path is file i's path.
func (l *CfgList) Path(i int) string { return filepath.Join(l.Dir, l.Name(i)) }

// At returns file i.
func (l *CfgList) At(i int) Cfg { return Cfg{Path: l.Path(i), SmsID: l.SmsID(i)} }

// CfgFiles lists the *.cfg files of an Invencfg.box, sorted by upper-cased
// name (then by name), from the folder listing alone. Entries that are
// neither regular files nor folders (links, junctions, devices) are
// returned separately, sorted by name, so the caller can report them;
// folders are ignored.
func CfgFiles(dir string) (list *CfgList, irregular []string, err error) {
	names, irregular, err := cfgNames(dir)
	if err != nil {
		return nil, nil, err
	}
	sortCfgNames(names)
	sort.Strings(irregular)
	return newCfgList(dir, names), irregular, nil
}

// isCfgName reports whether a folder entry's name is NAME.cfg in any case:
// strings.EqualFold(filepath.Ext(name), CfgExt), with a NAME. (No other
// character than 'c', 'f' and 'g' folds to those letters, so the last four
// bytes tell.)
func isCfgName[S string | []byte](name S) bool {
	n := len(name)
	return n > len(CfgExt) && name[n-4] == '.' && name[n-3]|0x20 == 'c' && name[n-2]|0x20 == 'f' && name[n-1]|0x20 == 'g'
}

// sortCfgNames sorts file names by upper-cased SMSID (the name without
// .cfg), then by SMSID. When every SMSID is ASCII of at most 16 bytes (as
// every valid one is), the upper-cased SMSIDs are compared as two
// big-endian words each, prepared once, not upper-cased per comparison.
func sortCfgNames(names []string) {
	id := func(name string) string { return name[:len(name)-len(CfgExt)] }
	// The keys hold no pointer (the name is an index), so that the sort
	// moves 24 bytes an element and the garbage collector has none of them
	// to see.
	type keyed struct {
		hi, lo uint64
		i      int
	}
	keys := make([]keyed, len(names))
	for i, name := range names {
		k, ok := packUpper(id(name))
		if !ok {
			slices.SortFunc(names, func(a, b string) int {
				a, b = id(a), id(b)
				if c := compareUpper(a, b); c != 0 {
					return c
				}
				return strings.Compare(a, b)
			})
			return
		}
		keys[i] = keyed{k[0], k[1], i}
	}
	slices.SortFunc(keys, func(a, b keyed) int {
		switch {
		case a.hi != b.hi:
			return cmp.Compare(a.hi, b.hi)
		case a.lo != b.lo:
			return cmp.Compare(a.lo, b.lo)
		}
		return strings.Compare(id(names[a.i]), id(names[b.i]))
	})
	sorted := make([]string, len(keys))
	for j := range keys {
		sorted[j] = names[keys[j].i]
	}
	copy(names, sorted)
}

// packUpper packs the upper-cased bytes of an ASCII string of at most 16
// bytes without NUL into two big-endian words, zero-padded: the words
// compare as strings.ToUpper of the strings does.
func packUpper(s string) ([2]uint64, bool) {
	var b [16]byte
	if len(s) > len(b) {
		return [2]uint64{}, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == 0 || c >= utf8.RuneSelf {
			return [2]uint64{}, false
		}
		b[i] = upperASCII(c)
	}
	return [2]uint64{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}, true
}

// compareUpper compares strings.ToUpper(a) with strings.ToUpper(b), without
// allocating when both are ASCII (every valid SMSID).
func compareUpper(a, b string) int {
	if !isASCII(a) || !isASCII(b) {
		return strings.Compare(strings.ToUpper(a), strings.ToUpper(b))
	}
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := upperASCII(a[i]), upperASCII(b[i])
		if ca != cb {
			return int(ca) - int(cb)
		}
	}
	return len(a) - len(b)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func upperASCII(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}
