package resyncedit

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dumpsync/dumpsync/internal/record"
)

// helperMain runs the test binary as another process:
//
//	appender: appends numbered records to $PATH like SMS does (open with
//	  O_APPEND, write 48 bytes, close; with $HOLD set it keeps the handle for
//	  a few records first) until $STOP exists, then writes the count to $STOP.
//	editloop: flips $PATH between the two states of killStates forever.
func helperMain(kind string) int {
	path := os.Getenv("RESYNCEDIT_PATH")
	switch kind {
	case "appender":
		return appender(path, os.Getenv("RESYNCEDIT_STOP"), os.Getenv("RESYNCEDIT_HOLD") != "")
	case "editonce":
		// One edit that removes every third record, watching the replaced
		// file for a long grace period (the test kills it meanwhile).
		data, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		data = data[:len(data)-len(data)%record.Size]
		var ops []Op
		for i := 0; i*record.Size < len(data); i += 3 {
			ops = append(ops, Op{ID: i, Kind: Remove, Offset: int64(i * record.Size), Record: at(data, i)})
		}
		if _, err := Edit(Request{Path: path, Guard: GuardOf(data), Ops: ops}, Options{Grace: 5 * time.Second}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 4
		}
		return 0
	case "removeloop":
		// Removes one original record at a time, as a series of applies
		// would, while others append; killed by the test.
		for i := 0; ; i++ {
			data, err := os.ReadFile(path)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 2
			}
			data = data[:len(data)-len(data)%record.Size]
			var ops []Op
			for j := i % 7; j*record.Size < len(data) && len(ops) < 3; j += 7 {
				if r := at(data, j); r[0] == 'K' {
					ops = append(ops, Op{ID: j, Kind: Remove, Offset: int64(j * record.Size), Record: r})
				}
			}
			if len(ops) == 0 {
				time.Sleep(time.Millisecond)
				continue
			}
			if _, err := Edit(Request{Path: path, Guard: GuardOf(data), Ops: ops}, Options{}); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 4
			}
		}
	case "editloop":
		a, b, remove := killStates()
		for {
			data, err := os.ReadFile(path)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 2
			}
			req := Request{Path: path, Ops: remove}
			switch {
			case bytes.Equal(data, a):
				req.Guard = GuardOf(a)
			case bytes.Equal(data, b):
				req.Guard = GuardOf(b)
				req.Ops = undoOps(remove)
			default:
				fmt.Fprintln(os.Stderr, "unexpected content")
				return 3
			}
			if _, err := Edit(req, Options{Grace: time.Millisecond}); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 4
			}
		}
	}
	return 1
}

func appRecord(n int) []byte {
	r := record.Make("APP", uint32(n), nil).Raw
	binary.LittleEndian.PutUint64(r[40:], uint64(n)+1)
	return r[:]
}

func appender(path, stop string, hold bool) int {
	n := 0
	for {
		if _, err := os.Stat(stop); err == nil {
			break
		}
		open := func() (*os.File, error) { return os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0) }
		if os.Getenv("RESYNCEDIT_SHARED") != "" {
			open = func() (*os.File, error) { return openAppendShared(path) }
		}
		f, err := open()
		if err != nil { // in use during a rename on Windows: SMS would retry too
			time.Sleep(time.Millisecond)
			continue
		}
		k := 1
		if hold {
			k = 3
		}
		for i := 0; i < k; i++ {
			if i > 0 {
				time.Sleep(time.Millisecond)
			}
			if _, err := f.Write(appRecord(n)); err != nil {
				fmt.Fprintln(os.Stderr, "write:", err)
				return 2
			}
			n++
		}
		f.Close()
		if os.Getenv("RESYNCEDIT_TIGHT") != "" {
			continue // as fast as it can, like the torture harness's writer
		}
		// About 200 records a second (hold: 3 records in a burst every
		// 20 ms): far busier than SMS. Much busier writers (1000/s under
		// Wine) can exhaust the carry-over rounds, after which order is no
		// longer kept (nothing is lost); see commit.
		if hold {
			time.Sleep(20 * time.Millisecond)
		} else {
			time.Sleep(5 * time.Millisecond)
		}
	}
	return writeInt(stop, n)
}

