package resyncedit

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dumpsync/dumpsync/internal/atomicfile"
	"github.com/dumpsync/dumpsync/internal/record"
)

func TestRemove(t *testing.T) {
	data := recs("A", "B", "C", "D", "E")
	p := writeFile(t, data)
	var committed Results
	var newGuard Guard
	out, err := Edit(Request{
		Path: p, Guard: GuardOf(data), Ops: removeOps(data, 3, 1),
		BeforeCommit: func(rs Results, g Guard) error { committed, newGuard = rs, g; return nil },
	}, fastOpts())
	if err != nil {
		t.Fatal(err)
	}
	want := recs("A", "B", "C", "D", "E")
	want = append(append(append([]byte{}, want[:48]...), want[96:144]...), want[192:]...)
	got := readFile(t, p)
	if !bytes.Equal(got, want) {
		t.Fatalf("content:\n%x\nwant\n%x", got, want)
	}
	if s := statuses(out.Results); s != "3:Applied 1:Applied " {
		t.Fatalf("results %s", s)
	}
	if out.Results.At(0).OldOffset != 144 || out.Results.At(1).OldOffset != 48 {
		t.Fatalf("old offsets %+v", out.Results)
	}
	if !out.Rewritten || out.Final != GuardOf(want) || newGuard != GuardOf(want) || committed.Len() != 2 {
		t.Fatalf("outcome %+v, guard %+v", out, newGuard)
	}
	assertOnlyFile(t, p)
}

func TestRemoveKeepsAppended(t *testing.T) {
	planned := recs("A", "B", "C")
	p := writeFile(t, append(append([]byte{}, planned...), recs("X", "Y")...))
	out, err := Edit(Request{Path: p, Guard: GuardOf(planned), Ops: removeOps(planned, 2, 0)}, fastOpts())
	if err != nil {
		t.Fatal(err)
	}
	want := append(append([]byte{}, planned[48:96]...), recs("X", "Y")...)
	if got := readFile(t, p); !bytes.Equal(got, want) {
		t.Fatalf("content %x", got)
	}
	if s := statuses(out.Results); s != "2:Applied 0:Applied " {
		t.Fatal(s)
	}
	assertOnlyFile(t, p)
}

func TestRemoveSkipped(t *testing.T) {
	data := recs("A", "B", "C")
	changed := recs("A", "Z", "C")
	other := at(data, 2)
	other[47] ^= 1
	cases := []struct {
		name   string
		file   []byte
		guard  Guard
		ops    []Op
		want   string
		detail string
	}{
		{"file changed", changed, GuardOf(data), removeOps(data, 2), "2:Skipped ", DetailChanged},
		{"file shorter", data[:96], GuardOf(data), removeOps(data, 0), "0:Skipped ", DetailChanged},
		{"record differs", data, GuardOf(data), []Op{{ID: 7, Kind: Remove, Offset: 96, Record: other}}, "7:Skipped ", DetailRecordDiffers},
		{"beyond guard", data, GuardOf(data[:96]), removeOps(data, 2), "2:Skipped ", DetailBeyondGuard},
		{"bad offset", data, GuardOf(data), []Op{{ID: 1, Kind: Remove, Offset: 50}}, "1:Failed ", "offset 50 is not a multiple of 48"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeFile(t, c.file)
			out, err := Edit(Request{Path: p, Guard: c.guard, Ops: c.ops,
				BeforeCommit: func(Results, Guard) error { t.Error("BeforeCommit called"); return nil }}, fastOpts())
			if err != nil {
				t.Fatal(err)
			}
			if s := statuses(out.Results); s != c.want || out.Results.At(0).Detail != c.detail {
				t.Fatalf("got %s %q", s, out.Results.At(0).Detail)
			}
			if out.Rewritten || !bytes.Equal(readFile(t, p), c.file) {
				t.Fatal("file rewritten")
			}
			assertOnlyFile(t, p)
		})
	}
	t.Run("duplicate", func(t *testing.T) {
		p := writeFile(t, data)
		ops := append(removeOps(data, 1), removeOps(data, 1)...)
		ops[1].ID = 9
		out, err := Edit(Request{Path: p, Guard: GuardOf(data), Ops: ops}, fastOpts())
		if err != nil {
			t.Fatal(err)
		}
		if s := statuses(out.Results); s != "1:Applied 9:Skipped " {
			t.Fatal(s)
		}
		if !bytes.Equal(readFile(t, p), recs("A", "B", "C")[:48]) && len(readFile(t, p)) != 96 {
			t.Fatal("content")
		}
	})
	t.Run("mixed kinds", func(t *testing.T) {
		p := writeFile(t, data)
		_, err := Edit(Request{Path: p, Guard: GuardOf(data), Ops: []Op{{Kind: Remove}, {Kind: Insert}}}, fastOpts())
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Fatalf("err = %v", err)
		}
	})
}

