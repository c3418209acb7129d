package resyncedit

// Recovery files: how no record is lost when an edit dies after its rename.
//
// After the rename, records that writers put into the replaced file (through
// handles opened before the rename) exist only in that file until a later
// round has copied them into the Resync.cfg. So before each rename the file
// at the path gets a second name of ours, a hard link in the same folder:
//
//	Resync.cfg.dumpsync-recover-<id>-<round>-o<own>[-p<prev>][-a<to>-s<at>]
//
// The name is the whole state, and it is written before the rename it
// describes, so that the rename itself commits it (a rename is atomic):
//
//   - own: the Resync.cfg holds this file's first own bytes (as edited)
//     once this round's rename happened. Whether it happened is read from
//     the file system: until it does, the path and the link name the same
//     file, and the link holds nothing to recover (it is "void").
//   - prev: once this round's rename happened, the Resync.cfg also holds the
//     previous round's file up to prev: the round carried its tail over.
//     This overrides that link's own offset, in the same atomic step.
//   - a/s: an append of this file's bytes [own, to) to the Resync.cfg was
//     about to be made, when the Resync.cfg had at least at bytes (an append
//     cannot be made atomic with a rename of ours, so the next run looks for
//     the block after offset at to learn whether it happened). Self-contained:
//     it overrides any prev of a later link.
//
// A link is removed once nothing can reach its file any more (the rounds
// are over), oldest first, so a link whose offset a later link declares is
// never left without that declaration. Links are never removed by
// RemoveTemps: their names do not have the temporary-file marker.
//
// The next edit (or Recover) appends to the Resync.cfg, under the lock, what
// each link holds beyond its offset, then removes the link; Leftovers reports
// the same without changing anything, for the read-only commands.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dumpsync/dumpsync/internal/atomicfile"
	"github.com/dumpsync/dumpsync/internal/record"
	"github.com/dumpsync/dumpsync/internal/report"
)

// RecoverMarker is the part of a recovery file's name that follows the
// Resync.cfg's base name.
const RecoverMarker = ".dumpsync-recover-"

// linkState is a recovery link's name, parsed.
type linkState struct {
	id     string
	round  int
	own    int64
	prev   int64 // -1: none
	to, at int64 // -1: no append under way
	name   string
	dir    string
}

func (l linkState) path() string { return filepath.Join(l.dir, l.name) }

// format returns the link's name for the Resync.cfg at path.
func (l linkState) format(path string) string {
	var b strings.Builder
	b.WriteString(filepath.Base(path))
	b.WriteString(RecoverMarker)
	b.WriteString(l.id)
	fmt.Fprintf(&b, "-%d-o%d", l.round, l.own)
	if l.prev >= 0 {
		fmt.Fprintf(&b, "-p%d", l.prev)
	}
	if l.to >= 0 {
		fmt.Fprintf(&b, "-a%d-s%d", l.to, l.at)
	}
	return b.String()
}

// parseLink parses name, a file beside the Resync.cfg at path; ok is false
// for any other file.
func parseLink(path, name string) (l linkState, ok bool) {
	prefix := filepath.Base(path) + RecoverMarker
	if len(name) <= len(prefix) || !sameName(name[:len(prefix)], prefix) {
		return l, false
	}
	parts := strings.Split(name[len(prefix):], "-")
	if len(parts) < 3 || parts[0] == "" {
		return l, false
	}
	l = linkState{id: parts[0], prev: -1, to: -1, at: -1, name: name, dir: filepath.Dir(path)}
	r, err := strconv.Atoi(parts[1])
	if err != nil || r < 1 {
		return l, false
	}
	l.round = r
	seen := map[byte]bool{}
	for _, p := range parts[2:] {
		if len(p) < 2 || seen[p[0]] {
			return l, false
		}
		seen[p[0]] = true
		v, err := strconv.ParseInt(p[1:], 10, 64)
		if err != nil || v < 0 {
			return l, false
		}
		switch p[0] {
		case 'o':
			l.own = v
		case 'p':
			l.prev = v
		case 'a':
			l.to = v
		case 's':
			l.at = v
		default:
			return l, false
		}
	}
	if !seen['o'] || seen['a'] != seen['s'] || l.to >= 0 && l.to < l.own {
		return l, false
	}
	return l, true
}

// sameName compares names as the platform's file system does (Windows:
// case-insensitively).
func sameName(a, b string) bool {
	if runtime.GOOS == "windows" {
		return strings.EqualFold(a, b)
	}
	return a == b
}

