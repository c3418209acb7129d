package apply

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dumpsync/dumpsync/internal/output"
	"github.com/dumpsync/dumpsync/internal/planread"
)

// pipePlan spools rows enough for several chunks of the results pass:
// record rows of Resync.cfg files that do not exist (their outcomes say
// so), with long Reasons, every seventh one marked invalid (in the spool,
// not in the plan), as SpoolPlan leaves a plan with bad rows.
func pipePlan(t *testing.T, rows int, inFile bool) *Plan {
	t.Helper()
	sp := planread.NewMemSpool()
	if inFile {
		var err error
		if sp, err = planread.NewSpool(t.TempDir()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sp.Close() })
	}
	p := NewPlan(sp)
	dir := t.TempDir()
	for i := 0; i < rows; i++ {
		path := filepath.Join(dir, fmt.Sprintf("Domain.%03d", i/5000), "Resync.cfg")
		off, size, cutoff := int64(48*i), int64(48*rows), int64(1_700_000_000)
		rec := strings.Repeat(fmt.Sprintf("%02x", i%256), 48)
		sum := strings.Repeat("ab", 32)
		reason := fmt.Sprintf("request %d days old, \"quoted\", é, %s", i%900, strings.Repeat("x", i%200))
		r := planread.Row{N: i + 1, Action: RemoveEntryAction, Path: path, SmsId: fmt.Sprintf("ABC%05X", i),
			Offset: &off, Record: &rec, Size: &size, Sha256: &sum, Cutoff: &cutoff, Reason: &reason}
		mark := byte(0)
		if i%7 == 3 {
			mark = planread.MarkInvalid
		}
		ref, err := sp.Append(&r, mark)
		if err != nil {
			t.Fatal(err)
		}
		if mark == 0 {
			p.Add(ref, sp.Size(), &r)
		}
	}
	return p
}

