package apply

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dumpsync/dumpsync/internal/output"
	"github.com/dumpsync/dumpsync/internal/planread"
)

// viewFormats are the formats RunPlanChunked writes.
var viewFormats = []output.Format{output.JSON, output.JSONL, output.CSV}

// checkViewMatches spools rows, then formats each one's Result twice in
// every chunked format: as RunPlan makes it (newResult, encoded) and as
// RunPlanChunked does (resultView, through a Formatter). The bytes must be
// the same, the whole stream too.
func checkViewMatches(t *testing.T, rows []planread.Row, status, detail []string) {
	t.Helper()
	sp := planread.NewMemSpool()
	for i := range rows {
		if _, err := sp.Append(&rows[i], 0); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range viewFormats {
		var want, got bytes.Buffer
		ref, err := output.NewEncoder(&want, f, &Result{})
		if err != nil {
			t.Fatal(err)
		}
		enc, err := output.NewEncoder(&got, f, &Result{})
		if err != nil {
			t.Fatal(err)
		}
		c, ok := output.AsChunked(enc)
		if !ok {
			t.Fatalf("%s: the encoder of Results is not chunked", f)
		}
		fm := c.NewFormatter()
		i := 0
		err = sp.Scan(0, sp.Size(), func(_ planread.Ref, row *planread.Row, _ byte) error {
			res := newResult(row)
			if row.SmsId != "" {
				id := row.SmsId
				res.SmsId = &id
			}
			res.Status, res.Detail = status[i%len(status)], detail[i%len(detail)]
			i++
			return ref.Encode(&res)
		})
		if err != nil {
			t.Fatal(err)
		}
		i = 0
		var buf []byte
		err = sp.ScanRaw(0, sp.Size(), func(_ planread.Ref, row *planread.RawRow) error {
			v := resultView{row: row, status: status[i%len(status)], detail: detail[i%len(detail)]}
			i++
			buf = fm.Append(buf, &v)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.WriteChunk(buf, len(rows)); err != nil {
			t.Fatal(err)
		}
		if err := ref.Close(); err != nil {
			t.Fatal(err)
		}
		if err := enc.Close(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("%s: resultView differs from Result:\ngot  %q\nwant %q", f, clipTest(got.String()), clipTest(want.String()))
		}
	}
}

func clipTest(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "..."
	}
	return s
}

// TestResultViewMatchesResult: the Results RunPlanChunked formats from the
// spool are byte for byte those RunPlan's Results encode to, for rows with
// every field present or null, awkward text (quotes, commas, newlines,
// control characters, non-ASCII, invalid UTF-8), Record and Sha256 as the
// spool keeps them raw and as text, and unknown actions.
func TestResultViewMatchesResult(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	texts := []string{"", "a", "ABC12345", `q"uote`, "com,ma", "new\nline", "cr\rlf", "tab\t", "\x00\x1f", "é ü 中",
		"\U0001F600", "bad\xffutf8", "\u2028", "<html>&", strings.Repeat("long ", 20), " lead", "trail "}
	hexRec := strings.Repeat("ab01", 24)
	hexSha := strings.Repeat("c3", 32)
	pick := func() *string {
		if rnd.IntN(4) == 0 {
			return nil
		}
		s := texts[rnd.IntN(len(texts))]
		return &s
	}
	num := func() *int64 {
		if rnd.IntN(4) == 0 {
			return nil
		}
		v := []int64{0, 1, -1, 48, 1 << 40, -1 << 62, 9223372036854775807, -9223372036854775808}[rnd.IntN(8)]
		return &v
	}
	var rows []planread.Row
	for i := 0; i < 3000; i++ {
		r := planread.Row{N: i + 1}
		r.Action = []string{RemoveEntryAction, DeleteFileAction, RestoreEntry, RestoreFile, "", "Nuke"}[rnd.IntN(6)]
		r.Path = []string{"", `C:\SMS\Resync.cfg`, "/srv/sms/site/Domain.000/Resync.cfg", `\\?\C:\a,b\"q"\Resync.cfg`, "é/Resync.cfg"}[rnd.IntN(5)]
		if s := pick(); s != nil {
			r.SmsId = *s
		}
		r.RequestTime, r.AgeDays, r.Cutoff, r.Offset, r.Size, r.ModTime = num(), num(), num(), num(), num(), num()
		r.RequestedAt, r.Reason, r.Content = pick(), pick(), pick()
		switch rnd.IntN(5) {
		case 0:
			r.Record = &hexRec
		case 1:
			up := strings.ToUpper(hexRec)
			r.Record = &up
		case 2:
			r.Record = pick()
		case 3:
			// Every hex digit: the spool holds it raw, written as Plain.
			var raw [48]byte
			for k := range raw {
				raw[k] = byte(rnd.IntN(256))
			}
			rec := hex.EncodeToString(raw[:])
			r.Record = &rec
		}
		switch rnd.IntN(4) {
		case 0, 1:
			r.Sha256 = &hexSha
		case 2:
			up := strings.ToUpper(hexSha)
			r.Sha256 = &up
		case 3:
			r.Sha256 = pick()
		}
		rows = append(rows, r)
	}
	status := []string{Applied, Skipped, Failed, WhatIf, ""}
	detail := []string{"removed", "the record at this offset differs, \"quoted\"", "", "é"}
	checkViewMatches(t, rows, status, detail)
	for i := 0; i < 50; i++ {
		checkViewMatches(t, rows[i:i+1], status[i%5:i%5+1], detail)
	}
	checkViewMatches(t, nil, status, detail)
}

// FuzzResultViewMatchesResult is TestResultViewMatchesResult on fuzzed
// text fields.
func FuzzResultViewMatchesResult(f *testing.F) {
	f.Add("RemoveEntry", "/a/Resync.cfg", "ABC", "2025-01-01T00:00:00Z", strings.Repeat("ab", 48), "reason", "Applied", "removed", int64(48))
	f.Add("x", `C:\a,"b"`, "", "\n", "", "\xff", "", "é", int64(-1))
	f.Fuzz(func(t *testing.T, action, path, id, at, rec, reason, status, detail string, n int64) {
		r := planread.Row{N: 1, Action: action, Path: path, SmsId: id, RequestedAt: &at, Record: &rec,
			Reason: &reason, Offset: &n, Sha256: &rec}
		if n%2 == 0 {
			r.RequestedAt, r.Sha256 = nil, nil
		}
		checkViewMatches(t, []planread.Row{r, r, {N: 2, Path: path}}, []string{status}, []string{detail, fmt.Sprint(n)})
	})
}

// TestUndoEntryMatchesUndoRow: an undo row written from its fields
// (undoEntry) is byte for byte the UndoRow apply wrote before, for
// awkward SMSIDs and Paths, any offset, record, size and sum.
func TestUndoEntryMatchesUndoRow(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	ids := []string{"", "ABC12345", `q"uote`, "é", "\x00\x01", "bad\xff", strings.Repeat("Z", 40)}
	paths := []string{`C:\SMS\Resync.cfg`, `\\?\C:\a,b\"q"\Resync.cfg`, "/srv/é/Resync.cfg", ""}
	var want, got bytes.Buffer
	ref, _ := output.NewEncoder(&want, output.JSON, UndoRow{})
	enc, _ := output.NewEncoder(&got, output.JSON, UndoRow{})
	for i := 0; i < 2000; i++ {
		var raw [48]byte
		for k := range raw {
			raw[k] = byte(rnd.IntN(256))
		}
		off := []int64{0, 48, -1, 1 << 40, rnd.Int64()}[rnd.IntN(5)]
		size := rnd.Int64N(1 << 32)
		sum := strings.Repeat(fmt.Sprintf("%02x", rnd.IntN(256)), 32)
		id, path := ids[rnd.IntN(len(ids))], paths[rnd.IntN(len(paths))]
		rec := strings.ToLower(fmt.Sprintf("%X", raw[:]))
		u := UndoRow{Action: RestoreEntry, Path: path, SmsId: id, Offset: &off, Record: &rec, Size: size, Sha256: sum}
		if err := ref.Encode(&u); err != nil {
			t.Fatal(err)
		}
		v := undoEntry{path: path, smsID: []byte(id), offset: off, size: size, sum: sum}
		copy(v.record[:], fmt.Sprintf("%x", raw[:]))
		if err := enc.Encode(&v); err != nil {
			t.Fatal(err)
		}
	}
	ref.Close()
	enc.Close()
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Fatalf("undoEntry differs from UndoRow:\ngot  %q\nwant %q", clipTest(got.String()), clipTest(want.String()))
	}
}