// listLinks returns the recovery links beside the Resync.cfg at path,
// grouped by id (in name order) and, within an id, by round.
func listLinks(path string) ([][]linkState, error) {
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("%s: listing the folder for recovery files: %w", path, err)
	}
	byID := map[string][]linkState{}
	var ids []string
	for _, e := range entries {
		l, ok := parseLink(path, e.Name())
		if !ok || e.IsDir() {
			continue
		}
		if byID[l.id] == nil {
			ids = append(ids, l.id)
		}
		byID[l.id] = append(byID[l.id], l)
	}
	slices.Sort(ids)
	chains := make([][]linkState, 0, len(ids))
	for _, id := range ids {
		c := byID[id]
		slices.SortFunc(c, func(a, b linkState) int {
			if a.round != b.round {
				return a.round - b.round
			}
			return cmpInt64(a.own, b.own)
		})
		chains = append(chains, c)
	}
	return chains, nil
}

// pendingLink is a link with what it holds for the Resync.cfg.
type pendingLink struct {
	linkState
	void bool  // the path still names this file: its rename did not happen
	from int64 // the Resync.cfg holds the file's bytes up to here
}

// resolve works out, for one chain of links, where each link's file stands.
// cur is the file at the path now (nil if there is none).
//
// Several links of one round are attempts of one rename, made again after
// a refill when the rename had to be retried (Windows): names of the same
// file, of which only the one with the largest offset describes what the
// rename committed. The others are void, and come first.
func resolve(chain []linkState, cur os.FileInfo) ([]pendingLink, error) {
	var dups, out []pendingLink
	for _, l := range chain {
		if n := len(out); n > 0 && out[n-1].round == l.round {
			out[n-1].void = true
			dups = append(dups, out[n-1])
			out = out[:n-1]
		}
		out = append(out, pendingLink{linkState: l, from: l.own})
	}
	if n := len(out); n > 0 && cur != nil {
		st, err := os.Lstat(out[n-1].path())
		if err != nil {
			return nil, err
		}
		out[n-1].void = os.SameFile(st, cur)
	}
	for i := range out {
		if i+1 < len(out) && !out[i+1].void && out[i+1].round == out[i].round+1 && out[i+1].prev >= 0 && out[i].to < 0 {
			out[i].from = out[i+1].prev
		}
	}
	return append(dups, out...), nil
}

// Leftover is a recovery file beside a Resync.cfg: what an interrupted edit
// left for the next one to carry over.
type Leftover struct {
	Path    string // the recovery file
	Records int    // whole records it holds that the Resync.cfg does not
}

// Leftovers lists the recovery files beside the Resync.cfg at path and how
// many records each holds for it, without changing anything.
func Leftovers(path string) ([]Leftover, error) {
	chains, err := listLinks(path)
	if err != nil || len(chains) == 0 {
		return nil, err
	}
	cur, _ := os.Stat(path)
	var out []Leftover
	var errs []error
	e := &editor{path: path, opts: Options{}.withDefaults()}
	for _, chain := range chains {
		links, err := resolve(chain, cur)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, l := range links {
			lo := Leftover{Path: l.path()}
			if !l.void {
				_, tail, err := e.tailOf(l, false)
				if err != nil {
					errs = append(errs, err)
				}
				lo.Records = len(tail) / record.Size
			}
			out = append(out, lo)
		}
	}
	return out, errors.Join(errs...)
}

// Recovered is one recovery file whose records (if any) were carried into
// the Resync.cfg, and which was removed.
type Recovered struct {
	From    string // the recovery file, now removed
	Into    string // the Resync.cfg
	Records int
}

func (r Recovered) String() string {
	if r.Records == 0 {
		return fmt.Sprintf("removed %s, left by an interrupted apply beside %s: it held no record missing from it", filepath.Base(r.From), r.Into)
	}
	return fmt.Sprintf("recovered %s appended during an interrupted apply from %s into %s", report.Count(r.Records, "record", "records"), filepath.Base(r.From), r.Into)
}

// Problem says what the leftover means for the Resync.cfg at path and how to
// resolve it, in one line, for the commands that only read.
func (l Leftover) Problem(path string) string {
	return fmt.Sprintf("%s, not yet in %s; 'dumpsync recover %s' carries %s over and removes the file (so does the next apply in this folder)",
		l.Waiting(), filepath.Base(path), filepath.Dir(path), l.Them())
}

// Waiting says what the recovery file holds: "1 record appended during an
// interrupted apply waits in NAME", "2 records ... wait in NAME".
func (l Leftover) Waiting() string {
	wait := "wait"
	if l.Records == 1 {
		wait = "waits"
	}
	return fmt.Sprintf("%s appended during an interrupted apply %s in %s", report.Count(l.Records, "record", "records"), wait, filepath.Base(l.Path))
}

// Them is the pronoun of its records: "it" for one, else "them".
func (l Leftover) Them() string {
	if l.Records == 1 {
		return "it"
	}
	return "them"
}