// undoOps turns applied removals into their undo.
func undoOps(ops []Op) []Op {
	var u []Op
	for _, op := range ops {
		op.Kind = Insert
		u = append(u, op)
	}
	return u
}

func TestUndo(t *testing.T) {
	for _, tc := range []struct {
		name   string
		remove []int
	}{
		{"middle", []int{1, 3}},
		{"first", []int{0}},
		{"last ones", []int{3, 4}},
		{"all", []int{0, 1, 2, 3, 4}},
		{"duplicate records", []int{0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			orig := recs("A", "B", "C", "D", "E")
			if tc.name == "duplicate records" {
				copy(orig[48:96], orig[:48])
			}
			p := writeFile(t, orig)
			ops := removeOps(orig, tc.remove...)
			var undoGuard Guard
			if _, err := Edit(Request{Path: p, Guard: GuardOf(orig), Ops: ops,
				BeforeCommit: func(_ Results, g Guard) error { undoGuard = g; return nil }}, fastOpts()); err != nil {
				t.Fatal(err)
			}
			// Reversed order: inserts are processed by ascending offset.
			u := undoOps(ops)
			for i, j := 0, len(u)-1; i < j; i, j = i+1, j-1 {
				u[i], u[j] = u[j], u[i]
			}
			out, err := Edit(Request{Path: p, Guard: undoGuard, Ops: u}, fastOpts())
			if err != nil {
				t.Fatal(err)
			}
			if got := readFile(t, p); !bytes.Equal(got, orig) {
				t.Fatalf("undo gave\n%x\nwant\n%x (%+v)", got, orig, out.Results)
			}
			for _, r := range out.Results.Slice() {
				if r.Status != Applied || r.NewOffset != int64(r.ID*record.Size) {
					t.Fatalf("result %+v", r)
				}
			}
			// A second undo finds everything in place.
			out, err = Edit(Request{Path: p, Guard: undoGuard, Ops: u}, fastOpts())
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range out.Results.Slice() {
				if r.Status != Skipped || r.Detail != DetailAlreadyRestored {
					t.Fatalf("second undo: %+v", r)
				}
			}
			if got := readFile(t, p); !bytes.Equal(got, orig) {
				t.Fatalf("second undo changed the file")
			}
			assertOnlyFile(t, p)
		})
	}
}

func TestUndoAfterAppend(t *testing.T) {
	orig := recs("A", "B", "C", "D")
	p := writeFile(t, orig)
	ops := removeOps(orig, 1, 3)
	var g Guard
	if _, err := Edit(Request{Path: p, Guard: GuardOf(orig), Ops: ops,
		BeforeCommit: func(_ Results, ng Guard) error { g = ng; return nil }}, fastOpts()); err != nil {
		t.Fatal(err)
	}
	appended := recs("X", "Y")
	f, _ := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	f.Write(appended)
	f.Close()
	if _, err := Edit(Request{Path: p, Guard: g, Ops: undoOps(ops)}, fastOpts()); err != nil {
		t.Fatal(err)
	}
	want := append(append([]byte{}, orig...), appended...)
	if got := readFile(t, p); !bytes.Equal(got, want) {
		t.Fatalf("got\n%x\nwant\n%x", got, want)
	}
}

func TestUndoAfterChange(t *testing.T) {
	orig := recs("A", "B", "C", "D")
	p := writeFile(t, orig)
	ops := removeOps(orig, 1, 2)
	var g Guard
	if _, err := Edit(Request{Path: p, Guard: GuardOf(orig), Ops: ops,
		BeforeCommit: func(_ Results, ng Guard) error { g = ng; return nil }}, fastOpts()); err != nil {
		t.Fatal(err)
	}
	// Someone else rewrote the file: A, B (put back by hand), D, Z.
	changed := append(append(append([]byte{}, orig[:96]...), orig[144:]...), recs("Z")...)
	os.WriteFile(p, changed, 0o644)
	out, err := Edit(Request{Path: p, Guard: g, Ops: undoOps(ops)}, fastOpts())
	if err != nil {
		t.Fatal(err)
	}
	if s := statuses(out.Results); s != "1:Skipped 2:Applied " || out.Results.At(1).Detail != DetailAppended {
		t.Fatalf("%s %+v", s, out.Results)
	}
	want := append(append([]byte{}, changed...), orig[96:144]...)
	if got := readFile(t, p); !bytes.Equal(got, want) {
		t.Fatalf("got %x", got)
	}
}

