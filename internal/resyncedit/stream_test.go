package resyncedit

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/dumpsync/dumpsync/internal/atomicfile"
	"github.com/dumpsync/dumpsync/internal/record"
)

// wholeFileRemove is the reference for streamRemove: it decides the Remove
// ops against the whole file in memory and builds the new content, as edits
// did before they streamed.
func wholeFileRemove(data []byte, req Request) (results []OpResult, content []byte, changed bool) {
	res, valid := prepare(&req)
	results = res.Slice()
	guardOK := req.Guard.matches(data)
	var remove []int64 // ascending offsets
	for _, i := range valid {
		op, r := &req.Ops[i], &results[i]
		var at []byte
		if op.Offset+record.Size <= int64(len(data)) {
			at = data[op.Offset : op.Offset+record.Size]
		}
		switch {
		case !guardOK:
			r.Status, r.Detail = Skipped, DetailChanged
		case op.Offset+record.Size > req.Guard.Size:
			r.Status, r.Detail = Skipped, DetailBeyondGuard
		case at == nil || !bytes.Equal(at, op.Record[:]):
			r.Status, r.Detail = Skipped, DetailRecordDiffers
		case len(remove) > 0 && remove[len(remove)-1] == op.Offset:
			r.Status, r.Detail = Skipped, DetailDuplicate
		default:
			r.Status = Applied
			remove = append(remove, op.Offset)
		}
	}
	if len(remove) == 0 {
		return results, data, false
	}
	var cur int64
	for _, off := range remove {
		content = append(content, data[cur:off]...)
		cur = off + record.Size
	}
	return results, append(content, data[cur:]...), true
}

// randomRemoval makes a file of n records and a Remove request against it:
// ops at random offsets (some twice, some beyond the end or the guard,
// some with another record, some not on a record boundary), in random
// order, and a guard that matches the whole file, a prefix, nothing, or is
// longer than the file.
func randomRemoval(rng *rand.Rand, n int) ([]byte, Request) {
	data := make([]byte, 0, n*record.Size)
	for i := range n {
		r := record.Make(fmt.Sprintf("ID%06d", rng.IntN(n+1)), uint32(i), nil).Raw
		data = append(data, r[:]...)
	}
	guard := GuardOf(data)
	switch rng.IntN(6) {
	case 0:
		guard = GuardOf(data[:rng.IntN(n+1)*record.Size])
	case 1:
		guard.Sha256[0] ^= 1
	case 2:
		guard = Guard{Size: int64(len(data) + record.Size), Sha256: guard.Sha256}
	case 3:
		guard = GuardOf(nil)
	}
	var ops []Op
	for k := range rng.IntN(n/2 + 3) {
		i := rng.IntN(n + 2)
		op := Op{ID: k, Kind: Remove, Offset: int64(i) * record.Size}
		if i < n {
			op.Record = at(data, i)
		}
		switch rng.IntN(12) {
		case 0:
			op.Record[5] ^= 0x20
		case 1:
			op.Offset += 7
		case 2:
			ops = append(ops, op) // twice
		}
		ops = append(ops, op)
	}
	if rng.IntN(2) == 0 {
		rng.Shuffle(len(ops), func(a, b int) { ops[a], ops[b] = ops[b], ops[a] })
	}
	return data, Request{Guard: guard, Ops: ops}
}

