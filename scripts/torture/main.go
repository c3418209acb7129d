// Command torture measures dumpsync's central promise — a crash at any
// instant, with SMS appending meanwhile, loses nothing — on the real binary.
//
// Each trial restores a generated site, then runs `dumpsync apply` of a
// fixed plan (or, every other kill trial, the undo of a complete apply) and,
// depending on -mode, kills it with SIGKILL (TerminateProcess on Windows) at
// a random instant spread over the measured length of a run, while
// SMS-like writers append unique 48-byte records to every Resync.cfg:
//
//	kill         no writer, kill -9
//	writer       writers (open, append 48 bytes, close, in a tight loop), no kill
//	writer+kill  both
//	holder+kill  a writer that keeps its handle open for up to 500 ms, and kill -9
//
// After the kill the writers stop and the same command is run again (which
// also recovers what a killed run left). Then it checks: every Resync.cfg is
// the original or the original minus exactly planned records, in order, plus
// every appended record exactly once; no dumpsync file is left in the site;
// the undo files put the original records back (appended records stay once)
// and restore the deleted .cfg files, and a second undo changes nothing.
//
// It prints the trials, failures, records appended/lost/duplicated and the
// stages the kills landed in, judged from what the killed run left: before
// the lock, locked, journaled (undo rows written), temp written, after the
// rename, during the .cfg deletes, between files, finished.
//
//	go run ./scripts/torture -trials 200 -mode writer+kill -seed 1
//
// With the holder, records written through a handle to a file that was
// replaced more than -grace earlier are the README's documented residual
// window; they are counted apart ("lost in the documented window") and do
// not fail a trial.
package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/dumpsync/dumpsync/internal/record"
	"github.com/dumpsync/dumpsync/internal/sample"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type config struct {
	trials  int
	mode    string
	seed    uint64
	bin     string
	work    string
	keep    bool
	grace   time.Duration
	entries int
	verbose bool
}

var modes = []string{"kill", "writer", "writer+kill", "holder+kill"}

func run(args []string, stdout, stderr io.Writer) int {
	var c config
	fs := flag.NewFlagSet("torture", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&c.trials, "trials", 100, "number of trials")
	fs.StringVar(&c.mode, "mode", "writer+kill", "kill, writer, writer+kill or holder+kill")
	fs.Uint64Var(&c.seed, "seed", 1, "random seed (kill instants, trial kinds)")
	fs.StringVar(&c.bin, "bin", "", "the dumpsync binary (default: built from this repository with go build)")
	fs.StringVar(&c.work, "work", "", "working folder (default: a new temporary folder, removed at the end)")
	fs.BoolVar(&c.keep, "keep", false, "keep the working folder of the first failing trial")
	fs.DurationVar(&c.grace, "grace", 200*time.Millisecond, "dumpsync's grace period on Unix (for the holder's documented window)")
	fs.IntVar(&c.entries, "entries", 4000, "records in each domain's Resync.cfg")
	fs.BoolVar(&c.verbose, "v", false, "print every trial")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if !slices.Contains(modes, c.mode) {
		fmt.Fprintf(stderr, "torture: -mode %q: want one of %s\n", c.mode, strings.Join(modes, ", "))
		return 2
	}
	if c.trials < 1 {
		fmt.Fprintf(stderr, "torture: -trials must be 1 or more\n")
		return 2
	}
	t, err := setup(c)
	if err != nil {
		fmt.Fprintf(stderr, "torture: %v\n", err)
		return 2
	}
	defer t.cleanup()
	if err := t.calibrate(); err != nil {
		fmt.Fprintf(stderr, "torture: calibrating: %v\n", err)
		return 2
	}
	fmt.Fprintf(stdout, "torture: mode %s, seed %d, %d trials; a run of apply takes %v, undo %v\n",
		c.mode, c.seed, c.trials, t.applyDur.Round(time.Millisecond), t.undoDur.Round(time.Millisecond))
	// Ctrl-C ends the run after the current trial, with the summary so far.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(stop)
	start := time.Now()
	for i := range c.trials {
		select {
		case <-stop:
			fmt.Fprintf(stdout, "torture: interrupted after %d trials\n", i)
			t.sum.print(stdout, time.Since(start))
			return 1
		default:
		}
		res := t.trial(i)
		t.sum.add(res)
		if c.verbose || len(res.failures) > 0 {
			fmt.Fprintf(stdout, "trial %d (%s, kill after %v): stage %s, appended %d, lost %d, duplicated %d\n",
				i+1, res.kind, res.delay.Round(time.Microsecond), res.stage, res.appended, res.lost, res.duplicated)
			for _, f := range res.failures {
				fmt.Fprintf(stdout, "  FAIL %s\n", f)
			}
		}
		if len(res.failures) > 0 && c.keep && t.kept == "" {
			t.kept = filepath.Join(t.dir, fmt.Sprintf("failed-trial-%d", i+1))
			os.Rename(t.site, t.kept)
			fmt.Fprintf(stdout, "  kept in %s\n", t.kept)
		}
	}
	t.sum.print(stdout, time.Since(start))
	if t.sum.failed > 0 {
		return 1
	}
	return 0
}

