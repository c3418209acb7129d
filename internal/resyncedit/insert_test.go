package resyncedit

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dumpsync/dumpsync/internal/record"
)

// insertCase is a file and an undo request against it.
type insertCase struct {
	name string
	data []byte
	req  Request
}

// randomInsertCase models what undo meets: a file apply left (some records
// of an original removed), an undo request for them (maybe cut short,
// reordered, with ops of records the file never held and invalid ops), and
// what happened to the file since: nothing, SMS appends, the undo already
// done (at the offsets or appended), another apply, or anything at all.
// Records come from a small pool, so that the file and the ops repeat them.
func randomInsertCase(rng *rand.Rand, trial int) insertCase {
	pool := make([][record.Size]byte, 3+rng.IntN(10))
	for i := range pool {
		pool[i] = rec(fmt.Sprintf("POOL%04d", i), uint32(1000+i))
	}
	pick := func() []byte { r := pool[rng.IntN(len(pool))]; return r[:] }
	var orig []byte
	for range rng.IntN(30) {
		orig = append(orig, pick()...)
	}
	n := len(orig) / record.Size
	// Apply: remove some records of the original.
	var left []byte
	var ops []Op
	for i := range n {
		r := at(orig, i)
		if rng.IntN(3) == 0 {
			ops = append(ops, Op{ID: len(ops), Kind: Insert, Offset: int64(i * record.Size), Record: r})
			continue
		}
		left = append(left, r[:]...)
	}
	guard := GuardOf(left)
	// The undo request: maybe cut short, shuffled, with extra ops.
	if len(ops) > 0 && rng.IntN(4) == 0 {
		ops = ops[:rng.IntN(len(ops))+1]
	}
	for range rng.IntN(3) {
		ops = append(ops, Op{ID: len(ops), Kind: Insert, Offset: int64(rng.IntN(n+3) * record.Size), Record: [record.Size]byte(pick())})
	}
	if rng.IntN(8) == 0 {
		ops = append(ops, Op{ID: len(ops), Kind: Insert, Offset: 7, Record: [record.Size]byte(pick())})
	}
	if rng.IntN(3) == 0 {
		rng.Shuffle(len(ops), func(i, j int) { ops[i], ops[j] = ops[j], ops[i] })
	}
	// What the file is now.
	var data []byte
	name := ""
	switch k := rng.IntN(7); k {
	case 0:
		data, name = left, "as apply left it"
	case 1:
		data, name = slices.Clone(left), "appended to"
		for range 1 + rng.IntN(4) {
			data = append(data, pick()...)
		}
	case 2:
		data, name = slices.Clone(orig), "restored at the offsets"
	case 3:
		data, name = slices.Clone(left), "restored at the end"
		for _, op := range ops {
			if rng.IntN(2) == 0 {
				data = append(data, op.Record[:]...)
			}
		}
	case 4:
		data, name = nil, "applied again"
		for i := 0; i < len(left)/record.Size; i++ {
			if rng.IntN(3) > 0 {
				data = append(data, left[i*record.Size:(i+1)*record.Size]...)
			}
		}
	case 5:
		data, name = nil, "anything"
		for range rng.IntN(30) {
			data = append(data, pick()...)
		}
	case 6:
		data, name = slices.Clone(orig), "restored and appended to"
		for range 1 + rng.IntN(3) {
			data = append(data, pick()...)
		}
	}
	if rng.IntN(10) == 0 {
		guard.Sha256[0] ^= 1 // an undo file of another apply
		name += ", guard differs"
	}
	return insertCase{name: fmt.Sprintf("trial %d: %s", trial, name), data: data,
		req: Request{Guard: guard, Ops: ops}}
}

// want is what the in-memory reference decides for c.
func (c insertCase) want() ([]OpResult, []byte, bool) {
	req := c.req
	res, valid := prepare(&req)
	guardOK := req.Guard.matches(c.data) && req.Guard.Size%record.Size == 0
	return refInsert(c.data, req, res.Slice(), valid, guardOK)
}

// TestInsertMatchesReference: the streaming undo decides every op as the
// in-memory one it replaced did (status, detail, offsets) and leaves the same
// file, in a dry run and a real one: already restored, restored at the end,
// applied again, SMS appends, repeated records, cut-short and shuffled
// requests, invalid ops.
func TestInsertMatchesReference(t *testing.T) {
	trials := 1500
	if testing.Short() {
		trials = 300
	}
	rng := rand.New(rand.NewPCG(7, 9))
	dir := t.TempDir()
	for trial := range trials {
		c := randomInsertCase(rng, trial)
		if len(c.req.Ops) == 0 {
			continue
		}
		checkInsert(t, dir, c)
	}
}