// TestStreamRemoveMatchesWholeFile: the streaming pass gives every op the
// status the whole-file reference gives, leaves the same content and
// guards, in dry and real runs, for files across several chunks and guards
// that end inside one.
func TestStreamRemoveMatchesWholeFile(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, uint64(time.Now().UnixNano())))
	sizes := []int{0, 1, 2, 3, 17, 100}
	perChunk := streamChunk / record.Size
	sizes = append(sizes, perChunk-1, perChunk, perChunk+1, 3*perChunk+5)
	for _, n := range sizes {
		for trial := range 12 {
			data, req := randomRemoval(rng, n)
			t.Run(fmt.Sprintf("%d records #%d", n, trial), func(t *testing.T) {
				wantRes, wantContent, wantChanged := wholeFileRemove(data, req)
				for _, dry := range []bool{true, false} {
					p := writeFile(t, data)
					r := req
					r.Path, r.DryRun = p, dry
					r.Ops = append([]Op(nil), req.Ops...)
					var committed Guard
					r.BeforeCommit = func(_ Results, g Guard) error { committed = g; return nil }
					out, err := Edit(r, fastOpts())
					if err != nil {
						t.Fatalf("dry %v: %v", dry, err)
					}
					if got, want := fmt.Sprint(out.Results.Slice()), fmt.Sprint(wantRes); got != want {
						t.Fatalf("dry %v: results\n%s\nwant\n%s", dry, got, want)
					}
					if out.Rewritten != wantChanged || out.Final != GuardOf(wantContent) {
						t.Fatalf("dry %v: rewritten %v final %d, want %v %d", dry, out.Rewritten, out.Final.Size, wantChanged, len(wantContent))
					}
					wantFile := wantContent
					if dry {
						wantFile = data
					} else if wantChanged && committed != GuardOf(wantContent) {
						t.Fatalf("BeforeCommit got guard of %d bytes, want the new content's", committed.Size)
					}
					if !bytes.Equal(readFile(t, p), wantFile) {
						t.Fatalf("dry %v: the file holds %d bytes, want %d", dry, len(readFile(t, p)), len(wantFile))
					}
					assertOnlyFile(t, p)
				}
			})
		}
	}
}

// TestRoundAfterOtherProgramChangedFile: the new content is not kept in
// memory; a second round reads it back from the file. If something other
// than an appending writer changed the file's first bytes meanwhile, the
// edit does not rewrite it again from what it read: it appends the records
// that reached the replaced file instead, so none is lost, and says why.
func TestRoundAfterOtherProgramChangedFile(t *testing.T) {
	orig := recs("A", "B", "C", "D")
	p := writeFile(t, orig)
	opts := fastOpts()
	late := rec("LATE", 2000)
	other := rec("OTHER", 3000)
	sleeps := 0
	opts.Sleep = func(time.Duration) {
		sleeps++
		if sleeps > 1 {
			return
		}
		appendToReplaced(t, p, late[:])
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteAt(other[:], 0); err != nil {
			t.Fatal(err)
		}
	}
	out, err := Edit(Request{Path: p, Guard: GuardOf(orig), Ops: removeOps(orig, 1)}, opts)
	if err == nil || !strings.Contains(err.Error(), "changed since this edit wrote them") || !strings.Contains(err.Error(), p) {
		t.Fatalf("err = %v, want the changed first bytes named", err)
	}
	if !out.Rewritten || statuses(out.Results) != "1:Applied " {
		t.Fatalf("outcome: rewritten %v, %s", out.Rewritten, statuses(out.Results))
	}
	want := append(append(append([]byte{}, other[:]...), orig[96:]...), late[:]...)
	if got := readFile(t, p); !bytes.Equal(got, want) {
		t.Fatalf("file holds %d records, want %d: the other program's change kept and the late record appended", len(got)/record.Size, len(want)/record.Size)
	}
	assertOnlyFile(t, p)
}

// TestNoTempFileWhenNothingChanges: a request that changes nothing (a
// stale plan: its guard no longer matches) leaves no temporary file, even
// though the pass started one before it reached the end of the guard.
func TestNoTempFileWhenNothingChanges(t *testing.T) {
	perChunk := streamChunk / record.Size
	data := make([]byte, 0, 3*perChunk*record.Size)
	for i := range 3 * perChunk {
		r := rec(fmt.Sprintf("ID%d", i), uint32(i))
		data = append(data, r[:]...)
	}
	guard := GuardOf(data)
	guard.Sha256[3] ^= 1
	dir := t.TempDir()
	p := filepath.Join(dir, "Resync.cfg")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	made := 0
	opts := fastOpts()
	opts.Ops.CreateTemp = func(dir, pattern string, perm os.FileMode) (atomicfile.File, error) {
		made++
		return atomicfile.OSCreateTemp(dir, pattern, perm)
	}
	out, err := Edit(Request{Path: p, Guard: guard, Ops: removeOps(data, 0, perChunk+2)}, opts)
	if err != nil || out.Rewritten || statuses(out.Results) != fmt.Sprintf("0:Skipped %d:Skipped ", perChunk+2) {
		t.Fatalf("Edit = %v, rewritten %v, %s", err, out.Rewritten, statuses(out.Results))
	}
	if made != 1 {
		t.Errorf("%d temporary files made, want 1 (started before the guard was known)", made)
	}
	if !bytes.Equal(readFile(t, p), data) {
		t.Fatal("the file changed")
	}
	assertOnlyFile(t, p)
}