// Recover carries what recovery files beside the Resync.cfg at path hold
// into it and removes them, under the lock (waiting up to opts.LockWait);
// without recovery files it changes nothing, not even the lock file.
// Edit does the same first thing; Recover is for callers that must see the
// recovered records before deciding anything.
func Recover(path string, opts Options) ([]Recovered, error) {
	// Look first: most folders have no recovery file, and taking the lock
	// would write to them (the lock file).
	if chains, err := listLinks(path); err != nil || len(chains) == 0 {
		return nil, err
	}
	opts = opts.withDefaults()
	lk, err := acquire(path, opts)
	if err != nil {
		return nil, err
	}
	rec, err := (&editor{path: path, opts: opts}).recover()
	if rerr := lk.release(opts); err == nil {
		err = rerr
	}
	return rec, err
}

// recover is Recover under the lock. Links are taken oldest first; a link
// that cannot be carried over stops its chain (the later ones may hold its
// offset).
func (e *editor) recover() ([]Recovered, error) {
	chains, err := listLinks(e.path)
	if err != nil || len(chains) == 0 {
		return nil, err
	}
	cur, err := os.Stat(e.path)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot recover the records of %d interrupted edits into it: %w", e.path, len(chains), err)
	}
	var out []Recovered
	var errs []error
	for _, chain := range chains {
		links, err := resolve(chain, cur)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, l := range links {
			n, err := e.recoverLink(l)
			if err != nil {
				errs = append(errs, err)
				break
			}
			out = append(out, Recovered{From: l.path(), Into: e.path, Records: n})
		}
	}
	return out, errors.Join(errs...)
}

// recoverLink appends what one link holds and removes it; it returns the
// number of records appended. A writer may still hold the link's file open
// (it opened the Resync.cfg before the killed edit's rename): as after a
// rename, the file is read again after opts.Grace, and what reached it
// meanwhile is appended too, before its last name goes.
func (e *editor) recoverLink(l pendingLink) (int, error) {
	n := 0
	if !l.void {
		for pass := range 2 {
			if pass == 1 {
				e.opts.Sleep(e.opts.Grace)
			}
			from, tail, err := e.tailOf(l, true)
			if err != nil {
				return n, err
			}
			if len(tail) > 0 {
				next, err := e.appendBlock(l.linkState, from, tail)
				if err != nil {
					return n, err
				}
				// The renamed link says what the Resync.cfg holds now.
				l = pendingLink{linkState: next, from: next.to}
				n += len(tail) / record.Size
			}
		}
	}
	if err := e.removeLink(l.path()); err != nil {
		return n, err
	}
	return n, nil
}

// tailOf returns the whole records of the link's file that the Resync.cfg
// does not hold, and their offset in that file. For a link with an append
// under way it first looks for the appended block in the Resync.cfg. wait
// says whether to wait out a partial last record (not in read-only use).
func (e *editor) tailOf(l pendingLink, wait bool) (int64, []byte, error) {
	f, err := e.openName(l.path())
	if err != nil {
		return 0, nil, err
	}
	defer f.Close()
	from := l.from
	if l.to >= 0 {
		done, err := e.appended(f, l.own, l.to, l.at)
		if err != nil {
			return 0, nil, err
		}
		from = l.own
		if done {
			from = l.to
		}
	}
	if !wait {
		ee := *e
		ee.opts.PartialWaits = []time.Duration{}
		e = &ee
	}
	tail, err := e.readTail(f, from)
	var pe *PartialError
	if errors.As(err, &pe) {
		err = nil // the whole records are carried; a record still partial was never complete
	}
	if err != nil {
		return 0, nil, fmt.Errorf("%s: reading %s: %w", e.path, l.name, err)
	}
	return from, tail, nil
}

// appended reports whether the block [from, to) of f is in the Resync.cfg
// at or after offset at.
func (e *editor) appended(f *os.File, from, to, at int64) (bool, error) {
	block := make([]byte, to-from)
	if _, err := f.ReadAt(block, from); err != nil {
		return false, fmt.Errorf("%s: reading %s: %w", e.path, f.Name(), err)
	}
	cur, err := e.open()
	if err != nil {
		return false, err
	}
	defer cur.Close()
	data, err := readFrom(cur, nil, at)
	if err != nil {
		return false, fmt.Errorf("%s: reading: %w", e.path, err)
	}
	return bytes.Contains(data, block), nil
}