func writeInt(name string, n int) int {
	if err := os.WriteFile(name+".count", []byte(strconv.Itoa(n)), 0o644); err != nil {
		return 5
	}
	return 0
}

func helper(t *testing.T, kind string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "RESYNCEDIT_HELPER="+kind)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// startAppender starts a process appending records to p (holding it open
// for a few records at a time if hold) and returns the function that stops
// it and returns how many it appended.
func startAppender(t *testing.T, p string, hold bool) (stop func() int) {
	t.Helper()
	stopFile := filepath.Join(t.TempDir(), "stop")
	env := []string{"RESYNCEDIT_PATH=" + p, "RESYNCEDIT_STOP=" + stopFile}
	if hold {
		env = append(env, "RESYNCEDIT_HOLD=1")
	}
	cmd := helper(t, "appender", env...)
	t.Cleanup(func() { cmd.Process.Kill() })
	return func() int {
		t.Helper()
		os.WriteFile(stopFile, nil, 0o644)
		if err := cmd.Wait(); err != nil {
			t.Fatal("appender:", err)
		}
		cb, err := os.ReadFile(stopFile + ".count")
		if err != nil {
			t.Fatal(err)
		}
		n, err := strconv.Atoi(string(cb))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
}

// TestConcurrentAppender runs many edits while another process appends
// records, and checks that every appended record is there exactly once and
// in order, every removed record is gone, and every other one is kept.
func TestConcurrentAppender(t *testing.T) {
	for _, hold := range []bool{false, true} {
		t.Run(fmt.Sprintf("hold=%v", hold), func(t *testing.T) {
			const keep, del = 300, 300
			var data []byte
			for i := 0; i < keep+del; i++ {
				id := "KEEP"
				if i%2 == 1 {
					id = "DEL"
				}
				r := record.Make(id, uint32(i), nil).Raw
				data = append(data, r[:]...)
			}
			p := writeFile(t, data)
			stopAppender := startAppender(t, p, hold)

			opts := fastOpts()
			opts.Grace = 200 * time.Millisecond
			opts.InUseWait = 10 * time.Second
			removed := map[[48]byte]bool{}
			var carried int
			for edit := 0; edit < 50; edit++ {
				snap := readFile(t, p)
				snap = snap[:len(snap)-len(snap)%record.Size]
				var ops []Op
				for i := 0; i*record.Size < len(snap) && len(ops) < 6; i++ {
					r := at(snap, i)
					if e := record.Parse(r[:]); e.SmsID() == "DEL" && rand.IntN(3) == 0 {
						ops = append(ops, Op{ID: i, Kind: Remove, Offset: int64(i * record.Size), Record: r})
					}
				}
				out, err := Edit(Request{Path: p, Guard: GuardOf(snap), Ops: ops}, opts)
				if err != nil {
					t.Fatal(err)
				}
				for i, r := range out.Results.Slice() {
					if r.Status != Applied {
						t.Fatalf("edit %d: %+v", edit, r)
					}
					removed[ops[i].Record] = true
				}
				carried += out.CarriedOver
			}
			appended := stopAppender()
			final := readFile(t, p)
			if len(final)%record.Size != 0 {
				t.Fatalf("final size %d", len(final))
			}
			next, keepSeen, delSeen := 0, 0, 0
			for i := 0; i*record.Size < len(final); i++ {
				r := at(final, i)
				e := record.Parse(r[:])
				switch e.SmsID() {
				case "APP":
					if !bytes.Equal(r[:], appRecord(next)) {
						where := bytes.Index(final, appRecord(next))
						for j := max(0, i-5); j < min(i+8, len(final)/record.Size); j++ {
							r := at(final, j)
							e := record.Parse(r[:])
							t.Logf("  %d: %s %d", j, e.SmsID(), e.Time())
						}
						t.Fatalf("record %d: appended record %d expected, got #%d; #%d is at offset %d (-1: missing)", i, next, e.Time(), next, where)
					}
					next++
				case "KEEP":
					if int(e.Time()) != 2*keepSeen {
						t.Fatalf("record %d: kept record %d out of order", i, e.Time())
					}
					keepSeen++
				case "DEL":
					if removed[r] {
						t.Fatalf("removed record %d is still there", e.Time())
					}
					delSeen++
				default:
					t.Fatalf("record %d: garbage %x", i, r)
				}
			}
			if next != appended || keepSeen != keep || delSeen != del-len(removed) {
				t.Fatalf("appended %d, found %d; kept %d/%d; del %d/%d", appended, next, keepSeen, keep, delSeen, del-len(removed))
			}
			t.Logf("%d edits, %d records removed, %d appended, %d carried over by the edits", 50, len(removed), appended, carried)
			assertOnlyFile(t, p)
		})
	}
}

// killStates returns the two contents the editloop helper flips between and
// the removals that turn a into b.
func killStates() (a, b []byte, remove []Op) {
	for i := 0; i < 2000; i++ {
		r := record.Make(fmt.Sprintf("K%d", i), uint32(i), nil).Raw
		a = append(a, r[:]...)
	}
	for i := 0; i < 2000; i += 3 {
		remove = append(remove, Op{ID: i, Kind: Remove, Offset: int64(i * record.Size), Record: at(a, i)})
	}
	b = append([]byte{}, a...)
	for k := len(remove) - 1; k >= 0; k-- {
		off := remove[k].Offset
		b = append(b[:off], b[off+record.Size:]...)
	}
	return a, b, remove
}

// TestKillAtRandomPoints kills an editing process at random instants and
// checks that the file is always exactly one of the two states, and that the
// next run removes what the killed one left.
func TestKillAtRandomPoints(t *testing.T) {
	a, b, _ := killStates()
	p := writeFile(t, a)
	dir := filepath.Dir(p)
	leftovers, flips := 0, 0
	prev := a
	for i := 0; i < 12; i++ {
		cmd := helper(t, "editloop", "RESYNCEDIT_PATH="+p)
		// Wait until the helper has finished one edit (starting a process
		// takes long under Wine), then kill it at a random instant of the
		// edits that follow.
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
			if got, err := os.ReadFile(p); err == nil && !bytes.Equal(got, prev) {
				break
			}
		}
		time.Sleep(time.Duration(rand.IntN(60)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		got := readFile(t, p)
		if !bytes.Equal(got, a) && !bytes.Equal(got, b) {
			t.Fatalf("iteration %d: file is neither state (size %d)", i, len(got))
		}
		if !bytes.Equal(got, prev) {
			flips++
		}
		prev = got
		es, _ := os.ReadDir(dir)
		for _, e := range es {
			if e.Name() != "Resync.cfg" {
				if !strings.HasPrefix(e.Name(), "Resync.cfg.dumpsync-") {
					t.Fatalf("unexpected file %s", e.Name())
				}
				leftovers++
			}
		}
	}
	if _, err := Clean(p, fastOpts()); err != nil {
		t.Fatal(err)
	}
	assertOnlyFile(t, p)
	if flips == 0 {
		t.Fatal("the helper never finished an edit")
	}
	t.Logf("%d state changes seen, %d leftover files from killed runs were removed", flips, leftovers)
}

// TestKillAfterRename reproduces the loss of issue 12: a writer opens
// Resync.cfg, the edit replaces it, the writer appends one record through
// its handle (into the replaced file), and the edit is killed 50 ms later,
// before its carry-over. The next run must put the record into the file,
// exactly once, and leave nothing of ours.
func TestKillAfterRename(t *testing.T) {
	for trial := 0; trial < 3; trial++ {
		var data []byte
		for i := 0; i < 3000; i++ {
			r := record.Make(fmt.Sprintf("K%d", i), uint32(i), nil).Raw
			data = append(data, r[:]...)
		}
		p := writeFile(t, data)
		h, err := openAppendShared(p)
		if err != nil {
			t.Fatal(err)
		}
		before, _ := os.Stat(p)
		cmd := helper(t, "editonce", "RESYNCEDIT_PATH="+p)
		replaced := false
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			if st, err := os.Stat(p); err == nil && !os.SameFile(st, before) {
				replaced = true
				break
			}
		}
		if !replaced {
			cmd.Process.Kill()
			cmd.Wait()
			h.Close()
			if runtime.GOOS == "windows" {
				// Windows renames over a file whose every handle shares
				// delete access; Wine sometimes refuses ("access
				// denied") for as long as the handle is open.
				t.Skip("the rename over a file held open with FILE_SHARE_DELETE was refused (Wine)")
			}
			t.Fatal("the edit never replaced the file")
		}
		late := appRecord(trial)
		if _, err := h.Write(late); err != nil {
			t.Fatal(err)
		}
		h.Close()
		time.Sleep(50 * time.Millisecond)
		cmd.Process.Kill()
		if err := cmd.Wait(); err == nil {
			t.Fatal("the edit ended before it was killed")
		}
		rec, err := Clean(p, fastOpts())
		if err != nil {
			t.Fatal(err)
		}
		got := readFile(t, p)
		if n := bytes.Count(got, late); n != 1 {
			t.Fatalf("trial %d: the record written into the replaced file is there %d times (recovered %v)", trial, n, rec)
		}
		if len(rec) != 1 || rec[0].Records != 1 {
			t.Fatalf("trial %d: recovered %+v", trial, rec)
		}
		if len(got) != (2000+1)*record.Size {
			t.Fatalf("trial %d: size %d", trial, len(got))
		}
		assertOnlyFile(t, p)
	}
}

// TestKillWithWriter kills a process that edits the file in a loop at a
// random instant while another process appends records in a tight loop
// (open, append, close; every other trial on Windows with a handle that
// shares delete access), then lets the next run recover: every appended
// record must be in the file exactly once, every original record at most
// once. Trials: 8, or $RESYNCEDIT_TRIALS (the figures in the report of
// issue 12 come from RESYNCEDIT_TRIALS=300).
func TestKillWithWriter(t *testing.T) {
	trials := 8
	if n, err := strconv.Atoi(os.Getenv("RESYNCEDIT_TRIALS")); err == nil && n > 0 {
		trials = n
	}
	var data []byte
	for i := 0; i < 2000; i++ {
		r := record.Make(fmt.Sprintf("K%d", i), uint32(i), nil).Raw
		data = append(data, r[:]...)
	}
	var appended, lost, dup, files, recovered, failed int
	for trial := 0; trial < trials; trial++ {
		p := writeFile(t, data)
		stop := filepath.Join(t.TempDir(), "stop")
		env := []string{"RESYNCEDIT_PATH=" + p, "RESYNCEDIT_STOP=" + stop, "RESYNCEDIT_TIGHT=1"}
		if trial%2 == 1 {
			// On Windows: a writer whose handle does not stop the rename, so
			// that its records reach the replaced file, as on Unix.
			env = append(env, "RESYNCEDIT_SHARED=1")
		}
		app := helper(t, "appender", env...)
		cmd := helper(t, "removeloop", "RESYNCEDIT_PATH="+p)
		// Kill at a random instant once it has started editing (its lock
		// file is there), so that kills land in every step.
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			if _, err := os.Stat(LockPath(p)); err == nil {
				break
			}
		}
		time.Sleep(time.Duration(rand.IntN(300)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		os.WriteFile(stop, nil, 0o644)
		if err := app.Wait(); err != nil {
			t.Fatal("appender:", err)
		}
		cb, err := os.ReadFile(stop + ".count")
		if err != nil {
			t.Fatal(err)
		}
		n, _ := strconv.Atoi(string(cb))
		appended += n
		rec, err := Clean(p, fastOpts())
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		for _, r := range rec {
			recovered += r.Records
			files++
		}
		final := readFile(t, p)
		count := map[string]int{}
		for off := 0; off+record.Size <= len(final); off += record.Size {
			count[string(final[off:off+record.Size])]++
		}
		l, d := 0, 0
		for k := 0; k < n; k++ {
			switch c := count[string(appRecord(k))]; {
			case c == 0:
				l++
			case c > 1:
				d += c - 1
			}
		}
		for i := 0; i < len(data)/record.Size; i++ {
			if r := at(data, i); count[string(r[:])] > 1 {
				d++
			}
		}
		lost, dup = lost+l, dup+d
		if l+d > 0 || len(final)%record.Size != 0 {
			failed++
			t.Errorf("trial %d: lost %d, duplicated %d, size %d", trial, l, d, len(final))
		}
		assertOnlyFile(t, p)
	}
	t.Logf("%d kill trials with a tight-loop writer: %d failed; %d records appended, %d lost, %d duplicated; %d recovery files left by the kills, %d records recovered from them",
		trials, failed, appended, lost, dup, files, recovered)
}

// TestConcurrentAppenderUndo removes records and puts them back with their
// undo ops, again and again, while another process appends records (and,
// in one run, holds the file open): after each undo the file starts with
// the original records, in their order, and at the end it is the original
// followed by every appended record, once each and in order.
func TestConcurrentAppenderUndo(t *testing.T) {
	for _, hold := range []bool{false, true} {
		t.Run(fmt.Sprintf("hold=%v", hold), func(t *testing.T) {
			const n = 3000 // several of the undo's read chunks
			var orig []byte
			for i := range n {
				id := "KEEP"
				if i%2 == 1 {
					id = "DEL"
				}
				r := record.Make(id, uint32(i), nil).Raw
				orig = append(orig, r[:]...)
			}
			p := writeFile(t, orig)
			stopAppender := startAppender(t, p, hold)

			opts := fastOpts()
			opts.Grace = 50 * time.Millisecond
			opts.InUseWait = 10 * time.Second
			for cycle := range 15 {
				snap := readFile(t, p)
				snap = snap[:len(snap)-len(snap)%record.Size]
				var ops []Op
				for i := 1; i < n; i += 2 {
					if rand.IntN(4) == 0 {
						ops = append(ops, Op{ID: i, Kind: Remove, Offset: int64(i * record.Size), Record: at(snap, i)})
					}
				}
				var undo []Op
				var guard Guard
				req := Request{Path: p, Guard: GuardOf(snap), Ops: ops,
					BeforeCommit: func(res Results, g Guard) error {
						guard, undo = g, nil
						for k, r := range res.All() {
							if r.Status == Applied {
								undo = append(undo, Op{ID: len(undo), Kind: Insert, Offset: r.OldOffset, Record: ops[k].Record})
							}
						}
						return nil
					}}
				if _, err := Edit(req, opts); err != nil {
					t.Fatal(err)
				}
				if len(undo) != len(ops) {
					t.Fatalf("cycle %d: %d of %d removed", cycle, len(undo), len(ops))
				}
				out, err := Edit(Request{Path: p, Guard: guard, Ops: undo}, opts)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range out.Results.Slice() {
					if r.Status != Applied {
						t.Fatalf("cycle %d: undo op %+v", cycle, r)
					}
				}
				if got := readFile(t, p); !bytes.Equal(got[:len(orig)], orig) {
					t.Fatalf("cycle %d: the file does not start with the original records again", cycle)
				}
			}
			appended := stopAppender()
			want := slices.Clone(orig)
			for i := range appended {
				want = append(want, appRecord(i)...)
			}
			if got := readFile(t, p); !bytes.Equal(got, want) {
				t.Fatalf("final file: %d bytes, want the original and the %d appended records in order (%d bytes)", len(got), appended, len(want))
			}
			t.Logf("15 removals and undos, %d records appended meanwhile", appended)
			assertOnlyFile(t, p)
		})
	}
}