// TestBeforeCommitGatesTheRename: BeforeCommit runs while the temporary
// file is finished (it exists, holding the new content), and the file is
// not replaced before it returns.
func TestBeforeCommitGatesTheRename(t *testing.T) {
	orig := recs("A", "B", "C")
	p := writeFile(t, orig)
	entered, release := make(chan struct{}), make(chan struct{})
	req := Request{Path: p, Guard: GuardOf(orig), Ops: removeOps(orig, 1)}
	req.BeforeCommit = func(Results, Guard) error {
		close(entered)
		<-release
		return nil
	}
	type result struct {
		out Outcome
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := Edit(req, fastOpts())
		done <- result{out, err}
	}()
	<-entered
	temps, _ := filepath.Glob(filepath.Join(filepath.Dir(p), atomicfile.TempPattern(p)))
	if len(temps) != 1 {
		t.Errorf("while BeforeCommit runs: temporary files %v, want one", temps)
	}
	if !bytes.Equal(readFile(t, p), orig) {
		t.Error("the file was replaced before BeforeCommit returned")
	}
	close(release)
	r := <-done
	want := append(append([]byte{}, orig[:48]...), orig[96:]...)
	if r.err != nil || !r.out.Rewritten || !bytes.Equal(readFile(t, p), want) {
		t.Fatalf("Edit = %v, rewritten %v", r.err, r.out.Rewritten)
	}
	assertOnlyFile(t, p)
}

// TestBeforeCommitPanics: a panic in BeforeCommit (as a crash would stop
// it) reaches the caller; the file is not replaced and no temporary file
// is left.
func TestBeforeCommitPanics(t *testing.T) {
	if runtime.GOOS == "windows" {
		// The simulated crash leaves the lock and the file open in this
		// process; Windows cannot remove the test's folder then.
		t.Skip("a crash within the test process keeps handles open")
	}
	orig := recs("A", "B", "C")
	p := writeFile(t, orig)
	req := Request{Path: p, Guard: GuardOf(orig), Ops: removeOps(orig, 1)}
	req.BeforeCommit = func(Results, Guard) error { panic("stopped") }
	func() {
		defer func() {
			if v := recover(); v != "stopped" {
				t.Fatalf("recovered %v, want BeforeCommit's panic", v)
			}
		}()
		Edit(req, fastOpts())
		t.Fatal("Edit returned")
	}()
	if !bytes.Equal(readFile(t, p), orig) {
		t.Error("the file changed")
	}
	os.Remove(LockPath(p)) // a crash leaves it; the next run takes it over
	assertOnlyFile(t, p)
}

// TestPrefixChangedBeforeTheCopy: the records before the first one to
// remove are copied into the temporary file from the file again; if
// something other than an appending writer changed them since they were
// read and hashed, the edit stops with nothing changed rather than write
// bytes it never checked.
func TestPrefixChangedBeforeTheCopy(t *testing.T) {
	perChunk := streamChunk / record.Size
	var data []byte
	for i := range 2*perChunk + 10 {
		r := rec(fmt.Sprintf("ID%d", i), uint32(i))
		data = append(data, r[:]...)
	}
	p := writeFile(t, data)
	other := rec("OTHER", 7)
	// The first chunk was read and hashed; change its first record.
	opts := changedOnCreateTemp(fastOpts(), p, 0, other)
	out, err := Edit(Request{Path: p, Guard: GuardOf(data), Ops: removeOps(data, perChunk+3)}, opts)
	if err == nil || !strings.Contains(err.Error(), "changed while it was read") || !strings.Contains(err.Error(), p) {
		t.Fatalf("err = %v, want the change named", err)
	}
	if out.Rewritten {
		t.Error("rewritten")
	}
	want := append(append([]byte{}, other[:]...), data[record.Size:]...)
	if !bytes.Equal(readFile(t, p), want) {
		t.Error("the file changed beyond the other program's change")
	}
	assertOnlyFile(t, p)
}
