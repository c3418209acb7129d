package resyncedit

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dumpsync/dumpsync/internal/atomicfile"
	"github.com/dumpsync/dumpsync/internal/record"
)

func TestLinkName(t *testing.T) {
	p := filepath.Join("dir", "Resync.cfg")
	for _, c := range []struct {
		name string
		ok   bool
		want linkState
	}{
		{"Resync.cfg.dumpsync-recover-k1-1-o480", true, linkState{id: "k1", round: 1, own: 480, prev: -1, to: -1, at: -1}},
		{"Resync.cfg.dumpsync-recover-k1-2-o96-p528", true, linkState{id: "k1", round: 2, own: 96, prev: 528, to: -1, at: -1}},
		{"Resync.cfg.dumpsync-recover-k1-3-o96-p528-a192-s960", true, linkState{id: "k1", round: 3, own: 96, prev: 528, to: 192, at: 960}},
		{"Resync.cfg.dumpsync-recover-k1-3-o96-a192-s960", true, linkState{id: "k1", round: 3, own: 96, prev: -1, to: 192, at: 960}},
		{"Resync.cfg.dumpsync-recover-k1-0-o96", false, linkState{}},      // rounds start at 1
		{"Resync.cfg.dumpsync-recover-k1-1", false, linkState{}},          // no own offset
		{"Resync.cfg.dumpsync-recover-k1-1-o96-a192", false, linkState{}}, // a without s
		{"Resync.cfg.dumpsync-recover-k1-1-o96-o48", false, linkState{}},  // twice
		{"Resync.cfg.dumpsync-recover-k1-1-o96-a48-s0", false, linkState{}},
		{"Resync.cfg.dumpsync-recover-k1-1-x96", false, linkState{}},
		{"Resync.cfg.dumpsync-recover--1-o96", false, linkState{}},
		{"Resync.cfg.dumpsync-tmp-123", false, linkState{}},
		{"Other.cfg.dumpsync-recover-k1-1-o0", false, linkState{}},
	} {
		got, ok := parseLink(p, c.name)
		if ok != c.ok {
			t.Errorf("%s: ok = %v", c.name, ok)
			continue
		}
		if !ok {
			continue
		}
		if got.name != c.name || got.dir != "dir" {
			t.Errorf("%s: name %q dir %q", c.name, got.name, got.dir)
		}
		got.name, got.dir = "", ""
		if got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
		if f := c.want.format(p); f != c.name {
			t.Errorf("format %+v = %s, want %s", c.want, f, c.name)
		}
	}
}

// crash is the panic that simulates a kill at one step of an edit.
type crash struct{ step string }

// crashWorld runs one edit with every file operation hooked: before each
// one, an SMS-like writer appends a numbered record (open, append, close;
// see step), and a writer that opened the file just before the rename writes into the
// replaced file (before and after the rename) in the first heldRounds
// rounds; at the crashAt-th operation the edit "dies" (panics).
type crashWorld struct {
	t          *testing.T
	p          string
	crashAt    int
	calls      int
	steps      []string
	next       uint32 // number of the next appended record
	written    [][]byte
	held       *os.File
	heldRounds int
	renames    int
}

func (w *crashWorld) record() []byte {
	r := record.Make("W", w.next, nil).Raw
	binary.LittleEndian.PutUint32(r[44:], w.next+1)
	w.next++
	w.written = append(w.written, r[:])
	return r[:]
}