// torture is the state shared by the trials.
type torture struct {
	c        config
	rng      *rand.Rand
	dir      string // working folder
	removeWd bool
	kept     string
	bin      string
	template string // the pristine site
	site     string // where trials run (restored from template)
	layout   *sample.Layout
	plan     string
	orig     map[string][]byte // relative path → content of every file of the pristine site
	resyncs  []string          // absolute paths of the Resync.cfg files the plan edits
	planned  map[string]map[[record.Size]byte]int
	deletes  []string // absolute paths of the .cfg files the plan deletes
	applyDur time.Duration
	undoDur  time.Duration
	counter  atomic.Uint64
	sum      summary
}

func setup(c config) (*torture, error) {
	t := &torture{c: c, rng: rand.New(rand.NewPCG(c.seed, 0x746f7274757265))}
	t.dir = c.work
	if t.dir == "" {
		d, err := os.MkdirTemp("", "dumpsync-torture-")
		if err != nil {
			return nil, err
		}
		t.dir, t.removeWd = d, true
	} else if err := os.MkdirAll(t.dir, 0o755); err != nil {
		return nil, err
	}
	t.bin = c.bin
	if t.bin == "" {
		t.bin = filepath.Join(t.dir, "dumpsync")
		if runtime.GOOS == "windows" {
			t.bin += ".exe"
		}
		build := exec.Command("go", "build", "-o", t.bin, "./cmd/dumpsync")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return nil, fmt.Errorf("building dumpsync (run from the repository root, or pass -bin): %w", err)
		}
	}
	cfg := sample.DefaultConfig(c.seed, sample.DefaultNow)
	cfg.LogonServers = 1
	cfg.PartialRecord = false
	cfg.EntriesPerDomain = c.entries
	// Few .cfg files: each delete and restore is synced, and the trials
	// are about the Resync.cfg rewrites.
	cfg.ClientsPerDomain = min(12, c.entries/4)
	cfg.OrphansPerLogon, cfg.OrphansPerDomain = 2, 2
	t.template = filepath.Join(t.dir, "template")
	l, err := sample.Generate(t.template, cfg)
	if err != nil {
		return nil, err
	}
	t.site = filepath.Join(t.dir, "site")
	// The layout as it is at the trial folder.
	t.layout = &sample.Layout{Dir: t.site}
	for _, d := range l.Domains {
		t.layout.Domains = append(t.layout.Domains, t.rebase(d))
	}
	for _, d := range l.Logons {
		t.layout.Logons = append(t.layout.Logons, t.rebase(d))
	}
	if t.orig, err = readTree(t.template); err != nil {
		return nil, err
	}
	if err := t.restore(); err != nil {
		return nil, err
	}
	t.plan = filepath.Join(t.dir, "plan.json")
	args := []string{"plan", "--days", "90", "--now", sample.DefaultNow.Format(time.RFC3339), "--out", t.plan}
	args = append(args, t.layout.Domains...)
	for _, lg := range t.layout.Logons {
		args = append(args, "--logon", lg)
	}
	if out, err := exec.Command(t.bin, args...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("plan: %v: %s", err, out)
	}
	return t, t.readPlan()
}

func (t *torture) rebase(p string) string {
	rel, _ := filepath.Rel(t.template, p)
	return filepath.Join(t.site, rel)
}

