package plan

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dumpsync/dumpsync/internal/record"
	"github.com/dumpsync/dumpsync/internal/site"
)

// Two SMSIDs have the same key exactly when strings.ToUpper makes them
// equal: the rule the .cfg names and the entries are matched by.
func TestIDKeys(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		same bool
	}{
		{"ABC00001", "abc00001", true},
		{"ABC00001", "ABC00001", true},
		{"ABC00001", "ABC00002", false},
		{"A", "a", true},
		{"A", "A0", false},
		{"0", "P", false}, // '0' is 0x30 and 'P' 0x50: bit 0x20 apart
		{"9", "Y", false}, // 0x39, 0x59
		{"1", "q", false}, // 0x31, 0x71
		{"AB", "AB0", false},
		{"ABCDEFGHIJKLMNO", "abcdefghijklmno", true}, // 15, the longest valid
		{"ABCDEFGHIJKLMNO", "ABCDEFGHIJKLMNP", false},
		{"ABCDEFGH", "ABCDEFGHI", false}, // a difference in the second word
		{"ſ", "S", true},                 // strings.ToUpper("ſ") is "S"
		{"ı", "I", true},
	} {
		ka, oka := keyOfName(tt.a)
		kb, okb := keyOfName(tt.b)
		if !oka || !okb {
			t.Errorf("keyOfName(%q), keyOfName(%q): ok %v %v", tt.a, tt.b, oka, okb)
			continue
		}
		if (ka == kb) != tt.same {
			t.Errorf("keys of %q and %q equal: %v, want %v", tt.a, tt.b, ka == kb, tt.same)
		}
		if up := strings.ToUpper(tt.a); record.ValidSMSID(tt.a) {
			e := record.Make(tt.a, 1, nil)
			if keyOfEntry(&e) != ka {
				t.Errorf("%q: entry key %v, name key %v", tt.a, keyOfEntry(&e), ka)
			}
			if ka.lo == 0 {
				t.Errorf("%q (%q): key.lo is 0, the empty slot", tt.a, up)
			}
		}
	}
	for _, bad := range []string{"", "ABCDEFGHIJKLMNOP", "AB-1", "AB 1", "é", "A\x00", "\xff"} {
		if k, ok := keyOfName(bad); ok {
			t.Errorf("keyOfName(%q) = %v, true: no valid entry has that SMSID", bad, k)
		}
	}
}

func FuzzIDKeys(f *testing.F) {
	f.Add("ABC00001", "abc00001")
	f.Add("0", "P")
	f.Add("ſ", "s")
	f.Fuzz(func(t *testing.T, a, b string) {
		ka, oka := keyOfName(a)
		kb, okb := keyOfName(b)
		ua, ub := strings.ToUpper(a), strings.ToUpper(b)
		if oka != record.ValidSMSID(ua) || okb != record.ValidSMSID(ub) {
			t.Fatalf("keyOfName(%q) ok %v, keyOfName(%q) ok %v", a, oka, b, okb)
		}
		if oka && okb && (ka == kb) != (ua == ub) {
			t.Fatalf("%q and %q: keys equal %v, upper-cased equal %v", a, b, ka == kb, ua == ub)
		}
		if record.ValidSMSID(a) {
			e := record.Make(a, 1, nil)
			if keyOfEntry(&e) != ka || ka.lo == 0 {
				t.Fatalf("%q: entry key %v, name key %v", a, keyOfEntry(&e), ka)
			}
		}
	})
}