func (w *crashWorld) appendFresh() {
	f, err := os.OpenFile(w.p, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := f.Write(w.record()); err != nil {
		w.t.Fatal(err)
	}
	f.Close()
}

func (w *crashWorld) writeHeld() {
	if w.held == nil {
		return
	}
	if _, err := w.held.Write(w.record()); err != nil {
		w.t.Fatal(err)
	}
}

// step counts a file operation. tail says whether a record appended now
// is after commit's last read of the file about to be replaced: only in the
// first heldRounds rounds, so that the rounds end.
func (w *crashWorld) step(name string, tail bool) {
	w.calls++
	w.steps = append(w.steps, name)
	if !tail || w.renames < w.heldRounds {
		w.appendFresh()
	}
	if w.calls == w.crashAt {
		panic(crash{name})
	}
}

func (w *crashWorld) ops() atomicfile.Ops {
	return atomicfile.Ops{
		CreateTemp: func(dir, pattern string, perm os.FileMode) (atomicfile.File, error) {
			w.step("createTemp", false)
			return atomicfile.OSCreateTemp(dir, pattern, perm)
		},
		Link: func(oldname, newname string) error {
			w.step("link "+filepath.Base(newname), true)
			return os.Link(oldname, newname)
		},
		Rename: func(oldpath, newpath string) error {
			if newpath == w.p && w.renames < w.heldRounds {
				// A writer opens the file just before it is replaced.
				f, err := os.OpenFile(w.p, os.O_WRONLY|os.O_APPEND, 0)
				if err != nil {
					w.t.Fatal(err)
				}
				w.held = f
				w.writeHeld()
			}
			w.step("rename "+filepath.Base(oldpath)+" "+filepath.Base(newpath), newpath == w.p)
			err := os.Rename(oldpath, newpath)
			if newpath == w.p {
				w.renames++
			}
			return err
		},
		Remove: func(name string) error {
			w.step("remove "+filepath.Base(name), false)
			return os.Remove(name)
		},
		SyncDir: func(dir string) error {
			// The writer that held the replaced file writes once more, into
			// it, before commit reads its tail.
			w.writeHeld()
			if w.held != nil {
				w.held.Close()
				w.held = nil
			}
			w.step("syncDir", false)
			return atomicfile.SyncDir(dir)
		},
	}
}

// TestCrashAtEveryStep kills an edit (simulated) before each of its file
// operations while records are appended to the file and to the file being
// replaced, then lets the next run recover: every appended record must be
// in the file exactly once, the planned removals all made or none, and no
// file of ours left.
func TestCrashAtEveryStep(t *testing.T) {
	if simulatedCrashLeaksHandles {
		t.Skip("a simulated crash leaks the edit's handles, which Windows will not remove a file under; TestKillAfterRename kills for real")
	}
	for _, c := range []struct {
		name       string
		heldRounds int
		maxRounds  int
	}{
		{"one round", 0, 0},
		{"carry-over rounds", 2, 0},
		{"rounds exhausted", 5, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			var orig []byte
			for i := 0; i < 30; i++ {
				r := record.Make(fmt.Sprintf("O%d", i), uint32(i), nil).Raw
				orig = append(orig, r[:]...)
			}
			removed := removeOps(orig, 3, 7, 20)
			steps := 0
			for n := 1; ; n++ {
				p := writeFile(t, orig)
				w := &crashWorld{t: t, p: p, crashAt: n, heldRounds: c.heldRounds}
				opts := fastOpts()
				opts.Ops = w.ops()
				opts.MaxRounds = c.maxRounds
				e := &editor{path: p, opts: opts.withDefaults()}
				crashed := func() (crashed bool) {
					defer func() {
						if r := recover(); r != nil {
							if _, ok := r.(crash); !ok {
								panic(r)
							}
							crashed = true
						}
					}()
					_, pend, err := e.edit(Request{Path: p, Guard: GuardOf(orig), Ops: removed})
					if pend != nil {
						_, err = pend.Wait()
					}
					if err != nil {
						t.Fatalf("crash at %d: %v", n, err)
					}
					return false
				}()
				if w.held != nil {
					w.held.Close()
				}
				if !crashed {
					steps = n - 1
					break
				}
				// The next run.
				rec, err := Clean(p, fastOpts())
				if err != nil {
					t.Fatalf("crash before %q (%d): recovery: %v", w.steps[n-1], n, err)
				}
				checkAllOnce(t, p, orig, removed, w.written, fmt.Sprintf("crash before %q (step %d of %v), recovered %v", w.steps[n-1], n, w.steps, rec))
				assertOnlyFile(t, p)
			}
			if steps < 4 {
				t.Fatalf("only %d steps", steps)
			}
			t.Logf("%d steps, each crashed and recovered", steps)
		})
	}
}

// checkAllOnce checks that the file at p holds the original records (the
// removed ones all gone or all there, in order) and every written record
// exactly once.
func checkAllOnce(t *testing.T, p string, orig []byte, removed []Op, written [][]byte, what string) {
	t.Helper()
	got := readFile(t, p)
	if len(got)%record.Size != 0 {
		t.Fatalf("%s: size %d", what, len(got))
	}
	count := map[string]int{}
	for off := 0; off < len(got); off += record.Size {
		count[string(got[off:off+record.Size])]++
	}
	for i, r := range written {
		if n := count[string(r)]; n != 1 {
			t.Fatalf("%s: written record %d is there %d times", what, i, n)
		}
	}
	gone := 0
	for _, op := range removed {
		switch count[string(op.Record[:])] {
		case 0:
			gone++
		case 1:
		default:
			t.Fatalf("%s: removed record duplicated", what)
		}
	}
	if gone != 0 && gone != len(removed) {
		t.Fatalf("%s: %d of %d removals made", what, gone, len(removed))
	}
	for i := 0; i < len(orig)/record.Size; i++ {
		r := at(orig, i)
		if n := count[string(r[:])]; n > 1 || n == 0 && gone == 0 {
			t.Fatalf("%s: original record %d is there %d times", what, i, n)
		}
	}
}