func (t *torture) cleanup() {
	if t.removeWd && t.kept == "" {
		os.RemoveAll(t.dir)
	}
}

// planRow is the part of a plan row the checks need.
type planRow struct {
	Action string
	Path   string
	Record *string
}

func (t *torture) readPlan() error {
	b, err := os.ReadFile(t.plan)
	if err != nil {
		return err
	}
	var rows []planRow
	if err := json.Unmarshal(b, &rows); err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	t.planned = map[string]map[[record.Size]byte]int{}
	for _, r := range rows {
		if r.Action == "DeleteFile" {
			t.deletes = append(t.deletes, r.Path)
		}
		if r.Action != "RemoveEntry" || r.Record == nil {
			continue
		}
		e, err := record.ParseHex(*r.Record)
		if err != nil {
			return err
		}
		if t.planned[r.Path] == nil {
			t.planned[r.Path] = map[[record.Size]byte]int{}
			t.resyncs = append(t.resyncs, r.Path)
		}
		t.planned[r.Path][e.Raw]++
	}
	if len(t.resyncs) == 0 {
		return errors.New("the plan removes nothing")
	}
	return nil
}

// restore makes the trial site a fresh copy of the template.
func (t *torture) restore() error {
	if err := os.RemoveAll(t.site); err != nil {
		return err
	}
	for rel, content := range t.orig {
		p := filepath.Join(t.site, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// calibrate measures an uninterrupted apply and undo (with the writers of
// the mode running, as in the trials: they slow both down).
func (t *torture) calibrate() error {
	var applies, undos []time.Duration
	for range 3 {
		if err := t.restore(); err != nil {
			return err
		}
		undo := filepath.Join(t.dir, "calibrate-undo.json")
		os.Remove(undo)
		w := t.startWriters()
		d, err := t.timed("apply", t.plan, "--undo", undo)
		if err != nil {
			w.stop()
			return err
		}
		applies = append(applies, d)
		d, err = t.timed("apply", undo, "--no-undo")
		w.stop()
		if err != nil {
			return err
		}
		undos = append(undos, d)
	}
	slices.Sort(applies)
	slices.Sort(undos)
	t.applyDur, t.undoDur = applies[1], undos[1]
	return nil
}

func (t *torture) timed(args ...string) (time.Duration, error) {
	start := time.Now()
	err := t.runDumpsync(args...)
	return time.Since(start), err
}

// command is dumpsync with args, confined to the site; the results are
// not looked at (the files are).
func (t *torture) command(args ...string) *exec.Cmd {
	args = append(args, "--within", t.site, "-f", "json")
	cmd := exec.Command(t.bin, args...)
	cmd.Stdout = io.Discard
	return cmd
}

// runDumpsync runs dumpsync to its end; exit 1 (some row Skipped) is fine:
// the checks look at the files.
func (t *torture) runDumpsync(args ...string) error {
	cmd := t.command(args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil && exitCode(err) != 1 {
		return fmt.Errorf("dumpsync %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return nil
}

// result is what one trial found.
type result struct {
	kind                       string // "apply" or "undo"
	delay                      time.Duration
	stage                      string
	appended, lost, duplicated int
	windowLost                 int // holder: lost in the documented window
	failures                   []string
	killed                     bool
	appendedBy                 map[string]*appendLog
}

func (r *result) fail(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func (t *torture) kills() bool   { return strings.HasSuffix(t.c.mode, "kill") }
func (t *torture) writers() bool { return t.c.mode != "kill" }

func (t *torture) trial(i int) result {
	res := result{kind: "apply"}
	if t.kills() && i%2 == 1 {
		res.kind = "undo"
	}
	if err := t.restore(); err != nil {
		res.fail("restoring the site: %v", err)
		return res
	}
	undo1 := filepath.Join(t.dir, "undo-1.json")
	undo2 := filepath.Join(t.dir, "undo-2.json")
	undo3 := filepath.Join(t.dir, "undo-3.json")
	for _, u := range []string{undo1, undo2, undo3} {
		os.Remove(u)
	}

	// The command that is tortured, and its re-run.
	var cmdArgs, rerunArgs []string
	dur := t.applyDur
	if res.kind == "apply" {
		cmdArgs = []string{"apply", t.plan, "--undo", undo1}
		rerunArgs = []string{"apply", t.plan, "--undo", undo2}
	} else {
		if err := t.runDumpsync("apply", t.plan, "--undo", undo1); err != nil {
			res.fail("the apply before the undo: %v", err)
			return res
		}
		cmdArgs = []string{"apply", undo1, "--undo", undo2}
		rerunArgs = []string{"apply", undo1, "--undo", undo3}
		dur = t.undoDur
	}

	w := t.startWriters()
	cmd := t.command(cmdArgs...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		w.stop()
		res.fail("starting dumpsync: %v", err)
		return res
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if t.kills() {
		res.delay = time.Duration(t.rng.Int64N(int64(dur)*13/10 + 1))
		select {
		case <-done:
			res.stage = "finished"
		case <-time.After(res.delay):
			cmd.Process.Kill()
			<-done
			res.killed = true
			res.stage = t.stage(res.kind, cmdArgs)
		}
	} else {
		if err := <-done; err != nil && exitCode(err) != 1 {
			res.fail("dumpsync %s: %v: %s", strings.Join(cmdArgs, " "), err, stderr.String())
		}
		res.stage = "finished"
	}
	// Let the writers run on a little past the end, then stop them.
	time.Sleep(time.Duration(t.rng.Int64N(int64(20 * time.Millisecond))))
	res.appendedBy = w.stop()

	// The re-run: also recovers what the killed run left.
	if err := t.runDumpsync(rerunArgs...); err != nil {
		res.fail("re-run: %v", err)
	}
	t.checkNoLeftovers(&res, "after the re-run")
	if res.kind == "apply" {
		t.checkApplied(&res)
		// Undo both runs, newest first, then once more: the second time
		// changes nothing.
		for _, u := range []string{undo2, undo1} {
			t.undo(&res, u)
		}
	} else {
		t.checkRestored(&res, "after the killed undo and its re-run")
		// Undo is idempotent: applying the undo file again changes nothing.
	}
	before, _ := readTree(t.site)
	t.undo(&res, undo1)
	after, _ := readTree(t.site)
	if !sameTree(before, after) {
		res.fail("applying %s once more changed the site", filepath.Base(undo1))
	}
	t.checkRestored(&res, "after undo")
	t.checkNoLeftovers(&res, "after undo")
	return res
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

func (t *torture) undo(res *result, undo string) {
	if _, err := os.Stat(undo); err != nil {
		return // that run applied nothing
	}
	if err := t.runDumpsync("apply", undo, "--no-undo"); err != nil {
		res.fail("undo: %v", err)
	}
}

// stage judges, from what the killed run left, where it was killed.
func (t *torture) stage(kind string, args []string) string {
	var locks, temps []string
	filepath.WalkDir(t.site, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			switch name := d.Name(); {
			case strings.Contains(name, ".dumpsync-lock"):
				locks = append(locks, p)
			case strings.Contains(name, ".dumpsync-"):
				temps = append(temps, p)
			}
		}
		return nil
	})
	undo := args[3] // --undo FILE of the killed run
	undoRows := 0
	if b, err := os.ReadFile(undo); err == nil {
		undoRows = bytes.Count(b, []byte(`"Action"`))
	}
	switch {
	case len(temps) > 0 && len(locks) > 0:
		// A temporary file: written, or being written, before the rename;
		// after the rename only leftovers of the replaced file remain.
		for _, l := range locks {
			if t.rewritten(kind, strings.TrimSuffix(l, ".dumpsync-lock")) {
				return "after-rename"
			}
		}
		return "temp-written"
	case len(locks) > 0:
		for _, l := range locks {
			if t.rewritten(kind, strings.TrimSuffix(l, ".dumpsync-lock")) {
				return "after-rename"
			}
		}
		if undoRows > 0 && kind == "apply" {
			return "journaled"
		}
		return "locked"
	case len(temps) > 0:
		return "cfg-temp-written" // a restored .cfg file, before its rename
	}
	changed := 0
	for _, p := range t.deletes {
		_, err := os.Stat(p)
		if (kind == "apply") == os.IsNotExist(err) {
			changed++
		}
	}
	rewritten := 0
	for _, p := range t.resyncs {
		if t.rewritten(kind, p) {
			rewritten++
		}
	}
	switch {
	case rewritten == 0 && undoRows == 0 && kind == "apply":
		return "before-lock"
	case kind == "undo" && rewritten == 0:
		return "before-lock"
	case changed > 0 && changed < len(t.deletes):
		return "cfg-deletes"
	}
	return "between-files"
}

// rewritten reports whether the Resync.cfg at p was replaced by the killed
// command: for apply, a planned record is gone; for undo, one is back.
func (t *torture) rewritten(kind, p string) bool {
	data, err := os.ReadFile(p)
	if err != nil {
		return false
	}
	want := t.planned[p]
	if want == nil {
		return false
	}
	found := 0
	for off := 0; off+record.Size <= len(data); off += record.Size {
		if want[[record.Size]byte(data[off:off+record.Size])] > 0 {
			found++
		}
	}
	if kind == "apply" {
		return found < total(want)
	}
	return found > 0
}

func total(m map[[record.Size]byte]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// checkNoLeftovers: nothing of dumpsync's in the site.
func (t *torture) checkNoLeftovers(res *result, when string) {
	filepath.WalkDir(t.site, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.Contains(strings.ToLower(d.Name()), "dumpsync") {
			rel, _ := filepath.Rel(t.site, p)
			res.fail("%s: %s left in the site", when, rel)
		}
		return nil
	})
}

// split separates the records a writer appended from the site's own.
func split(data []byte) (own [][record.Size]byte, appended map[uint64]int) {
	appended = map[uint64]int{}
	for off := 0; off+record.Size <= len(data); off += record.Size {
		r := [record.Size]byte(data[off : off+record.Size])
		if n, ok := writerRecord(r); ok {
			appended[n]++
			continue
		}
		own = append(own, r)
	}
	return own, appended
}

// counts are what became of the appended records.
type counts struct {
	appended, lost, duplicated, windowLost int
	lostStall                              time.Duration // the longest open-to-write time of a lost record
}

// stallNote says how long the writers of lost records took from open to
// write, when any was lost.
func (c counts) stallNote(grace time.Duration) string {
	if c.lost == 0 {
		return ""
	}
	note := fmt.Sprintf(" (the longest open-to-write of a lost one: %v", c.lostStall.Round(time.Millisecond))
	if c.lostStall > grace {
		note += ", more than the grace period: the documented window is possible"
	}
	return note + ")"
}

// checkAppended counts, for one Resync.cfg, the appended records lost and
// duplicated; found is how often each is in the file now.
func (t *torture) checkAppended(res *result, p string, found map[uint64]int) counts {
	var c counts
	log := res.appendedBy[p]
	if log == nil {
		log = &appendLog{}
	}
	c.appended = len(log.written)
	for n, w := range log.written {
		switch k := found[n]; {
		case k == 0 && w.window:
			c.windowLost++
		case k == 0:
			c.lost++
			c.lostStall = max(c.lostStall, w.stall)
		case k > 1:
			c.duplicated += k - 1
		}
	}
	for n := range found {
		if _, ok := log.written[n]; !ok {
			res.fail("%s: holds record %d, which was not appended to it", p, n)
		}
	}
	return c
}

// checkApplied: after the killed apply and its re-run, every Resync.cfg is
// the original minus planned records (in order), plus the appended records.
func (t *torture) checkApplied(res *result) {
	for _, p := range t.resyncs {
		data, err := os.ReadFile(p)
		if err != nil {
			res.fail("%v", err)
			continue
		}
		if len(data)%record.Size != 0 {
			res.fail("%s: size %d ends in a partial record", p, len(data))
		}
		own, appended := split(data)
		rel, _ := filepath.Rel(t.site, p)
		orig := t.orig[rel]
		// own must be orig with some planned records left out, in order.
		removed := map[[record.Size]byte]int{}
		j := 0
		for off := 0; off+record.Size <= len(orig); off += record.Size {
			r := [record.Size]byte(orig[off : off+record.Size])
			if j < len(own) && own[j] == r {
				j++
				continue
			}
			removed[r]++
			if removed[r] > t.planned[p][r] {
				res.fail("%s: record at offset %d of the original is gone but was not planned", rel, off)
				break
			}
		}
		if j != len(own) {
			res.fail("%s: holds %d records that are neither the original's (in order) nor appended", rel, len(own)-j)
		}
		if n := total(removed); n != total(t.planned[p]) {
			res.fail("%s: %d of %d planned records removed after the re-run", rel, n, total(t.planned[p]))
		}
		if c := t.checkAppended(res, p, appended); c.lost+c.duplicated > 0 {
			res.fail("%s after the re-run: %d of %d appended records lost, %d duplicated%s", rel, c.lost, c.appended, c.duplicated, c.stallNote(t.c.grace))
		}
	}
}

// checkRestored: every Resync.cfg holds the original records, in order,
// and each appended record once; every .cfg file is back.
func (t *torture) checkRestored(res *result, when string) {
	for rel, content := range t.orig {
		p := filepath.Join(t.site, rel)
		data, err := os.ReadFile(p)
		if err != nil {
			res.fail("%s: %s: %v", when, rel, err)
			continue
		}
		if !slices.Contains(t.resyncs, p) {
			if !bytes.Equal(data, content) {
				res.fail("%s: %s differs from the original", when, rel)
			}
			continue
		}
		own, appended := split(data)
		var want [][record.Size]byte
		for off := 0; off+record.Size <= len(content); off += record.Size {
			want = append(want, [record.Size]byte(content[off:off+record.Size]))
		}
		if !slices.Equal(own, want) {
			res.fail("%s: %s: the original records are not all back in order (%d records, want %d)", when, rel, len(own), len(want))
		}
		c := t.checkAppended(res, p, appended)
		if c.lost+c.duplicated > 0 {
			res.fail("%s: %s: %d of %d appended records lost, %d duplicated%s", when, rel, c.lost, c.appended, c.duplicated, c.stallNote(t.c.grace))
		}
		if when == "after undo" { // the trial's figures: its final state
			res.appended += c.appended
			res.lost += c.lost
			res.duplicated += c.duplicated
			res.windowLost += c.windowLost
		}
	}
}

func readTree(root string) (map[string][]byte, error) {
	m := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		m[rel] = b
		return err
	})
	return m, err
}

func sameTree(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || !bytes.Equal(v, w) {
			return false
		}
	}
	return true
}

// ---- the SMS-like writers ----

// writerID is the SMSID prefix of appended records: valid, never in a
// generated site (site codes are three letters followed by hex digits).
const writerID = "ZZW"

// writerTime is the request time of appended records: fresh, so no plan
// ever removes them.
var writerTime = uint32(sample.DefaultNow.Unix())

// appendedRecord is record n: SMSID ZZW plus 5 hex digits (n mod 16^5), and
// n in full in the extra bytes.
func appendedRecord(n uint64) [record.Size]byte {
	e := record.Make(fmt.Sprintf("%s%05X", writerID, n&0xFFFFF), writerTime, nil)
	binary.LittleEndian.PutUint64(e.Raw[20:], n)
	copy(e.Raw[28:], "dumpsync-torture")
	return e.Raw
}

func writerRecord(r [record.Size]byte) (uint64, bool) {
	if !bytes.HasPrefix(r[:], []byte(writerID)) || !bytes.Equal(r[28:44], []byte("dumpsync-torture")) {
		return 0, false
	}
	return binary.LittleEndian.Uint64(r[20:]), true
}

type written struct {
	window bool // holder: written to a file replaced more than -grace before
	// stall is, for the appender, the time from the start of its open to
	// the end of its write: a record whose write ended less than -grace
	// after that reached the replaced file within the grace period (the
	// rename came after the open found the file), so it must never be lost;
	// a longer one may be in the documented window. Failures say how long
	// the lost ones took.
	stall time.Duration
}

type appendLog struct {
	written map[uint64]written
}

type writers struct {
	quit chan struct{}
	wg   sync.WaitGroup
	mu   sync.Mutex
	logs map[string]*appendLog
}

func (t *torture) startWriters() *writers {
	w := &writers{quit: make(chan struct{}), logs: map[string]*appendLog{}}
	if !t.writers() {
		return w
	}
	for _, p := range t.resyncs {
		log := &appendLog{written: map[uint64]written{}}
		w.logs[p] = log
		w.wg.Add(1)
		if t.c.mode == "holder+kill" {
			go t.holder(w, p, log, rand.New(rand.NewPCG(t.rng.Uint64(), 1)))
		} else {
			go t.appender(w, p, log)
		}
	}
	return w
}

func (w *writers) stop() map[string]*appendLog {
	close(w.quit)
	w.wg.Wait()
	return w.logs
}

func (w *writers) done() bool {
	select {
	case <-w.quit:
		return true
	default:
		return false
	}
}

// appender is SMS: open, append one record, close, in a tight loop. A
// record counts as appended when its write returned 48.
func (t *torture) appender(w *writers, p string, log *appendLog) {
	defer w.wg.Done()
	for !w.done() {
		// From before the open: the file it opens was at the path then.
		opened := time.Now()
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			continue // Windows: the file is being replaced
		}
		n := t.counter.Add(1)
		r := appendedRecord(n)
		if k, err := f.Write(r[:]); err == nil && k == record.Size {
			log.written[n] = written{stall: time.Since(opened)}
		}
		f.Close()
	}
}

// holder keeps its handle for up to 500 ms, appending all the while. After
// each write it checks whether the path still names its file. The file was
// replaced after the last check that found it still there (or the open):
// that instant is the earliest the rename can have happened, so a record
// written no more than -grace after it was certainly written within the
// grace period and must never be lost; a later one may be in the
// documented window. (Timing the window from the check that first finds
// the file replaced would count a holder that was not scheduled for a
// while as writing earlier than it did, and fail trials for records the
// grace period never promised.)
func (t *torture) holder(w *writers, p string, log *appendLog, rng *rand.Rand) {
	defer w.wg.Done()
	for !w.done() {
		lastSeen := time.Now() // the path names the file opened below at least until then
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			continue
		}
		until := time.Now().Add(time.Duration(rng.Int64N(int64(500 * time.Millisecond))))
		replaced := false
		for !w.done() && time.Now().Before(until) {
			n := t.counter.Add(1)
			r := appendedRecord(n)
			if k, err := f.Write(r[:]); err != nil || k != record.Size {
				break
			}
			now := time.Now()
			if !replaced {
				held, herr := f.Stat()
				named, nerr := os.Stat(p)
				if herr == nil && (nerr != nil || !os.SameFile(held, named)) {
					replaced = true
				} else {
					lastSeen = now
				}
			}
			log.written[n] = written{window: replaced && now.Sub(lastSeen) > t.c.grace}
			time.Sleep(50 * time.Microsecond)
		}
		f.Close()
	}
}

// ---- the summary ----

type summary struct {
	trials, failed, killed                 int
	appended, lost, duplicated, windowLost int
	stages                                 map[string]int
	lossTrials                             int
	maxLost                                int
}

func (s *summary) add(r result) {
	if s.stages == nil {
		s.stages = map[string]int{}
	}
	s.trials++
	if len(r.failures) > 0 {
		s.failed++
	}
	if r.killed {
		s.killed++
	}
	s.stages[r.kind+":"+r.stage]++
	s.appended += r.appended
	s.lost += r.lost
	s.duplicated += r.duplicated
	s.windowLost += r.windowLost
	if r.lost > 0 {
		s.lossTrials++
		s.maxLost = max(s.maxLost, r.lost)
	}
}

func (s *summary) print(w io.Writer, took time.Duration) {
	fmt.Fprintf(w, "trials: %d (%d killed), failures: %d, took %v\n", s.trials, s.killed, s.failed, took.Round(time.Second))
	fmt.Fprintf(w, "records appended: %d, lost: %d (in %d trials, at most %d in one), duplicated: %d",
		s.appended, s.lost, s.lossTrials, s.maxLost, s.duplicated)
	if s.windowLost > 0 {
		fmt.Fprintf(w, ", lost in the documented window (held past the grace period): %d", s.windowLost)
	}
	fmt.Fprintln(w)
	var keys []string
	for k := range s.stages {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, s.stages[k]))
	}
	fmt.Fprintf(w, "stages: %s\n", strings.Join(parts, ", "))
}