// cfgList lists .cfg files made in a temporary folder.
func cfgList(t testing.TB, ids []string) *site.CfgList {
	t.Helper()
	dir := t.TempDir()
	for _, id := range ids {
		if err := os.WriteFile(filepath.Join(dir, id+".cfg"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	l, _, err := site.CfgFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// The table against a map keyed by the upper-cased SMSID (the structure it
// replaces): the same states for every .cfg name, whatever the entries.
func TestIDTableAgreesWithMap(t *testing.T) {
	const cutoff = 1000
	r := rand.New(rand.NewPCG(1, 2))
	var names []string
	seen := map[string]bool{}
	for len(names) < 3000 {
		n := fmt.Sprintf("AB%X", r.IntN(5000))
		if r.IntN(4) == 0 {
			n = strings.ToLower(n)
		}
		if !seen[strings.ToUpper(n)] { // one file per name on a case-insensitive disk too
			seen[strings.ToUpper(n)] = true
			names = append(names, n)
		}
	}
	list := cfgList(t, names)
	tab := newIDTable(list)
	if len(tab.slots) < 2*list.Len() {
		t.Fatalf("%d slots for %d names: more than half full", len(tab.slots), list.Len())
	}
	type ref struct {
		newest      uint32
		valid, keep int
	}
	want := map[string]*ref{}
	for range 20000 {
		id := fmt.Sprintf("AB%X", r.IntN(8000))
		if r.IntN(2) == 0 {
			id = strings.ToLower(id)
		}
		tm := uint32(r.IntN(2000))
		if r.IntN(10) == 0 {
			tm = 0
		}
		e := record.Make(id, tm, nil)
		keeps := keepsCfg(true, tm, cutoff)
		if s := tab.lookup(keyOfEntry(&e)); s != nil {
			s.add(tm, keeps)
		}
		w := want[strings.ToUpper(id)]
		if w == nil {
			w = &ref{}
			want[strings.ToUpper(id)] = w
		}
		if w.valid == 0 || tm > w.newest {
			w.newest = tm
		}
		w.valid++
		if keeps {
			w.keep++
		}
	}
	for i := range list.Len() {
		id := list.SmsID(i)
		got, w := tab.requests(id), want[strings.ToUpper(id)]
		switch {
		case w == nil && got != nil:
			t.Errorf("%s: state %+v, want none", id, *got)
		case w != nil && got == nil:
			t.Errorf("%s: no state, want %+v", id, *w)
		case w != nil && (got.newest != w.newest || got.allStale() != (w.keep == 0) || (got.flags&kept != 0) != (w.keep > 0)):
			t.Errorf("%s: state %+v, want %+v", id, *got, *w)
		}
	}
	if s := tab.requests("ZZZ"); s != nil {
		t.Errorf("a name without a file: %+v", *s)
	}
	var none *idTable
	if none.requests("AB1") != nil {
		t.Error("a nil table (requests unknown) has a state")
	}
}

// Keys that all land in the same slot are still told apart (linear
// probing), in a table of two slots as in a large one.
func TestIDTableCollisions(t *testing.T) {
	tab := makeIDTable(8)
	// Every key in slot 0, and with its bit set.
	tab.shift, tab.seenShift = 64, 64
	keys := []idKey{{1, 0}, {1, 1}, {2, 0}, {1 << 40, 7}}
	for _, k := range keys {
		tab.insert(k)
		tab.insert(k) // twice: one slot
	}
	used := 0
	for _, s := range tab.slots {
		if s.key.lo != 0 {
			used++
		}
	}
	if used != len(keys) {
		t.Errorf("%d slots used, want %d", used, len(keys))
	}
	for i, k := range keys {
		s := tab.lookup(k)
		if s == nil || s.key != k {
			t.Fatalf("lookup(%v) = %v", k, s)
		}
		s.add(uint32(i+1), false)
	}
	for i, k := range keys {
		if s := tab.lookup(k); s.newest != uint32(i+1) {
			t.Errorf("%v: newest %d, want %d (states mixed up)", k, s.newest, i+1)
		}
	}
	if s := tab.lookup(idKey{3, 0}); s != nil {
		t.Errorf("absent key found: %+v", *s)
	}
	empty := newIDTable(nil)
	if s := empty.lookup(idKey{1, 0}); s != nil {
		t.Errorf("empty table: %+v", *s)
	}
}

// The bitmap answers nearly every lookup of an SMSID without a file, so
// that only about 1 in 8 of them reaches the slots (which are out of the
// processor's cache for a big Invencfg.box).
func TestIDTableBitmapAnswersMisses(t *testing.T) {
	const n = 100_000
	tab := makeIDTable(1 << 18) // as newIDTable makes it for n files
	key := func(i int) idKey {
		k, _ := keyOfName(fmt.Sprintf("ABC%05X", i)) // as SMS numbers its clients
		return k
	}
	for i := range n {
		tab.insert(key(i))
	}
	passed := 0
	for i := range n {
		k := key(n + i)
		h := hashKey(k)
		if b := h >> tab.seenShift; tab.seen[b/64]&(1<<(b%64)) != 0 {
			passed++
		}
		if tab.lookup(k) != nil {
			t.Fatalf("%v found, never inserted", k)
		}
	}
	t.Logf("%d of %d absent keys passed the bitmap", passed, n)
	if passed > n/8 {
		t.Errorf("%d of %d absent keys passed the bitmap, want at most 1 in 8", passed, n)
	}
	if len(tab.seen)*64 != 4*len(tab.slots) {
		t.Errorf("%d bits for %d slots, want 4 a slot", len(tab.seen)*64, len(tab.slots))
	}
}
