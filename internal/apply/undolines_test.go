package apply

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/dumpsync/dumpsync/internal/output"
)

// undoSamples are undo rows of one rewrite as apply meets them: mostly of
// the rewrite's Path with plain SmsIds, some of the same file spelled
// otherwise, and SmsIds that need escaping.
func undoSamples(rng *rand.Rand, n int) []undoEntry {
	paths := []string{`C:\SMS\site.srv\Domain.A\Resync.cfg`, `c:\sms\SITE.SRV\domain.a\RESYNC.CFG`, "/srv/sms/Ré\"sync\\.cfg"}
	ids := []string{"ABC00001", "", "GUID:1234-5678", "A\"B", "Ä\u2028", "ab\x00c", "T.+:-9", "x y", "\xff\xfe"}
	var out []undoEntry
	for range n {
		v := undoEntry{path: paths[0], smsID: []byte(fmt.Sprintf("SMS%05d", rng.IntN(100000))),
			offset: int64(rng.IntN(1<<30)) * 48, size: 48 * 1000, sum: "00ff" + fmt.Sprint(n)}
		if rng.IntN(8) == 0 {
			v.path = paths[rng.IntN(len(paths))]
		}
		if rng.IntN(6) == 0 {
			v.smsID = []byte(ids[rng.IntN(len(ids))])
		}
		if rng.IntN(20) == 0 {
			v.offset = 0
		}
		var raw [48]byte
		for i := range raw {
			raw[i] = byte(rng.Uint32())
		}
		hex.Encode(v.record[:], raw[:])
		out = append(out, v)
	}
	return out
}

// TestUndoLinesAsAppend: the template-based undo row is byte for byte what
// Formatter.Append writes for the same undoEntry, whatever its Path and
// SmsId.
func TestUndoLinesAsAppend(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	enc, err := output.NewEncoder(&bytes.Buffer{}, output.JSON, UndoRow{})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := output.AsChunked(enc)
	rows := undoSamples(rng, 2000)
	lines := newUndoLines(c.NewFormatter(), rows[0].path, rows[0].size, rows[0].sum)
	ref := c.NewFormatter()
	for i := range rows {
		v := &rows[i]
		got, want := lines.append(nil, v), ref.Append(nil, v)
		if !bytes.Equal(got, want) {
			t.Fatalf("row %d (%q, %q):\n%s\nwant\n%s", i, v.path, v.smsID, got, want)
		}
	}
}

// TestJournalChunksAsRows: a journal written in chunks of template rows,
// with rows written one by one between them, holds the same bytes as one
// written a row at a time.
func TestJournalChunksAsRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	rows := undoSamples(rng, 3000)
	dir := t.TempDir()
	one := NewJournal(filepath.Join(dir, "one.json"), nil)
	for i := range rows {
		if err := one.WriteFields(&rows[i]); err != nil {
			t.Fatal(err)
		}
	}
	chunked := NewJournal(filepath.Join(dir, "chunked.json"), nil)
	var buf []byte
	n := 0
	var lines *undoLines
	for i := range rows {
		if i%700 == 3 {
			// A row the slow way between chunks.
			if err := chunked.WriteChunk(buf, n); err != nil {
				t.Fatal(err)
			}
			buf, n = buf[:0], 0
			if err := chunked.WriteFields(&rows[i]); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if lines == nil {
			f, err := chunked.Formatter()
			if err != nil {
				t.Fatal(err)
			}
			lines = newUndoLines(f, rows[0].path, rows[0].size, rows[0].sum)
		}
		buf = lines.append(buf, &rows[i])
		n++
		if len(buf) > 64<<10 {
			if err := chunked.WriteChunk(buf, n); err != nil {
				t.Fatal(err)
			}
			buf, n = buf[:0], 0
		}
	}
	if err := chunked.WriteChunk(buf, n); err != nil {
		t.Fatal(err)
	}
	for _, j := range []*Journal{one, chunked} {
		if err := j.Sync(); err != nil {
			t.Fatal(err)
		}
		if j.Rows() != len(rows) {
			t.Errorf("%s: %d rows synced, want %d", j.Path(), j.Rows(), len(rows))
		}
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
	}
	a, _ := os.ReadFile(one.Path())
	b, _ := os.ReadFile(chunked.Path())
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatalf("chunked journal differs (%d bytes, want %d)", len(b), len(a))
	}
}
