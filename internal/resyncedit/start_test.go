package resyncedit

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"weak"

	"github.com/dumpsync/dumpsync/internal/atomicfile"
	"github.com/dumpsync/dumpsync/internal/record"
)

// TestStartReturnsAtTheRename: Start returns once the file is replaced,
// while the commit still watches the replaced file (its grace period is a
// fake wait the test holds). Meanwhile the lock stays taken, Snapshot
// shows a record put into the replaced file after the rename (through its
// recovery link, as a writer that opened it before would: a held handle
// stops the rename under Wine), and
// Wait then gives the complete Outcome: the record carried over, once, and
// nothing of ours left. An error of a step after the rename (syncing the
// folder) reaches Wait's error, not Start's.
func TestStartReturnsAtTheRename(t *testing.T) {
	for _, failSync := range []bool{false, true} {
		name := "carries over"
		if failSync {
			name = "folder sync fails after the rename"
		}
		t.Run(name, func(t *testing.T) {
			orig := recs("A", "B", "C", "D")
			p := writeFile(t, orig)
			inGrace, release := make(chan struct{}), make(chan struct{})
			opts := fastOpts()
			sleeps := 0
			opts.Sleep = func(time.Duration) {
				sleeps++
				if sleeps == 1 {
					close(inGrace)
					<-release
				}
			}
			syncErr := errors.New("sync refused")
			if failSync {
				opts.Ops = atomicfile.Ops{SyncDir: func(string) error { return syncErr }}
			}
			ops := removeOps(orig, 1)
			out, pend, err := Start(Request{Path: p, Guard: GuardOf(orig), Ops: ops}, opts)
			if err != nil || pend == nil || !out.Rewritten || statuses(out.Results) != "1:Applied " {
				t.Fatalf("Start = %v, pending %v, rewritten %v, %s; want the file replaced and a Pending", err, pend != nil, out.Rewritten, statuses(out.Results))
			}
			<-inGrace
			late := rec("LATE", 2000)
			appendToReplaced(t, p, late[:])
			if _, err := os.Stat(LockPath(p)); err != nil {
				t.Errorf("the lock file is gone while the commit goes on: %v", err)
			}
			err = pend.Snapshot(func(uncarried []byte) error {
				if !bytes.Equal(uncarried, late[:]) {
					t.Errorf("Snapshot: uncarried %d bytes, want the late record", len(uncarried))
				}
				if cur := readFile(t, p); bytes.Contains(cur, late[:]) {
					t.Error("the late record is in the file before the commit carried it over")
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			close(release)
			full, err := pend.Wait()
			if failSync != errors.Is(err, syncErr) {
				t.Errorf("Wait error %v, want the folder sync's error: %v", err, failSync)
			}
			want := append(append(append([]byte{}, orig[:48]...), orig[96:]...), late[:]...)
			if got := readFile(t, p); !bytes.Equal(got, want) {
				t.Fatalf("file holds %d records, want %d: the late record carried over once", len(got)/record.Size, len(want)/record.Size)
			}
			if full.CarriedOver != 1 || full.Final != GuardOf(want) || !full.Rewritten {
				t.Errorf("Wait: carried %d, final %v, rewritten %v; want 1, the file's guard, true", full.CarriedOver, full.Final.Size, full.Rewritten)
			}
			assertOnlyFile(t, p)
			if err := pend.Snapshot(func(uncarried []byte) error {
				if len(uncarried) != 0 {
					t.Errorf("after Wait: %d uncarried bytes", len(uncarried))
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestStartWithoutRename: when the file is not replaced (nothing to do, or
// the rename fails), Start returns no Pending and has released the lock.
func TestStartWithoutRename(t *testing.T) {
	orig := recs("A", "B")
	p := writeFile(t, orig)
	opts := fastOpts()
	opts.Ops = atomicfile.Ops{Rename: func(o, n string) error { return errors.New("rename refused") }}
	out, pend, err := Start(Request{Path: p, Guard: GuardOf(orig), Ops: removeOps(orig, 0)}, opts)
	if pend != nil || out.Rewritten || err == nil || !strings.Contains(err.Error(), "rename refused") {
		t.Fatalf("Start = %v, pending %v, rewritten %v; want the rename's error and no Pending", err, pend != nil, out.Rewritten)
	}
	assertOnlyFile(t, p)
	if !bytes.Equal(readFile(t, p), orig) {
		t.Error("the file changed")
	}
}

// appendToReplaced appends b to the file that the commit under way replaced
// at p, through its recovery link: as a writer that opened the file before
// the rename would.
func appendToReplaced(t *testing.T, p string, b []byte) {
	t.Helper()
	links, err := filepath.Glob(p + RecoverMarker + "*")
	if err != nil || len(links) != 1 {
		t.Fatalf("recovery links %v (%v), want one", links, err)
	}
	f, err := os.OpenFile(links[0], os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
}

// TestPendingKeepsNoResults: once Start returned and the caller let go of
// its Outcome, the results (and the ops) are garbage, even while the
// commit still watches the replaced file: a caller editing many files in
// a row holds one file's at a time.
func TestPendingKeepsNoResults(t *testing.T) {
	var orig []byte
	for i := range 2000 {
		r := rec(fmt.Sprintf("R%d", i), uint32(i))
		orig = append(orig, r[:]...)
	}
	p := writeFile(t, orig)
	inGrace, release := make(chan struct{}), make(chan struct{})
	opts := fastOpts()
	sleeps := 0
	opts.Sleep = func(time.Duration) {
		if sleeps++; sleeps == 1 {
			close(inGrace)
			<-release
		}
	}
	idx := make([]int, 0, 1000)
	for i := 0; i < 2000; i += 2 {
		idx = append(idx, i)
	}
	req := Request{Path: p, Guard: GuardOf(orig), Ops: removeOps(orig, idx...)}
	req.BeforeCommit = func(Results, Guard) error { return nil }
	results, ops, pend := startForWeak(t, req, opts)
	<-inGrace
	runtime.GC()
	runtime.GC()
	if results.Value() != nil || ops.Value() != nil {
		t.Errorf("during the commit: results kept %v, ops kept %v; want both collected", results.Value() != nil, ops.Value() != nil)
	}
	close(release)
	if out, err := pend.Wait(); err != nil || out.Results.Len() != 0 || !out.Rewritten {
		t.Fatalf("Wait = %v, %d results, rewritten %v; want no error, no results, rewritten", err, out.Results.Len(), out.Rewritten)
	}
	assertOnlyFile(t, p)
}

// startForWeak starts req and returns weak pointers to its results and ops
// (neither referenced from here on) and the Pending.
func startForWeak(t *testing.T, req Request, opts Options) (weak.Pointer[uint8], weak.Pointer[Op], *Pending) {
	out, pend, err := Start(req, opts)
	if err != nil || pend == nil || out.Results.Len() != len(req.Ops) {
		t.Fatalf("Start = %v, pending %v, %d results", err, pend != nil, out.Results.Len())
	}
	return weak.Make(&out.Results.codes[0]), weak.Make(&req.Ops[0]), pend
}