func TestDryRunMatchesRealRun(t *testing.T) {
	data := recs("A", "B", "C", "D")
	other := at(data, 3)
	other[0] = 'Q'
	ops := append(removeOps(data, 0, 2), Op{ID: 3, Kind: Remove, Offset: 144, Record: other})
	p := writeFile(t, data)
	dry, err := Edit(Request{Path: p, Guard: GuardOf(data), Ops: ops, DryRun: true,
		BeforeCommit: func(Results, Guard) error { t.Error("BeforeCommit in a dry run"); return nil }}, fastOpts())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(readFile(t, p), data) {
		t.Fatal("dry run changed the file")
	}
	assertOnlyFile(t, p)
	real, err := Edit(Request{Path: p, Guard: GuardOf(data), Ops: ops}, fastOpts())
	if err != nil {
		t.Fatal(err)
	}
	if statuses(dry.Results) != statuses(real.Results) || dry.Final != real.Final || dry.Rewritten != real.Rewritten {
		t.Fatalf("dry %+v\nreal %+v", dry, real)
	}
	for i := range dry.Results.Slice() {
		if dry.Results.At(i) != real.Results.At(i) {
			t.Fatalf("dry %+v real %+v", dry.Results.At(i), real.Results.At(i))
		}
	}
}

func TestPartialRecord(t *testing.T) {
	data := append(recs("A", "B"), 'x', 'y')
	p := writeFile(t, data)
	_, err := Edit(Request{Path: p, Guard: GuardOf(data[:96]), Ops: removeOps(data, 0)}, fastOpts())
	var pe *PartialError
	if !errors.As(err, &pe) || pe.Offset != 96 || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "offset 96") {
		t.Fatalf("err = %v", err)
	}
	if !bytes.Equal(readFile(t, p), data) {
		t.Fatal("file changed")
	}
	assertOnlyFile(t, p)

	// A writer that finishes its record during the re-reads is waited for.
	opts := fastOpts()
	opts.PartialWaits = []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond}
	go func() {
		time.Sleep(30 * time.Millisecond)
		f, _ := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
		f.Write(make([]byte, record.Size-2))
		f.Close()
	}()
	out, err := Edit(Request{Path: p, Guard: GuardOf(data[:96]), Ops: removeOps(data, 0)}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if out.Final.Size != 96 || !bytes.Equal(readFile(t, p)[:48], data[48:96]) {
		t.Fatalf("outcome %+v", out)
	}
	assertOnlyFile(t, p)
}

type faultyFile struct {
	atomicfile.File
	failWrite, failSync, failClose bool
}

var errInjected = errors.New("injected failure")

func (f *faultyFile) Write(p []byte) (int, error) {
	if f.failWrite {
		return 0, errInjected
	}
	return f.File.Write(p)
}
func (f *faultyFile) Sync() error {
	if f.failSync {
		return errInjected
	}
	return f.File.Sync()
}
func (f *faultyFile) Close() error {
	err := f.File.Close()
	if f.failClose {
		return errInjected
	}
	return err
}

func faulty(set func(*faultyFile)) func(string, string, os.FileMode) (atomicfile.File, error) {
	return func(dir, pattern string, perm os.FileMode) (atomicfile.File, error) {
		f, err := atomicfile.OSCreateTemp(dir, pattern, perm)
		if err != nil {
			return nil, err
		}
		ff := &faultyFile{File: f}
		set(ff)
		return ff, nil
	}
}

