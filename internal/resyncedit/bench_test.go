package resyncedit

import (
	"encoding/binary"
	"os"
	"testing"

	"github.com/dumpsync/dumpsync/internal/record"
)

// BenchmarkEditHalfOfMillion removes 500 000 of 1 000 000 records (a 48 MB
// file), with the default options (including the 200 ms grace on Unix).
func BenchmarkEditHalfOfMillion(b *testing.B) {
	const n = 1_000_000
	data := make([]byte, n*record.Size)
	for i := 0; i < n; i++ {
		r := record.Make("BENCH", uint32(i), nil).Raw
		binary.LittleEndian.PutUint64(r[40:], uint64(i))
		copy(data[i*record.Size:], r[:])
	}
	ops := make([]Op, 0, n/2)
	for i := 1; i < n; i += 2 {
		op := Op{ID: i, Kind: Remove, Offset: int64(i * record.Size)}
		copy(op.Record[:], data[i*record.Size:])
		ops = append(ops, op)
	}
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
		if out.Final.Size != n/2*record.Size {
			b.Fatalf("size %d", out.Final.Size)
		}
	}
}