func checkInsert(t *testing.T, dir string, c insertCase) {
	t.Helper()
	wantRes, wantData, wantChanged := c.want()
	wantFinal := GuardOf(c.data)
	if wantChanged {
		wantFinal = GuardOf(wantData)
	} else {
		wantData = c.data
	}
	p := filepath.Join(dir, "Resync.cfg")
	if err := os.WriteFile(p, c.data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dry := range []bool{true, false} {
		req := c.req
		req.Path, req.DryRun = p, dry
		out, err := Edit(req, fastOpts())
		if err != nil {
			t.Fatalf("%s (dry %v): %v", c.name, dry, err)
		}
		if got := out.Results.Slice(); !slices.Equal(got, wantRes) {
			t.Fatalf("%s (dry %v):\nresults %+v\nwant    %+v", c.name, dry, got, wantRes)
		}
		if out.Rewritten != wantChanged || out.Final != wantFinal {
			t.Fatalf("%s (dry %v): rewritten %v final %v, want %v %v", c.name, dry, out.Rewritten, out.Final.Size, wantChanged, wantFinal.Size)
		}
		got := readFile(t, p)
		if dry && !bytes.Equal(got, c.data) {
			t.Fatalf("%s: the dry run changed the file", c.name)
		}
		if !dry && !bytes.Equal(got, wantData) {
			t.Fatalf("%s: file %d bytes, want %d", c.name, len(got), len(wantData))
		}
	}
}

// TestInsertUnalignedGuard: a guard whose size cuts a record (a hand-made
// undo file: apply's guards are whole records) is taken as not matching,
// so the records go at the end, whole, instead of into the middle of one.
func TestInsertUnalignedGuard(t *testing.T) {
	orig := recs("A", "B", "C", "D")
	left := slices.Concat(orig[:48], orig[96:]) // B removed
	g := Guard{Size: 100}
	g.Sha256 = GuardOf(left[:100]).Sha256
	p := writeFile(t, left)
	out, err := Edit(Request{Path: p, Guard: g, Ops: []Op{{ID: 0, Kind: Insert, Offset: 48, Record: at(orig, 1)}}}, fastOpts())
	if err != nil {
		t.Fatal(err)
	}
	r := out.Results.At(0)
	if r.Status != Applied || r.Detail != DetailAppended || r.NewOffset != int64(len(left)) {
		t.Fatalf("result %+v", r)
	}
	if got, want := readFile(t, p), slices.Concat(left, orig[48:96]); !bytes.Equal(got, want) {
		t.Fatalf("file %q\nwant %q", got, want)
	}
}

// TestInsertLarge: a file of many records and an undo of many, each state
// once, against the reference: the chunked passes cross chunk boundaries.
func TestInsertLarge(t *testing.T) {
	const n = 20000 // 960 kB: several chunks
	var orig []byte
	for i := range n {
		r := rec(fmt.Sprintf("ID%06d", i), uint32(i))
		orig = append(orig, r[:]...)
	}
	var left []byte
	var ops []Op
	for i := range n {
		if i%3 == 1 || (i > n-50 && i%2 == 0) {
			ops = append(ops, Op{ID: len(ops), Kind: Insert, Offset: int64(i * record.Size), Record: at(orig, i)})
			continue
		}
		left = append(left, orig[i*record.Size:(i+1)*record.Size]...)
	}
	extra := rec("SMSNEW", 99)
	req := Request{Guard: GuardOf(left), Ops: ops}
	half := slices.Clone(left)
	for _, op := range ops[:len(ops)/2] {
		half = append(half, op.Record[:]...)
	}
	dir := t.TempDir()
	for _, c := range []insertCase{
		{name: "as apply left it", data: left, req: req},
		{name: "already restored", data: orig, req: req},
		{name: "already restored, appended to", data: slices.Concat(orig, extra[:]), req: req},
		{name: "appended to", data: slices.Concat(left, extra[:]), req: req},
		{name: "half restored at the end", data: half, req: req},
		{name: "changed", data: orig[record.Size:], req: req},
	} {
		checkInsert(t, dir, c)
	}
}

// TestInsertFileChangedBetweenPasses: the new content is made from the file
// read again; if something other than an appending writer changed it since
// the first pass read and hashed it, the undo stops with nothing changed
// rather than write bytes it decided nothing on.
func TestInsertFileChangedBetweenPasses(t *testing.T) {
	orig := recs("A", "B", "C", "D", "E")
	left := slices.Concat(orig[:48], orig[96:]) // B removed
	p := writeFile(t, left)
	other := rec("OTHER", 7)
	opts := changedOnCreateTemp(fastOpts(), p, 2*record.Size, other)
	out, err := Edit(Request{Path: p, Guard: GuardOf(left), Ops: []Op{{Kind: Insert, Offset: 48, Record: at(orig, 1)}}}, opts)
	if err == nil || !strings.Contains(err.Error(), "changed while it was read") || !strings.Contains(err.Error(), p) {
		t.Fatalf("err = %v, want the change named", err)
	}
	if out.Rewritten {
		t.Error("rewritten")
	}
	want := slices.Concat(left[:96], other[:], left[144:])
	if !bytes.Equal(readFile(t, p), want) {
		t.Error("the file changed beyond the other program's change")
	}
	assertOnlyFile(t, p)
}

// TestInsertAlreadyRestoredFileChanged: an undo finds the file already
// restored (its removed record was the last one, and is back) by reading
// it again after its scan; if something other than an appending writer
// changed it in between, the undo stops rather than report rows restored
// on bytes it did not scan.
func TestInsertAlreadyRestoredFileChanged(t *testing.T) {
	orig := recs("A", "B", "C", "D", "E")
	left := orig[:4*record.Size] // E removed
	other := rec("OTHER", 7)
	defer func() { testHookAfterScan = nil }()
	for _, dry := range []bool{true, false} {
		p := writeFile(t, orig) // E put back already
		testHookAfterScan = func() {
			f, err := os.OpenFile(p, os.O_WRONLY, 0)
			if err != nil {
				t.Error(err)
				return
			}
			defer f.Close()
			f.WriteAt(other[:], 0) // A: before what the undo compares
		}
		out, err := Edit(Request{Path: p, Guard: GuardOf(left), DryRun: dry, Ops: []Op{{Kind: Insert, Offset: 4 * record.Size, Record: at(orig, 4)}}}, fastOpts())
		if err == nil || !strings.Contains(err.Error(), "changed while it was read") || !strings.Contains(err.Error(), p) {
			t.Fatalf("dry %v: err = %v, want the change named", dry, err)
		}
		if out.Rewritten {
			t.Errorf("dry %v: rewritten", dry)
		}
		if want := slices.Concat(other[:], orig[record.Size:]); !bytes.Equal(readFile(t, p), want) {
			t.Errorf("dry %v: the file changed beyond the other program's change", dry)
		}
		assertOnlyFile(t, p)
	}
	// Unchanged, the same undo finds it restored.
	testHookAfterScan = nil
	p := writeFile(t, orig)
	out, err := Edit(Request{Path: p, Guard: GuardOf(left), Ops: []Op{{Kind: Insert, Offset: 4 * record.Size, Record: at(orig, 4)}}}, fastOpts())
	if r := out.Results.At(0); err != nil || r.Status != Skipped || r.Detail != DetailAlreadyRestored || r.NewOffset != 4*record.Size {
		t.Fatalf("unchanged: %+v, %v; want already restored at 192", r, err)
	}
}

// FuzzInsertMatchesReference: for any file of records drawn from a small
// pool, any guard (a prefix of the file, or one that does not match) and
// any Insert ops (offsets anywhere, invalid ones too), the streaming undo
// decides and writes what the in-memory reference does, dry and real.
//
//	go test -fuzz FuzzInsertMatchesReference ./internal/resyncedit
func FuzzInsertMatchesReference(f *testing.F) {
	f.Add([]byte{3, 5, 0, 1, 2, 0, 1, 4, 2, 1, 0, 3, 2})
	f.Add([]byte{2, 4, 0, 0, 0, 0, 0, 2, 0, 0, 4, 1})
	f.Add([]byte{5, 6, 0, 1, 2, 3, 4, 0, 1, 255, 2, 0, 3, 1, 9, 4})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, in []byte) {
		next := func() int {
			if len(in) == 0 {
				return 0
			}
			b := in[0]
			in = in[1:]
			return int(b)
		}
		pool := make([][record.Size]byte, 1+next()%8)
		for i := range pool {
			pool[i] = rec(fmt.Sprintf("POOL%04d", i), uint32(1000+i))
		}
		var data []byte
		for range next() % 40 {
			data = append(data, pool[next()%len(pool)][:]...)
		}
		n := len(data) / record.Size
		// The guard: the first g records of the file, or of another one.
		g := next() % (n + 2)
		guard := GuardOf(data[:min(g, n)*record.Size])
		if g > n {
			guard.Sha256[0] ^= 1
		}
		var ops []Op
		for k := range next() % 20 {
			off := int64(next()%(n+4)) * record.Size
			if k%7 == 6 {
				off += int64(next() % record.Size) // maybe not a multiple: refused
			}
			ops = append(ops, Op{ID: k, Kind: Insert, Offset: off, Record: pool[next()%len(pool)]})
		}
		if len(ops) == 0 {
			return
		}
		checkInsert(t, dir, insertCase{name: fmt.Sprintf("%d records, guard %d, %d ops", n, g, len(ops)), data: data,
			req: Request{Guard: guard, Ops: ops}})
	})
}