func TestFaults(t *testing.T) {
	data := recs("A", "B", "C")
	for name, set := range map[string]func(*Options, *Request){
		"createTemp": func(o *Options, _ *Request) {
			o.Ops.CreateTemp = func(string, string, os.FileMode) (atomicfile.File, error) { return nil, errInjected }
		},
		"write":        func(o *Options, _ *Request) { o.Ops.CreateTemp = faulty(func(f *faultyFile) { f.failWrite = true }) },
		"sync":         func(o *Options, _ *Request) { o.Ops.CreateTemp = faulty(func(f *faultyFile) { f.failSync = true }) },
		"close":        func(o *Options, _ *Request) { o.Ops.CreateTemp = faulty(func(f *faultyFile) { f.failClose = true }) },
		"rename":       func(o *Options, _ *Request) { o.Ops.Rename = func(string, string) error { return errInjected } },
		"beforeCommit": func(_ *Options, r *Request) { r.BeforeCommit = func(Results, Guard) error { return errInjected } },
	} {
		t.Run(name, func(t *testing.T) {
			p := writeFile(t, data)
			opts := fastOpts()
			req := Request{Path: p, Guard: GuardOf(data), Ops: removeOps(data, 1)}
			set(&opts, &req)
			out, err := Edit(req, opts)
			if !errors.Is(err, errInjected) {
				t.Fatalf("err = %v", err)
			}
			if name != "beforeCommit" && !strings.Contains(err.Error(), p) {
				t.Errorf("error does not name the file: %v", err)
			}
			if out.Rewritten {
				t.Error("Rewritten")
			}
			if !bytes.Equal(readFile(t, p), data) {
				t.Fatal("original changed")
			}
			assertOnlyFile(t, p)
		})
	}
	t.Run("syncDir", func(t *testing.T) {
		p := writeFile(t, data)
		opts := fastOpts()
		opts.Ops.SyncDir = func(string) error { return errInjected }
		out, err := Edit(Request{Path: p, Guard: GuardOf(data), Ops: removeOps(data, 1)}, opts)
		if !errors.Is(err, errInjected) && filepath.Separator == '/' {
			t.Fatalf("err = %v", err)
		}
		if !out.Rewritten || !bytes.Equal(readFile(t, p), recs("A", "B", "C")[:48]) && len(readFile(t, p)) != 96 {
			t.Fatalf("outcome %+v", out)
		}
		assertOnlyFile(t, p)
	})
}

func TestLeftoversRemoved(t *testing.T) {
	data := recs("A", "B")
	p := writeFile(t, data)
	for _, n := range []string{"Resync.cfg.dumpsync-tmp-123", "Resync.cfg.dumpsync-tmp-9-old", "Resync.cfg.dumpsync-lock"} {
		os.WriteFile(filepath.Join(filepath.Dir(p), n), []byte("junk"), 0o644)
	}
	if _, err := Edit(Request{Path: p, Guard: GuardOf(data), Ops: removeOps(data, 0)}, fastOpts()); err != nil {
		t.Fatal(err)
	}
	assertOnlyFile(t, p)

	os.WriteFile(filepath.Join(filepath.Dir(p), "Resync.cfg.dumpsync-tmp-5"), nil, 0o644)
	if _, err := Clean(p, fastOpts()); err != nil {
		t.Fatal(err)
	}
	assertOnlyFile(t, p)
}

func TestLockHeld(t *testing.T) {
	data := recs("A", "B")
	p := writeFile(t, data)
	opts := fastOpts()
	lk, err := acquire(p, opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.LockWait = 100 * time.Millisecond
	_, err = Edit(Request{Path: p, Guard: GuardOf(data), Ops: removeOps(data, 0)}, opts)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), p) {
		t.Fatalf("err = %v", err)
	}
	if _, err := Clean(p, opts); !errors.Is(err, ErrLocked) {
		t.Fatalf("Clean: %v", err)
	}
	if err := lk.release(opts); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(readFile(t, p), data) {
		t.Fatal("file changed")
	}
	assertOnlyFile(t, p)
}

// Two edits of the same plan at once: the second waits, re-reads, and finds
// the guard no longer matches.
func TestTwoEditsAtOnce(t *testing.T) {
	data := recs("A", "B", "C")
	p := writeFile(t, data)
	req := Request{Path: p, Guard: GuardOf(data), Ops: removeOps(data, 1)}
	inCommit := make(chan struct{})
	proceed := make(chan struct{})
	first := req
	first.BeforeCommit = func(Results, Guard) error { close(inCommit); <-proceed; return nil }
	var wg sync.WaitGroup
	var out1, out2 Outcome
	var err1, err2 error
	wg.Add(2)
	go func() { defer wg.Done(); out1, err1 = Edit(first, fastOpts()) }()
	<-inCommit
	go func() { defer wg.Done(); out2, err2 = Edit(req, fastOpts()) }()
	time.Sleep(100 * time.Millisecond) // the second is waiting for the lock
	close(proceed)
	wg.Wait()
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if s1, s2 := statuses(out1.Results), statuses(out2.Results); s1 != "1:Applied " || s2 != "1:Skipped " {
		t.Fatalf("first %s, second %s", s1, s2)
	}
	if got := readFile(t, p); len(got) != 96 {
		t.Fatalf("size %d", len(got))
	}
	assertOnlyFile(t, p)
}

// Many edits racing for the lock: every one gets it in turn or gives up
// cleanly, and no lock file is left.
func TestLockChurn(t *testing.T) {
	data := recs("A")
	p := writeFile(t, data)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				opts := fastOpts()
				opts.LockWait = 20 * time.Second // the lock is not fair: a waiter may lose several times
				_, err := Edit(Request{Path: p, Guard: GuardOf(data), Ops: removeOps(data, 0)[:0]}, opts)
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	assertOnlyFile(t, p)
}
