package plan

import (
	"bytes"
	"encoding/binary"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/dumpsync/dumpsync/internal/output"
	"github.com/dumpsync/dumpsync/internal/record"
	"github.com/dumpsync/dumpsync/internal/site"
)

// recordFormats are the formats whose encoders write Records themselves.
var recordFormats = []output.Format{output.JSON, output.JSONL, output.CSV}

// newFormatter returns a formatter of plan rows in format f.
func newFormatter(t testing.TB, f output.Format) *output.Formatter {
	t.Helper()
	enc, err := output.NewEncoder(new(bytes.Buffer), f, Row{})
	if err != nil {
		t.Fatal(err)
	}
	c, ok := output.AsChunked(enc)
	if !ok {
		t.Fatalf("%s: no chunked encoder for plan rows", f)
	}
	return c.NewFormatter()
}

// checkRecords writes hits as rec's RemoveEntry rows, in every format,
// through rec's Append (its line template made once per format, as a
// folder's rows are written), through WriteFields and as the Rows rec
// makes: the three must be the same bytes.
func checkRecords(t testing.TB, rec *hitRecord, hits ...hit) {
	t.Helper()
	for _, f := range recordFormats {
		fm := newFormatter(t, f)
		for _, h := range hits {
			rec.h = h
			row := rec.Row()
			want := string(fm.Append(nil, &row))
			if got := string(fm.Append(nil, rec)); got != want {
				t.Errorf("%s: WriteFields writes\n%s\nthe Row writes\n%s", f, got, want)
			}
			if got := string(rec.Append([]byte("x"), fm)); got != "x"+want {
				t.Errorf("%s: Append writes\n%s\nthe Row writes\nx%s", f, got, want)
			}
		}
	}
}

// entryWith is a record of the given 16-byte SMSID field and time.
func entryWith(id string, t uint32) record.Entry {
	var e record.Entry
	copy(e.Raw[:16], id)
	binary.LittleEndian.PutUint32(e.Raw[16:], t)
	for i := 20; i < record.Size; i++ {
		e.Raw[i] = byte(i * 7)
	}
	return e
}

// A RemoveEntry record writes, in every format, exactly what its Row
// writes: valid and invalid entries (each kind of problem, non-ASCII and
// CSV-special bytes in the SMSID), dated and undated, with paths that need
// escaping or quoting.
func TestRecordWritesItsRow(t *testing.T) {
	n := uint32(now.Unix())
	entries := []struct {
		name string
		e    record.Entry
	}{
		{"stale", record.Make("ABC00001", n-100*86400, nil)},
		{"stale, lower case", record.Make("abc0000z", n-91*86400-1, nil)},
		{"15 characters", record.Make("ABCDEFGHIJKLMNO", 1, nil)},
		{"empty SMSID", entryWith("", n-100*86400)},
		{"no NUL", entryWith("ABCDEFGHIJKLMNOP", n)},
		{"undated invalid", entryWith("AB/00001", 0)},
		{"quote and comma", entryWith("A\"B,C", n-5)},
		{"control character", entryWith("AB\n\r\x01", 7)},
		{"non-ASCII", entryWith("ABC\xe9\xff", n+86400)},
		{"byte after the end", entryWith("ABC\x00\x00X", n-100*86400)},
		{"newest time", entryWith("ABC00001", ^uint32(0))},
	}
	plans := []resyncPlan{
		{path: "/sms/Domain.000/Resync.cfg", size: 48000, modTime: 1796161826, sha256: strings.Repeat("0f", 32)},
		{path: `C:\SMS\Dömain "1",x\Resync.cfg`, size: 0, modTime: -1, sha256: ""},
	}
	for _, rp := range plans {
		for _, days := range []int64{0, 90, 1 << 40} {
			o := Options{Days: days, Now: now}
			rec := &hitRecord{rp: &rp, now: o.Now, days: days, cutoff: o.Cutoff()}
			var hits []hit
			for i, tt := range entries {
				h := hit{off: int64(i) * 4800, e: tt.e}
				hits = append(hits, h)
				t.Run(tt.name, func(t *testing.T) {
					checkRecords(t, &hitRecord{rp: &rp, now: o.Now, days: days, cutoff: o.Cutoff()}, h)
				})
			}
			// Every hit in turn through one record.
			checkRecords(t, rec, hits...)
		}
	}
	rec := &hitRecord{rp: &plans[0], now: now, days: 90, cutoff: Options{Days: 90, Now: now}.Cutoff(),
		h: hit{off: 96, e: record.Make("ABC00001", n-100*86400, nil)}}
	row := rec.Row()
	if row.Reason != "request 100 days old (> 90)" || *row.AgeDays != 100 || *row.Offset != 96 || row.SmsId != "ABC00001" ||
		*row.RequestedAt != "2026-07-24T00:00:00Z" || *row.Record != rec.h.e.Hex() {
		t.Errorf("row: %+v", row)
	}
	rec.h.e = entryWith("AB/1", 0)
	if row := rec.Row(); row.Reason != "invalid entry (SMSID has byte 0x2F at position 2); its time cannot be trusted" ||
		row.RequestTime == nil || *row.RequestTime != 0 || row.RequestedAt != nil || row.AgeDays != nil {
		t.Errorf("invalid row: %+v", row)
	}
}