// results formats the Results of p in format f through writeResults with n
// goroutines, and returns them with what tally was told.
func pipeResults(t *testing.T, p *Plan, f output.Format, n int) (out []byte, told []string) {
	t.Helper()
	var buf bytes.Buffer
	enc, err := output.NewEncoder(&buf, f, &Result{})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := output.AsChunked(enc)
	rp, err := execute(p, Options{WhatIf: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rp.outs.close()
	err = writeResults(p.spool, rp, c, func(status, detail string) { told = append(told, status+": "+detail) }, n)
	if err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), told
}

// TestResultsSameOnEveryWorkerCount: the results pass writes the same
// bytes, and tells tally the same outcomes in the same order, on one
// goroutine and on several, and the same bytes as RunPlan's Results.
func TestResultsSameOnEveryWorkerCount(t *testing.T) {
	for _, inFile := range []bool{false, true} {
		t.Run(fmt.Sprintf("spool in a file %v", inFile), func(t *testing.T) {
			resultsSameOnEveryWorkerCount(t, pipePlan(t, 30_000, inFile))
		})
	}
}

func resultsSameOnEveryWorkerCount(t *testing.T, p *Plan) {
	if p.spool.Size() < 3*(1<<20) {
		t.Fatalf("the spool holds %d bytes: too few for several chunks", p.spool.Size())
	}
	for _, f := range viewFormats {
		want, wantTold := pipeResults(t, p, f, 1)
		var ref bytes.Buffer
		enc, _ := output.NewEncoder(&ref, f, &Result{})
		if _, err := RunPlan(p, Options{WhatIf: true}, func(_ *planread.Row, r *Result) error { return enc.Encode(r) }); err != nil {
			t.Fatal(err)
		}
		enc.Close()
		if !bytes.Equal(want, ref.Bytes()) {
			t.Fatalf("%s: one goroutine differs from RunPlan's Results", f)
		}
		if len(wantTold) != p.Rows() {
			t.Fatalf("%s: tally told %d times, want %d", f, len(wantTold), p.Rows())
		}
		for _, n := range []int{2, 3} {
			got, told := pipeResults(t, p, f, n)
			if !bytes.Equal(got, want) {
				t.Fatalf("%s, %d goroutines: the results differ from one goroutine's", f, n)
			}
			if strings.Join(told, "\n") != strings.Join(wantTold, "\n") {
				t.Fatalf("%s, %d goroutines: tally was told otherwise", f, n)
			}
		}
	}
}

// failingChunks fails its second WriteChunk.
type failingChunks struct {
	output.Chunked
	calls int
}

var errSink = errors.New("disk full")

func (f *failingChunks) WriteChunk(b []byte, n int) error {
	f.calls++
	if f.calls == 2 {
		return errSink
	}
	return f.Chunked.WriteChunk(b, n)
}

// TestResultsWriteErrorStops: an error writing the results ends the pass
// with that error, on one goroutine and on several, without a hang.
func TestResultsWriteErrorStops(t *testing.T) {
	p := pipePlan(t, 30_000, true)
	for _, n := range []int{1, 2} {
		enc, _ := output.NewEncoder(&bytes.Buffer{}, output.JSONL, &Result{})
		c, _ := output.AsChunked(enc)
		fc := &failingChunks{Chunked: c}
		rp, err := execute(p, Options{WhatIf: true})
		if err != nil {
			t.Fatal(err)
		}
		err = writeResults(p.spool, rp, fc, nil, n)
		rp.outs.close()
		var ee emitError
		if !errors.As(err, &ee) || !errors.Is(ee.err, errSink) {
			t.Fatalf("%d goroutines: %v, want the write's error", n, err)
		}
		if fc.calls != 2 {
			t.Fatalf("%d goroutines: %d writes, want 2 (none after the failure)", n, fc.calls)
		}
	}
}

// TestFolderOutcomes: each row gives back the outcome set last for it,
// whatever the order of the sets; a run of equal outcomes is kept once.
func TestFolderOutcomes(t *testing.T) {
	f := newFolderOutcomes(6)
	sets := []struct {
		i              int
		status, detail string
	}{
		{0, Applied, "removed"}, {1, Applied, "removed"}, {2, Applied, "removed"},
		{5, Failed, "disk full"}, {3, Skipped, "changed"}, {1, Failed, "disk full"}, {4, Applied, "removed"},
	}
	want := make([]outcome, 6)
	for _, s := range sets {
		f.set(s.i, s.status, s.detail)
		want[s.i] = outcome{status: s.status, detail: s.detail}
	}
	for i := range want {
		if got := f.get(i); got != want[i] {
			t.Errorf("row %d: %v, want %v", i, got, want[i])
		}
	}
	var got []outcome
	for o := range f.span(1, 4) {
		got = append(got, o)
	}
	if fmt.Sprint(got) != fmt.Sprint(want[1:5]) {
		t.Errorf("span(1, 4) = %v, want %v", got, want[1:5])
	}
	if len(f.kinds) != 5 {
		t.Errorf("%d outcomes kept, want 5 (the run of three \"removed\" once)", len(f.kinds))
	}
	if g := newFolderOutcomes(2); g.get(1) != (outcome{}) {
		t.Errorf("a row never set: %v, want none", g.get(1))
	}
}

// TestFolderOutcomesNumbered: rows restored at their own offsets share one
// kind of outcome and keep their numbers; a row set again keeps the last.
func TestFolderOutcomesNumbered(t *testing.T) {
	f := newFolderOutcomes(5)
	f.setNumbered(0, Applied, "restored at offset ", 0)
	f.setNumbered(1, Applied, "restored at offset ", 480)
	f.set(2, Skipped, "already restored")
	f.setNumbered(3, WhatIf, "would be restored at offset ", 96)
	f.setNumbered(4, Applied, "restored at offset ", 48)
	f.set(4, Failed, "disk full")
	want := []string{"restored at offset 0", "restored at offset 480", "already restored", "would be restored at offset 96", "disk full"}
	for i, w := range want {
		if got := f.get(i).text(); got != w {
			t.Errorf("row %d: %q, want %q", i, got, w)
		}
	}
	if len(f.kinds) != 5 {
		t.Errorf("%d outcomes kept, want 5 (rows 0 and 1 share one)", len(f.kinds))
	}
}

// TestOffsetSet: offsets added in any order are found by ascending asks,
// the others not; an off set holds nothing.
func TestOffsetSet(t *testing.T) {
	s := &offsetSet{on: true}
	for _, o := range []int64{480, 48, 96, 0, 96} {
		s.add(o)
	}
	s.sort()
	for _, c := range []struct {
		off  int64
		want bool
	}{{0, true}, {48, true}, {96, true}, {144, false}, {192, false}, {480, true}, {528, false}} {
		if got := s.next(c.off); got != c.want {
			t.Errorf("next(%d) = %v, want %v", c.off, got, c.want)
		}
	}
	off := &offsetSet{}
	off.add(48)
	off.sort()
	if off.next(48) {
		t.Error("a set that is not on has 48")
	}
}
