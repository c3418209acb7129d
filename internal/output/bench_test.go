package output_test

import (
	"fmt"
	"io"
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