// appendBlock appends block, the bytes of l's file from offset from, to the
// Resync.cfg: it first renames the link to say that the append may happen
// (see the top of this file), so that a crash at any instant neither loses
// nor duplicates the block. It returns the link as renamed.
func (e *editor) appendBlock(l linkState, from int64, block []byte) (linkState, error) {
	fail := func(err error) (linkState, error) {
		return l, fmt.Errorf("%s: carrying over %s from %s: %w", e.path, report.Count(len(block)/record.Size, "record", "records"), l.name, err)
	}
	var f *os.File
	err := atomicfile.RetryInUse(e.opts.InUseWait, func() (err error) {
		f, err = os.OpenFile(e.path, os.O_WRONLY|os.O_APPEND, 0)
		return err
	})
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	next := l
	next.own, next.to, next.at = from, from+int64(len(block)), st.Size()
	next.name = next.format(e.path)
	if err := e.renameLink(l.path(), next.path()); err != nil {
		return fail(err)
	}
	if err := e.opts.Ops.SyncFolder(l.dir); err != nil {
		return fail(err)
	}
	if _, err := f.Write(block); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	return next, nil
}

func (e *editor) renameLink(from, to string) error {
	return atomicfile.RetryInUse(e.opts.InUseWait, func() error { return e.opts.Ops.RenameFile(from, to) })
}

func (e *editor) removeLink(name string) error {
	err := atomicfile.RetryInUse(e.opts.InUseWait, func() error { return e.opts.Ops.RemoveFile(name) })
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s: removing recovery file %s: %w", e.path, filepath.Base(name), err)
	}
	return nil
}

// openName opens name for reading, retrying while it is in use.
func (e *editor) openName(name string) (*os.File, error) {
	var f *os.File
	err := atomicfile.RetryInUse(e.opts.InUseWait, func() (err error) {
		f, err = os.Open(name)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: opening recovery file: %w", e.path, err)
	}
	return f, nil
}

// chain is the recovery links of one commit (see the top of this file).
type chain struct {
	e     *editor
	id    string
	links []linkState // on disk, oldest first
}

func newChain(e *editor) *chain {
	return &chain{e: e, id: strconv.FormatInt(time.Now().UnixNano(), 36)}
}

// link names the file now at the path for round, before the rename that
// replaces it: the Resync.cfg will hold it up to own, and the previous
// round's file up to prev (-1: no previous round). It returns the link's
// path, or "" when no link could be made (a file system without hard links).
func (c *chain) link(round int, own, prev int64) (string, error) {
	e := c.e
	l := linkState{id: c.id, round: round, own: own, prev: prev, to: -1, at: -1, dir: filepath.Dir(e.path)}
	l.name = l.format(e.path)
	if n := len(c.links); n > 0 && c.links[n-1].name == l.name {
		return l.path(), nil // a retry that read nothing new: the same link
	}
	err := atomicfile.RetryInUse(e.opts.InUseWait, func() error { return e.opts.Ops.HardLink(e.path, l.path()) })
	if err != nil {
		return "", err
	}
	c.links = append(c.links, l)
	return l.path(), nil
}

// before reports whether a link of an earlier round than round exists.
func (c *chain) before(round int) bool {
	return len(c.links) > 0 && c.links[0].round < round
}

// void undoes the last link when its rename did not happen: it names the
// file at the path and holds nothing. If it cannot be removed, the next run
// sees it is void and removes it.
func (c *chain) void() {
	if n := len(c.links); n > 0 {
		if c.e.removeLink(c.links[n-1].path()) == nil {
			c.links = c.links[:n-1]
		}
	}
}

// renamed is called after the last link's rename happened (and the folder
// was synced): the links before it are done — nothing reads their files any
// more and the last link holds their offset — and are removed, oldest first.
func (c *chain) renamed() error {
	return c.trim(len(c.links) - 1)
}

// finish removes every link, oldest first, once the commit is over.
func (c *chain) finish() error {
	if err := c.trim(len(c.links)); err != nil {
		return err
	}
	return nil
}

// trim removes the first n links, oldest first, stopping at one that cannot
// be removed: it is kept, with every later one, for the next run.
func (c *chain) trim(n int) error {
	removed := 0
	var err error
	for removed < n {
		if err = c.e.removeLink(c.links[removed].path()); err != nil {
			err = fmt.Errorf("%w; kept, the next apply recovers what it holds", err)
			break
		}
		removed++
	}
	c.links = c.links[removed:]
	if removed > 0 {
		c.e.opts.Ops.SyncFolder(filepath.Dir(c.e.path)) // not needed for safety: only tidiness survives a crash
	}
	return err
}

// appendPending carries pending, the bytes of the last link's file from
// offset from, over by appending them (when the rounds are exhausted).
func (c *chain) appendPending(from int64, pending []byte) error {
	n := len(c.links)
	if n == 0 {
		return c.e.appendTo(pending)
	}
	l, err := c.e.appendBlock(c.links[n-1], from, pending)
	c.links[n-1] = l
	return err
}
