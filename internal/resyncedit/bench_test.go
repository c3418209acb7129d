package resyncedit

import (
	"encoding/binary"
	"os"
	"testing"

	"github.com/dumpsync/dumpsync/internal/record"
)

// halfOfMillion is a file of 1 000 000 records (48 MB), every other one
// removed by ops, and the file those ops leave.
func halfOfMillion() (data []byte, ops []Op, left []byte) {
	const n = 1_000_000
	data = make([]byte, n*record.Size)
	left = make([]byte, 0, n/2*record.Size)
	for i := 0; i < n; i++ {
		r := record.Make("BENCH", uint32(i), nil).Raw
		binary.LittleEndian.PutUint64(r[40:], uint64(i))
		copy(data[i*record.Size:], r[:])
		if i%2 == 0 {
			left = append(left, r[:]...)
		}
	}
	ops = make([]Op, 0, n/2)
	for i := 1; i < n; i += 2 {
		op := Op{ID: i, Kind: Remove, Offset: int64(i * record.Size)}
		copy(op.Record[:], data[i*record.Size:])
		ops = append(ops, op)
	}
	return data, ops, left
}

// BenchmarkEditHalfOfMillion removes 500 000 of 1 000 000 records (a 48 MB
// file), with the default options (including the 200 ms grace on Unix).
func BenchmarkEditHalfOfMillion(b *testing.B) {
	data, ops, _ := halfOfMillion()
	p := writeFile(b, data)
	guard := GuardOf(data)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if err := os.WriteFile(p, data, 0o644); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		out, err := Edit(Request{Path: p, Guard: guard, Ops: ops}, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if out.Final.Size != int64(len(data)/2) {
			b.Fatalf("size %d", out.Final.Size)
		}
	}
}

// BenchmarkUndoHalfOfMillion puts those 500 000 records back (the undo of
// BenchmarkEditHalfOfMillion's edit, into a 24 MB file), and applies the
// same undo again to the restored file (found already restored; its guard
// matches no more, so each record is looked for in the whole file).
func BenchmarkUndoHalfOfMillion(b *testing.B) {
	data, removeOps, left := halfOfMillion()
	ops := make([]Op, len(removeOps))
	for i, op := range removeOps {
		ops[i] = Op{ID: i, Kind: Insert, Offset: op.Offset, Record: op.Record}
	}
	guard := GuardOf(left)
	for _, c := range []struct {
		name  string
		start []byte
		ok    Status
	}{{"restore", left, Applied}, {"again", data, Skipped}} {
		b.Run(c.name, func(b *testing.B) {
			p := writeFile(b, c.start)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				if err := os.WriteFile(p, c.start, 0o644); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				out, err := Edit(Request{Path: p, Guard: guard, Ops: ops}, Options{})
				if err != nil {
					b.Fatal(err)
				}
				if r := out.Results.At(len(ops) - 1); r.Status != c.ok || r.NewOffset != ops[len(ops)-1].Offset {
					b.Fatalf("last op: %+v", r)
				}
			}
		})
	}
}
