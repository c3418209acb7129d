package apply

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/dumpsync/dumpsync/internal/planread"
	"github.com/dumpsync/dumpsync/internal/record"
	"github.com/dumpsync/dumpsync/internal/sample"
)

// BenchmarkApplyLarge removes 500 000 of the 1 000 000 records of a
// Resync.cfg (every other one) with apply.Run, without an undo file. The
// file is written fresh before each iteration, outside the timer.
// scripts/bench-apply.sh times the whole command, plan parsing included.
func BenchmarkApplyLarge(b *testing.B) {
	const n = 1_000_000
	var buf bytes.Buffer
	if err := sample.WriteResync(&buf, n, 1, sample.DefaultNow); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	dir := b.TempDir()
	path := filepath.Join(dir, "Resync.cfg")
	size := int64(len(data))
	sum := sha256.Sum256(data)
	sumHex := hex.EncodeToString(sum[:])
	rows := make([]planread.Row, 0, n/2)
	cutoff := sample.DefaultNow.Unix() - 90*86400
	for i := 0; i < n; i += 2 {
		off := int64(i * record.Size)
		e := record.Parse(data[off:])
		rec := e.Hex()
		rows = append(rows, planread.Row{
			N: len(rows) + 1, Action: RemoveEntryAction, Path: path, SmsId: e.SmsID(),
			Cutoff: &cutoff, Offset: &off, Record: &rec, Size: &size, Sha256: &sumHex,
		})
	}
	b.ReportAllocs()
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		if err := os.WriteFile(path, data, 0o644); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		applied := 0
		sum, err := Run(rows, Options{}, func(r *Result) error {
			if r.Status == Applied {
				applied++
			}
			return nil
		})
		if err != nil || sum.Applied != len(rows) || applied != len(rows) {
			b.Fatalf("Run: %v, %+v", err, sum)
		}
	}
}