func FuzzRecordWritesItsRow(f *testing.F) {
	valid, odd := record.Make("ABC00001", uint32(now.Unix())-100*86400, nil), entryWith("A\"\xe9,", 0)
	f.Add(valid.Raw[:], int64(48), int64(90), int64(0), "/a/Resync.cfg")
	f.Add(odd.Raw[:], int64(0), int64(0), int64(-1), `C:\x "y"\Résync.cfg`)
	f.Fuzz(func(t *testing.T, raw []byte, off, days, nowDelta int64, path string) {
		if len(raw) != record.Size || days < 0 {
			return
		}
		o := Options{Days: days, Now: now.Add(time.Duration(nowDelta%(1<<40)) * time.Second)}
		rp := &resyncPlan{path: path, size: off * 3, modTime: off, sha256: path}
		rec := &hitRecord{rp: rp, now: o.Now, days: days, cutoff: o.Cutoff(), h: hit{off: off, e: record.Parse(raw)}}
		checkRecords(t, rec, rec.h)
	})
}

// TestStreamWritesWhatRunWrites: the records Stream hands over, written
// through the chunked encoder as dumpsync plan writes them, are the bytes
// of the rows Run hands over, encoded one by one.
func TestStreamWritesWhatRunWrites(t *testing.T) {
	dom, logon := rescanSite(t)
	defer func(old int) { maxHeldHits = old }(maxHeldHits)
	for _, o := range rescanOptions {
		for _, f := range recordFormats {
			// The hits held, and read again as the rows are written.
			maxHeldHits = map[output.Format]int{output.JSON: 1 << 20, output.JSONL: 1, output.CSV: 0}[f]
			var want, got bytes.Buffer
			enc, err := output.NewEncoder(&want, f, Row{})
			if err != nil {
				t.Fatal(err)
			}
			p := &Planner{Opt: o, Warn: func(err error) { t.Logf("warn: %v", err) }}
			if _, err := p.Run([]string{dom}, []string{logon}, func(r *Row) error { return enc.Encode(r) }); err != nil {
				t.Fatal(err)
			}
			if err := enc.Close(); err != nil {
				t.Fatal(err)
			}
			enc, err = output.NewEncoder(&got, f, Row{})
			if err != nil {
				t.Fatal(err)
			}
			c, _ := output.AsChunked(enc)
			fm := c.NewFormatter()
			p = &Planner{Opt: o, Warn: func(err error) { t.Logf("warn: %v", err) }}
			if _, err := p.Stream([]string{dom}, []string{logon}, func(r Record) error {
				return c.WriteChunk(r.Append(nil, fm), 1)
			}); err != nil {
				t.Fatal(err)
			}
			if err := enc.Close(); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("%+v, %s: Stream wrote\n%s\nRun's rows are\n%s", o, f, got.String(), want.String())
			}
			if strings.Count(want.String(), "RemoveEntry") < 100 {
				t.Errorf("%+v, %s: a plan of too little to compare:\n%s", o, f, want.String())
			}
		}
	}
}

// A DeleteFile record writes, in every format, exactly what its Row writes,
// for every reason and with or without a request time.
func TestDeleteRecordWritesItsRow(t *testing.T) {
	dir := t.TempDir()
	if runtime.GOOS != "windows" {
		dir = filepath.Join(dir, `Dö "x",y`)
	}
	writeDomain(t, dir, nil, "ABC00001.cfg", "abc00002.CFG", "AB,é.cfg")
	files, _, err := site.CfgFiles(filepath.Join(dir, "Invencfg.box"))
	if err != nil || files.Len() != 3 {
		t.Fatalf("%d files, %v", files.Len(), err)
	}
	n := uint32(now.Unix())
	var dels []del
	for i := range files.Len() {
		for _, why := range []why{whyStale, whyOrphan, whyLogonAll, whyDeletedAtSite, whyNotAtSite} {
			for _, newest := range []uint32{0, 1, n - 100*86400, n + 5, ^uint32(0)} {
				d := del{file: int32(i), why: why, hasTime: newest != 1, newest: newest, ageDays: int64(newest % 1000),
					size: int64(i) * 53, modTime: int64(newest) - 7}
				for j := range d.sum {
					d.sum[j] = byte(i*31 + j*7 + int(why))
				}
				dels = append(dels, d)
			}
		}
	}
	for _, days := range []int64{0, 90, 1 << 40} {
		p := &Planner{Opt: Options{Days: days, Now: now}}
		rec := &delRecord{p: p, files: files, cutoff: p.Opt.Cutoff()}
		for _, f := range recordFormats {
			fm := newFormatter(t, f)
			for j := range dels {
				rec.d = &dels[j]
				row := rec.Row()
				want := string(fm.Append(nil, &row))
				if got := string(rec.Append([]byte("x"), fm)); got != "x"+want {
					t.Errorf("%s: the record writes\n%s\nits Row writes\nx%s", f, got, want)
				}
			}
		}
	}
	p := &Planner{Opt: Options{Days: 90, Now: now}}
	d := del{file: 1, why: whyStale, hasTime: true, newest: n - 100*86400} // files: AB,é ABC00001 abc00002
	if got := (&delRecord{p: p, files: files, d: &d}).Row().Reason; got != "newest request of ABC00001 is stale (100 days old > 90)" {
		t.Errorf("reason %q", got)
	}
}