// TestLeftoversReadOnly: Leftovers counts what a recovery file holds and
// changes nothing; Recover carries it over once and removes the file.
func TestLeftoversReadOnly(t *testing.T) {
	data := recs("A", "B", "C")
	p := writeFile(t, data[:96])
	dir := filepath.Dir(p)
	// An old file of which the Resync.cfg holds the first 48 bytes (as
	// edited: B was removed), with C appended after the rename.
	old := filepath.Join(dir, "Resync.cfg.dumpsync-recover-x-1-o96")
	if err := os.WriteFile(old, data, 0o644); err != nil {
		t.Fatal(err)
	}
	// A void link: it names the Resync.cfg itself (its rename never happened).
	if err := os.Link(p, filepath.Join(dir, "Resync.cfg.dumpsync-recover-y-1-o96")); err != nil {
		t.Skip("no hard links:", err)
	}
	los, err := Leftovers(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(los) != 2 || los[0].Records != 1 || los[1].Records != 0 || !strings.HasSuffix(los[0].Path, "-x-1-o96") {
		t.Fatalf("leftovers %+v", los)
	}
	if !bytes.Equal(readFile(t, p), data[:96]) {
		t.Fatal("Leftovers changed the file")
	}
	rec, err := Recover(p, fastOpts())
	if err != nil {
		t.Fatal(err)
	}
	if len(rec) != 2 || rec[0].Records != 1 || rec[0].From != old || rec[1].Records != 0 ||
		rec[0].String() != "recovered 1 record appended during an interrupted apply from Resync.cfg.dumpsync-recover-x-1-o96 into "+p {
		t.Fatalf("recovered %+v", rec)
	}
	if !bytes.Equal(readFile(t, p), data) {
		t.Fatalf("content %x", readFile(t, p))
	}
	assertOnlyFile(t, p)
	if rec, err := Recover(p, fastOpts()); err != nil || len(rec) != 0 {
		t.Fatal(rec, err)
	}
	if !bytes.Equal(readFile(t, p), data) {
		t.Fatal("recovered twice")
	}
}

// TestRemoveTempsKeepsRecoveryFiles: the clean-up of temporary files never
// deletes a recovery file.
func TestRemoveTempsKeepsRecoveryFiles(t *testing.T) {
	p := writeFile(t, recs("A"))
	name := filepath.Join(filepath.Dir(p), "Resync.cfg.dumpsync-recover-x-1-o0")
	os.WriteFile(name, recs("A"), 0o644)
	if _, err := atomicfile.RemoveTemps(atomicfile.Ops{}, p); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(name); err != nil {
		t.Fatal("recovery file removed:", err)
	}
}

// TestSecondRenameFails: when a later round's rename fails, the tail the
// round was to carry over is appended instead: nothing lost, nothing left.
func TestSecondRenameFails(t *testing.T) {
	if simulatedCrashLeaksHandles {
		t.Skip("the test holds the replaced file open across the rename, which Windows refuses while that handle does not share delete access")
	}
	var orig []byte
	for i := 0; i < 30; i++ {
		r := record.Make(fmt.Sprintf("O%d", i), uint32(i), nil).Raw
		orig = append(orig, r[:]...)
	}
	removed := removeOps(orig, 3, 7)
	p := writeFile(t, orig)
	w := &crashWorld{t: t, p: p, heldRounds: 1}
	opts := fastOpts()
	opts.Ops = w.ops()
	rename := opts.Ops.Rename
	renames := 0
	opts.Ops.Rename = func(oldpath, newpath string) error {
		if newpath == p {
			if renames++; renames == 2 {
				return errInjected
			}
		}
		return rename(oldpath, newpath)
	}
	out, err := Edit(Request{Path: p, Guard: GuardOf(orig), Ops: removed}, opts)
	if !errors.Is(err, errInjected) || !out.Rewritten {
		t.Fatalf("rewritten %v, err %v", out.Rewritten, err)
	}
	if w.held != nil {
		w.held.Close()
	}
	checkAllOnce(t, p, orig, removed, w.written, "second rename failed")
	assertOnlyFile(t, p)
}

// TestRecoverWatchesTheReplacedFile: an edit killed right after its rename
// leaves the replaced file under a recovery name, and a writer (SMS, or
// anything else) may still hold it open and write into it. The next run's
// recovery carries over what it finds, then, like the rename's own grace
// period, waits Options.Grace and carries over what reached the file
// meanwhile, before it removes the recovery name: a record written then
// would otherwise go to a file no name reaches (scripts/torture
// -mode holder+kill lost such records).
func TestRecoverWatchesTheReplacedFile(t *testing.T) {
	if simulatedCrashLeaksHandles {
		t.Skip("a simulated crash leaks the edit's handles, which Windows will not remove a file under")
	}
	var orig []byte
	for i := range 30 {
		r := record.Make(fmt.Sprintf("O%d", i), uint32(i), nil).Raw
		orig = append(orig, r[:]...)
	}
	removed := removeOps(orig, 3, 7, 20)
	p := writeFile(t, orig)
	var held *os.File
	defer func() {
		if held != nil {
			held.Close()
		}
	}()
	opts := fastOpts()
	opts.Ops = atomicfile.Ops{Rename: func(oldpath, newpath string) error {
		if newpath != p {
			return os.Rename(oldpath, newpath)
		}
		// A writer opens the file just before it is replaced; the edit
		// dies right after the rename.
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		held = f
		if err := os.Rename(oldpath, newpath); err != nil {
			t.Fatal(err)
		}
		panic(crash{"after the rename"})
	}}
	func() {
		defer func() {
			if r := recover(); r == nil {
				t.Fatal("the edit did not reach its rename")
			} else if _, ok := r.(crash); !ok {
				panic(r)
			}
		}()
		e := &editor{path: p, opts: opts.withDefaults()}
		_, pend, err := e.edit(Request{Path: p, Guard: GuardOf(orig), Ops: removed})
		if pend != nil {
			_, err = pend.Wait()
		}
		t.Fatalf("the edit returned (%v) instead of dying", err)
	}()
	var written [][]byte
	write := func(n uint32) {
		r := record.Make("W", n, nil).Raw
		if _, err := held.Write(r[:]); err != nil {
			t.Fatal(err)
		}
		written = append(written, r[:])
	}
	write(1) // after the crash, before the next run
	graces := 0
	ro := fastOpts()
	ro.Sleep = func(d time.Duration) {
		if d == ro.Grace {
			graces++
			write(uint32(1 + graces)) // while the recovery waits
		}
	}
	rec, err := Recover(p, ro)
	if err != nil {
		t.Fatal(err)
	}
	if graces == 0 {
		t.Fatal("the recovery did not wait a grace period for a writer still holding the replaced file")
	}
	checkAllOnce(t, p, orig, removed, written, fmt.Sprintf("recovered %v", rec))
	assertOnlyFile(t, p)
}

// TestLeftoverMessages: one record is "1 record ... waits", more are
// "N records ... wait"; both name the file and the command.
func TestLeftoverMessages(t *testing.T) {
	p := filepath.Join("D", "Resync.cfg")
	for _, c := range []struct {
		n             int
		problem, done string
	}{
		{1, "1 record appended during an interrupted apply waits in Resync.cfg.dumpsync-recover-x, not yet in Resync.cfg; 'dumpsync recover D' carries it over and removes the file (so does the next apply in this folder)",
			"recovered 1 record appended during an interrupted apply from Resync.cfg.dumpsync-recover-x into " + p},
		{3, "3 records appended during an interrupted apply wait in Resync.cfg.dumpsync-recover-x, not yet in Resync.cfg; 'dumpsync recover D' carries them over and removes the file (so does the next apply in this folder)",
			"recovered 3 records appended during an interrupted apply from Resync.cfg.dumpsync-recover-x into " + p},
	} {
		from := filepath.Join("D", "Resync.cfg.dumpsync-recover-x")
		if got := (Leftover{Path: from, Records: c.n}).Problem(p); got != c.problem {
			t.Errorf("Problem, %d records:\n got %s\nwant %s", c.n, got, c.problem)
		}
		if got := (Recovered{From: from, Into: p, Records: c.n}).String(); got != c.done {
			t.Errorf("Recovered, %d records:\n got %s\nwant %s", c.n, got, c.done)
		}
	}
}
