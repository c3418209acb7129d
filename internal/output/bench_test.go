package output_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dumpsync/dumpsync/internal/dump"
	"github.com/dumpsync/dumpsync/internal/output"
	"github.com/dumpsync/dumpsync/internal/record"
)

// benchEntries returns n dump entries as dump.Files makes them: one path,
// distinct SMSIDs and times, a few invalid.
func benchEntries(n int) []dump.Entry {
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	out := make([]dump.Entry, n)
	for i := range out {
		id := fmt.Sprintf("ABC%05X", i)
		if i%97 == 0 {
			id = "ABC/" + id[4:]
		}
		t := uint32(1_600_000_000 + i*37)
		if i%50 == 0 {
			t = 0
		}
		rec := record.Make(id, t, nil)
		dump.Fill(&out[i], `C:\SMS\Site.srv\Maincfg.box\Invdom.box\Domain.ABC\Resync.cfg`, int64(i), &rec, now)
	}
	return out
}

// BenchmarkEncode measures each format's encoder alone (records prepared
// beforehand), writing to io.Discard. One op is one record.
func BenchmarkEncode(b *testing.B) {
	entries := benchEntries(4096)
	for _, f := range []output.Format{output.JSON, output.JSONL, output.CSV, output.Table} {
		b.Run(string(f), func(b *testing.B) {
			enc, err := output.NewEncoder(io.Discard, f, dump.Entry{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := enc.Encode(&entries[i%len(entries)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
			enc.Close()
		})
	}
}

// BenchmarkDumpJSONL is the whole 'dump -f jsonl' pipeline (read, Fill,
// encode) over a 100,000-record file. One op is one record.
func BenchmarkDumpJSONL(b *testing.B) {
	const n = 100_000
	p := filepath.Join(b.TempDir(), "Resync.cfg")
	var data []byte
	for i := 0; i < n; i++ {
		e := record.Make(fmt.Sprintf("SMS%X", i), uint32(1_700_000_000+i*7919%94_000_000), []byte{byte(i)})
		data = append(data, e.Raw[:]...)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		b.Fatal(err)
	}
	opt := dump.Options{Now: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	b.SetBytes(record.Size)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		enc, err := output.NewEncoder(io.Discard, output.JSONL, dump.Entry{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := dump.Files([]string{p}, opt, enc, func(err error) { b.Fatal(err) }); err != nil {
			b.Fatal(err)
		}
		enc.Close()
	}
	b.ReportMetric(float64(b.N)*n/b.Elapsed().Seconds(), "entries/s")
}
