package apply

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dumpsync/dumpsync/internal/atomicfile"
	"github.com/dumpsync/dumpsync/internal/output"
)

// Journal is the undo file: a JSON array written one row per line, each row
// synced to disk before the change it undoes is committed. A crash leaves a
// file without its closing bracket, which apply still reads as an undo plan.
type Journal struct {
	path    string
	created func(path string) // told once, when the file is created
	f       *os.File
	w       *atomicfile.EarlySync // f, for the encoder
	enc     output.Encoder
	rows    int  // written and synced
	pending int  // written since the last sync
	renames bool // the name was chosen by DefaultUndoPath: take the next free one if it is taken
	ops     atomicfile.Ops
}

// NewJournal returns a journal that creates path on its first row.
func NewJournal(path string, created func(string)) *Journal {
	return &Journal{path: path, created: created}
}

// NewDefaultJournal is NewJournal for a name from DefaultUndoPath: if another
// apply started in the same second takes the name first, the next free
// name (<timestamp>-2.json, ...) is used instead of failing.
func NewDefaultJournal(path string, created func(string)) *Journal {
	return &Journal{path: path, created: created, renames: true}
}

// DefaultUndoPath is os.UserCacheDir()/dumpsync/undo/<UTC timestamp>.json,
// or <timestamp>-N.json when that name is taken. Anything in the way (a file
// where a folder should be, a folder that cannot be read) is an error, found
// here, before anything changes.
func DefaultUndoPath(now time.Time) (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache folder for the undo file (use --undo FILE or --no-undo): %w", err)
	}
	dir := filepath.Join(cache, "dumpsync", "undo")
	for _, d := range []string{filepath.Dir(dir), dir} {
		fi, err := os.Stat(d)
		if os.IsNotExist(err) {
			break // created with the file
		}
		if err == nil && !fi.IsDir() {
			err = errors.New("not a folder")
		}
		if err != nil {
			return "", fmt.Errorf("undo folder %s: %w (use --undo FILE or --no-undo)", d, err)
		}
	}
	base := filepath.Join(dir, now.UTC().Format("20060102T150405Z"))
	p := base + ".json"
	for i := 2; i <= maxUndoNames; i++ {
		_, err := os.Lstat(p)
		if os.IsNotExist(err) {
			return p, nil
		}
		if err != nil {
			return "", fmt.Errorf("undo file %s: %w (use --undo FILE or --no-undo)", p, err)
		}
		p = fmt.Sprintf("%s-%d.json", base, i)
	}
	return "", fmt.Errorf("undo files %s.json to -%d.json all exist (use --undo FILE or --no-undo)", base, maxUndoNames)
}

// maxUndoNames bounds the <timestamp>-N.json names tried for one second.
const maxUndoNames = 1000

// Rows is how many rows were written (and synced) so far.
func (j *Journal) Rows() int { return j.rows }

// Path is where the journal is (or will be) written.
func (j *Journal) Path() string { return j.path }

// Add writes rows, one per line, and makes them durable with one sync: the
// rows of one Resync.cfg rewrite are all synced before that rewrite commits,
// without paying a sync per record.
func (j *Journal) Add(rows ...*UndoRow) error {
	if len(rows) == 0 {
		return nil
	}
	for _, r := range rows {
		if err := j.Write(r); err != nil {
			return err
		}
	}
	return j.Sync()
}

// Write writes one row, not yet durable: Sync makes every row written so
// far durable (Add is Write for each row, then Sync). The row is encoded at
// once, so the caller may reuse it.
func (j *Journal) Write(r *UndoRow) error { return j.WriteFields(r) }

// WriteFields is Write of a row given by its fields, UndoRow's
// (undoEntry): no UndoRow, string or pointer per row.
func (j *Journal) WriteFields(r output.Fielder) error {
	if j.f == nil {
		if err := j.create(); err != nil {
			return err
		}
	}
	if err := j.enc.Encode(r); err != nil {
		return fmt.Errorf("undo file %s: %w", j.path, err)
	}
	j.pending++
	return nil
}

// Formatter returns a formatter of the journal's rows for WriteChunk,
// creating the file if no row was written yet.
func (j *Journal) Formatter() (*output.Formatter, error) {
	if j.f == nil {
		if err := j.create(); err != nil {
			return nil, err
		}
	}
	c, ok := output.AsChunked(j.enc)
	if !ok {
		return nil, fmt.Errorf("undo file %s: rows cannot be formatted apart", j.path)
	}
	return c.NewFormatter(), nil
}

// WriteChunk writes n rows that a Formatter of the journal appended to b,
// as Write of each would; like Write, not yet durable.
func (j *Journal) WriteChunk(b []byte, n int) error {
	if n == 0 {
		return nil
	}
	c, _ := output.AsChunked(j.enc)
	if err := c.WriteChunk(b, n); err != nil {
		return fmt.Errorf("undo file %s: %w", j.path, err)
	}
	j.pending += n
	return nil
}

// Sync makes the rows written since the last Sync durable; without any, it
// does nothing.
func (j *Journal) Sync() error {
	if j.pending == 0 {
		return nil
	}
	if err := j.enc.(output.Flusher).Flush(); err != nil {
		return fmt.Errorf("undo file %s: %w", j.path, err)
	}
	if err := j.w.Sync(); err != nil { // after the background sync, if one runs
		return fmt.Errorf("undo file %s: %w", j.path, err)
	}
	j.rows += j.pending
	j.pending = 0
	return nil
}

// create creates the file, on the first row.
func (j *Journal) create() error {
	if err := os.MkdirAll(filepath.Dir(j.path), 0o755); err != nil {
		return fmt.Errorf("undo file %s: %w", j.path, err)
	}
	// CreateLog makes the name durable too: a row synced later must not be
	// lost with the file's name.
	f, err := atomicfile.CreateLog(j.ops, j.path)
	base := strings.TrimSuffix(j.path, ".json")
	for i := 2; err != nil && os.IsExist(err) && j.renames && i <= maxUndoNames; i++ {
		j.path = fmt.Sprintf("%s-%d.json", base, i)
		f, err = atomicfile.CreateLog(j.ops, j.path)
	}
	if err != nil {
		return fmt.Errorf("undo file: %w", err)
	}
	w := atomicfile.NewEarlySync(f)
	enc, err := output.NewEncoder(w, output.JSON, UndoRow{})
	if err != nil {
		f.Close()
		return err
	}
	j.f, j.w, j.enc = f, w, enc
	if j.created != nil {
		j.created(j.path)
	}
	return nil
}

// Close ends the array and closes the file (if any row was written).
func (j *Journal) Close() error {
	if j.f == nil {
		return nil
	}
	err := j.enc.Close()
	if serr := j.w.Sync(); err == nil {
		err = serr
	}
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	j.f = nil
	if err != nil {
		return fmt.Errorf("undo file %s: %w", j.path, err)
	}
	return nil
}
