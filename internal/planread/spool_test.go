package planread

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// withoutBad is rows as a Spool gives them back: Row.bad is not kept.
func withoutBad(rows []Row) []Row {
	out := make([]Row, len(rows))
	for i, r := range rows {
		r.bad = nil
		out[i] = r
	}
	return out
}

// spoolRows is every row of sp with its mark, by Scan.
func spoolRows(t testing.TB, sp *Spool) (rows []Row, marks []byte) {
	t.Helper()
	err := sp.Scan(0, sp.Size(), func(_ Ref, r *Row, mark byte) error {
		rows = append(rows, *r)
		marks = append(marks, mark)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows, marks
}

// checkSpoolPlanSame checks that SpoolPlan, on a spool in memory and in a
// file, finds what Validate finds: the same problems, the same rows kept
// (marked when they have a problem), read back equal by Scan and by Read.
func checkSpoolPlanSame(t *testing.T, rows []Row, opt Options) {
	t.Helper()
	wantRows, wantErrs := Validate(&Plan{Rows: rows}, opt)
	bad := map[int]bool{}
	for _, e := range wantErrs {
		bad[e.N] = true
	}
	for _, inFile := range []bool{false, true} {
		sp := NewMemSpool()
		if inFile {
			var err error
			if sp, err = NewSpool(t.TempDir()); err != nil {
				t.Fatal(err)
			}
		}
		var refs []Ref
		got, err := SpoolPlan(SliceSource(&Plan{Rows: rows}), sp, opt, func(ref, end Ref, r *Row, dup bool, _ []RowError) error {
			if !dup {
				refs = append(refs, ref)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got.Read != len(rows) || got.ErrCount != len(wantErrs) || !reflect.DeepEqual(got.Errs, wantErrs) {
			t.Fatalf("SpoolPlan (file %v): %d rows read, errors %v (%d); want %d, %v", inFile, got.Read, got.Errs, got.ErrCount, len(rows), wantErrs)
		}
		back, marks := spoolRows(t, sp)
		if want := withoutBad(wantRows); !reflect.DeepEqual(back, want) && len(back)+len(want) > 0 {
			t.Fatalf("spooled rows (file %v):\ngot  %+v\nwant %+v", inFile, back, want)
		}
		raw, rawMarks := rawRows(t, sp)
		if want := withoutLine(back); !reflect.DeepEqual(raw, want) && len(raw)+len(want) > 0 || !bytes.Equal(rawMarks, marks) {
			t.Fatalf("ScanRaw (file %v) differs from Scan:\ngot  %+v %v\nwant %+v %v", inFile, raw, rawMarks, want, marks)
		}
		for i := range back {
			if want := bad[back[i].N]; (marks[i] == MarkInvalid) != want {
				t.Errorf("row %d: mark %d, invalid %v", back[i].N, marks[i], want)
			}
		}
		// Random access, from the last row to the first.
		for i := len(refs) - 1; i >= 0; i-- {
			r, err := sp.Row(refs[i])
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*r, back[i]) {
				t.Fatalf("Row(%d) = %+v, want %+v", refs[i], *r, back[i])
			}
		}
		if err := sp.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSpoolRoundTrip spools the rows of every fixture plan and the
// benchmark plan and reads them back, in memory and in a file.
func TestSpoolRoundTrip(t *testing.T) {
	p, err := Read(bytes.NewReader(benchPlan()[:2_000_000]), "bench")
	if err != nil {
		t.Fatal(err)
	}
	checkSpoolPlanSame(t, p.Rows, Options{Within: []string{"/srv"}})
	// Out of order: the checker's unordered path, and Paths given by
	// distance to records far back.
	rev := make([]Row, len(p.Rows))
	for i, r := range p.Rows {
		rev[len(rev)-1-i] = r
	}
	checkSpoolPlanSame(t, rev, Options{})
	// Every field, every form: absent, text that is not hex, upper case.
	full := Row{N: 1, Line: 7, Action: "Nuke", Path: "/p", SmsId: "x", RequestTime: ptr[int64](-5),
		RequestedAt: ptr(""), AgeDays: ptr[int64](1 << 62), Cutoff: ptr[int64](0), Offset: ptr[int64](-1),
		Record: ptr("ABCD"), Size: ptr[int64](3), ModTime: ptr[int64](9), Sha256: ptr(hexSha[:62] + "AB"),
		Reason: ptr("é\x00"), Content: ptr("QUJD")}
	checkSpoolPlanSame(t, []Row{full, {N: 2}, {N: 3, Path: "/p", Sha256: ptr(hexSha)}}, Options{})
	// Sha256 values that change from row to row: the spool's copy of the
	// last one must follow.
	other := strings.Repeat("0f", 32)
	var shas []Row
	for i, sum := range []*string{ptr(hexSha), ptr(hexSha), ptr(other), ptr(hexSha), ptr(strings.ToUpper(other)), nil, ptr(other), ptr(other[:62])} {
		shas = append(shas, Row{N: i + 1, Path: "/p", Sha256: sum, Record: ptr(strings.Repeat("ab", 48))})
	}
	checkSpoolPlanSame(t, shas, Options{})
}

// TestSpoolCorrupt: a damaged spool is an error naming it, never a panic
// or a wrong row.
func TestSpoolCorrupt(t *testing.T) {
	sp := NewMemSpool()
	r := removeRow()
	r.N = 1
	for i := 0; i < 3; i++ {
		if _, err := sp.Append(&r, 0); err != nil {
			t.Fatal(err)
		}
	}
	good := append([]byte(nil), sp.mem...)
	for cut := 0; cut < len(good); cut++ {
		sp.mem = good[:cut]
		err := sp.Scan(0, int64(len(good)), func(Ref, *Row, byte) error { return nil })
		if err == nil {
			t.Fatalf("cut at %d: no error", cut)
		}
		sp.raw = nil
		err = sp.ScanRaw(0, int64(len(good)), func(Ref, *RawRow) error { return nil })
		if err == nil {
			t.Fatalf("cut at %d: ScanRaw: no error", cut)
		}
	}
	sp.mem = good
	if _, err := sp.Row(int64(len(good))); err == nil {
		t.Errorf("Row beyond the end: no error")
	}
}

// FuzzSpoolDecode decodes arbitrary bytes as a spool record: an error or a
// row, never a panic; a row decoded is written back to the same bytes' row.
func FuzzSpoolDecode(f *testing.F) {
	r := removeRow()
	r.N, r.Line = 3, 9
	f.Add(appendRow(nil, &r, 0, 0, nil))
	d := restoreFileRow()
	f.Add(appendRow(nil, &d, MarkInvalid, 0, nil))
	f.Add(appendRow(nil, &Row{Action: "x", Path: "/a"}, 0, 5, nil))
	f.Fuzz(func(t *testing.T, body []byte) {
		var b builder
		var row Row
		mark, back, err := decodeRow(&b, string(body), &row)
		if err != nil {
			return
		}
		var again Row
		enc := row
		if back > 0 {
			enc.Path = "/held/elsewhere" // given by distance: any Path writes the same
		}
		if _, back2, err := decodeRow(&b, string(appendRow(nil, &enc, mark, back, nil)), &again); err != nil || back2 != back {
			t.Fatalf("re-encoded row: %v (back %d, want %d)", err, back2, back)
		}
		if !reflect.DeepEqual(row, again) {
			t.Fatalf("round trip:\ngot  %+v\nwant %+v", again, row)
		}
		// In place, the same row (a Path given by distance needs the
		// record it refers to, which is not there).
		var raw RawRow
		err = NewMemSpool().decodeRaw(0, body, &raw)
		if back > 0 {
			if err == nil {
				t.Fatalf("decodeRaw: a Path by distance with nothing before: no error")
			}
			return
		}
		if err != nil {
			t.Fatalf("decodeRaw fails where decodeRow did not: %v", err)
		}
		want := row
		want.Line = 0
		if got := rawAsRow(&raw); !reflect.DeepEqual(got, want) || raw.Mark != mark {
			t.Fatalf("decodeRaw:\ngot  %+v (mark %d)\nwant %+v (mark %d)", got, raw.Mark, want, mark)
		}
	})
}

// TestSpoolPlanReadError: an input that is not a plan is SpoolPlan's error,
// not a TempError.
func TestSpoolPlanReadError(t *testing.T) {
	_, err := SpoolPlan(Stream(bytes.NewReader([]byte(`[{"Action":"RemoveEntry"},`)), "cut"), NewMemSpool(), Options{}, nil)
	if err != nil {
		t.Fatalf("a cut-short array is Truncated, not an error: %v", err)
	}
	_, err = SpoolPlan(Stream(bytes.NewReader([]byte(`[{"Action":1,"action":2}]`)), "dup"), NewMemSpool(), Options{}, nil)
	var te *TempError
	if err == nil || errors.As(err, &te) {
		t.Fatalf("a key given twice: %v, want a read error", err)
	}
}

// rawAsRow is the Row a RawRow stands for (Line is not in a RawRow).
func rawAsRow(r *RawRow) Row {
	row := Row{N: r.N, Action: r.Action(), Path: r.Path(), SmsId: string(r.SmsId())}
	ints := map[Field]**int64{FieldRequestTime: &row.RequestTime, FieldAgeDays: &row.AgeDays, FieldCutoff: &row.Cutoff,
		FieldOffset: &row.Offset, FieldSize: &row.Size, FieldModTime: &row.ModTime}
	for f, p := range ints {
		if r.Has(f) {
			v := r.Int(f)
			*p = &v
		}
	}
	texts := map[Field]**string{FieldRequestedAt: &row.RequestedAt, FieldRecord: &row.Record,
		FieldReason: &row.Reason, FieldContent: &row.Content}
	for f, p := range texts {
		if r.Has(f) {
			v := string(r.Text(f))
			*p = &v
		}
	}
	if r.Has(FieldSha256) {
		v := r.Sha256()
		if raw, ok := r.ShaRaw(); ok && v != hex.EncodeToString(raw) {
			v = "ShaRaw disagrees with Sha256"
		}
		row.Sha256 = &v
	}
	return row
}

// rawRows is every row of sp with its mark, by ScanRaw, as Rows without
// Line.
func rawRows(t testing.TB, sp *Spool) (rows []Row, marks []byte) {
	t.Helper()
	err := sp.ScanRaw(0, sp.Size(), func(_ Ref, r *RawRow) error {
		rows = append(rows, rawAsRow(r))
		marks = append(marks, r.Mark)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows, marks
}

// withoutLine is rows with Line 0, as a RawRow gives them.
func withoutLine(rows []Row) []Row {
	out := make([]Row, len(rows))
	for i, r := range rows {
		r.Line = 0
		out[i] = r
	}
	return out
}
