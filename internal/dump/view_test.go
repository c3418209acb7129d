package dump

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dumpsync/dumpsync/internal/output"
	"github.com/dumpsync/dumpsync/internal/record"
)

// viewCases are records that reach every branch of view.WriteFields: valid
// and invalid SMSIDs (Latin-1, control bytes, no NUL, bytes after the NUL),
// a zero time, times around the ends of uint32, future times.
func viewCases() [][record.Size]byte {
	var cases [][record.Size]byte
	add := func(id string, t uint32, extra string) {
		var r [record.Size]byte
		copy(r[:16], id)
		binary.LittleEndian.PutUint32(r[16:], t)
		copy(r[20:], extra)
		cases = append(cases, r)
	}
	add("ABC0001F", 1_790_000_000, "")
	add("A", 1, "\xff\x00extra")
	add("", 0, "")
	add("ABCDEFGHIJKLMNOP", 4294967295, "")
	add("a,b\"c\\d", 86399, "")
	add("\xe9\xff\x80x", 1_800_000_000, "")
	add("SMS1\x00\x01", 1_700_000_000, "\x01\x02")
	add(" lead", 2_000_000_000, "")
	add("\\.", 1_799_999_999, "")
	add("x\ny\r\tz", 1_799_913_600, "")
	return cases
}

// refEntry and refRawEntry are Entry and RawEntry without WriteFields:
// the encoders write them through the reference path (goccy/go-json for
// JSON, reflection for CSV).
type (
	refEntry    Entry
	refRawEntry struct {
		refEntry
		Extra string `json:"Extra"`
	}
)

var chunkedFormats = []output.Format{output.JSON, output.JSONL, output.CSV}

// refEncoder writes Entries through the reference encoder (goccy/go-json
// for JSON, reflection for CSV): add Fills one from a record and encodes
// it; done ends the stream (the JSON array's brackets, the CSV header) and
// returns it.
func refEncoder(t testing.TB, f output.Format, isRaw bool, now int64) (add func(path string, index int64, e *record.Entry), done func() []byte) {
	t.Helper()
	var proto any = refEntry{}
	if isRaw {
		proto = refRawEntry{}
	}
	var b bytes.Buffer
	enc, err := output.NewEncoder(&b, f, proto)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := output.AsChunked(enc); ok {
		t.Fatalf("%s: the reference encoder has a chunked form", f)
	}
	add = func(path string, index int64, e *record.Entry) {
		var en Entry
		Fill(&en, path, index, e, time.Unix(now, 0))
		var rec any = (*refEntry)(&en)
		if isRaw {
			rec = &refRawEntry{refEntry(en), e.ExtraHex()}
		}
		if err := enc.Encode(rec); err != nil {
			t.Fatal(err)
		}
	}
	done = func() []byte {
		if err := enc.Close(); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	return add, done
}

// refStream is the reference encoder's stream of recs (indexes from first).
func refStream(t testing.TB, f output.Format, isRaw bool, path string, first, now int64, recs []record.Entry) []byte {
	t.Helper()
	add, done := refEncoder(t, f, isRaw, now)
	for k := range recs {
		add(path, first+int64(k), &recs[k])
	}
	return done()
}

// viewStream formats recs (indexes from first) through one view and
// writes them as one chunk, as dump does; it also returns each record's
// text.
func viewStream(t testing.TB, f output.Format, isRaw bool, path string, first, now int64, recs []record.Entry) (stream []byte, each [][]byte) {
	t.Helper()
	var proto any = Entry{}
	if isRaw {
		proto = RawEntry{}
	}
	var b bytes.Buffer
	enc, err := output.NewEncoder(&b, f, proto)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := output.AsChunked(enc)
	if !ok {
		t.Fatalf("%s: no chunked form", f)
	}
	fm := c.NewFormatter()
	v := &view{path: path, now: now, raw: isRaw}
	var out []byte
	for k := range recs {
		v.index = first + int64(k)
		start := len(out)
		out = v.append(out, fm, &recs[k].Raw)
		each = append(each, out[start:])
		if want := recs[k].Valid(); v.valid != want {
			t.Fatalf("record %x: view.valid %v, Valid() %v", recs[k].Raw, v.valid, want)
		}
	}
	if err := c.WriteChunk(out, len(recs)); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), each
}

// checkView fails unless a record formats the same through view as the
// Entry (or RawEntry) that Fill makes of it, through the Fielder encoder
// and through the reference encoder, in every format with a chunked form.
func checkView(t *testing.T, raw [record.Size]byte, now int64, index int64) {
	t.Helper()
	for _, path := range viewPaths {
		checkViewAt(t, path, raw, now, index)
	}
}

// viewPaths are the Paths the view tests format: a usual one, and a long
// one that JSON escapes and CSV quotes (its template's first part is long).
var viewPaths = []string{
	`C:\SMS\Domain.000\Resync.cfg`,
	`\\?\UNC\srv\SMS, "old"\Ünïcödé 😀\` + strings.Repeat(`deep\`, 40) + "Resync.cfg",
}

func checkViewAt(t *testing.T, path string, raw [record.Size]byte, now int64, index int64) {
	t.Helper()
	e := record.Entry{Raw: raw}
	var en RawEntry
	Fill(&en.Entry, path, index, &e, time.Unix(now, 0))
	en.Extra = e.ExtraHex()
	for _, isRaw := range []bool{false, true} {
		for _, f := range chunkedFormats {
			var proto any = Entry{}
			var rec output.Fielder = &en.Entry
			if isRaw {
				proto, rec = RawEntry{}, &en
			}
			enc, err := output.NewEncoder(&bytes.Buffer{}, f, proto)
			if err != nil {
				t.Fatal(err)
			}
			c, _ := output.AsChunked(enc)
			recs := []record.Entry{e}
			stream, each := viewStream(t, f, isRaw, path, index, now, recs)
			if want := c.NewFormatter().Append(nil, rec); !bytes.Equal(each[0], want) {
				t.Fatalf("record %x (raw %v) as %s:\nview: %q\nFill: %q", raw, isRaw, f, each[0], want)
			}
			if want := refStream(t, f, isRaw, path, index, now, recs); !bytes.Equal(stream, want) {
				t.Fatalf("record %x (raw %v) as %s:\nview:      %q\nreference: %q", raw, isRaw, f, stream, want)
			}
		}
	}
}

func TestViewMatchesFill(t *testing.T) {
	for i, raw := range viewCases() {
		for _, now := range []int64{0, 1_800_000_000, -5, 1 << 40} {
			checkView(t, raw, now, int64(i)*977)
		}
	}
}

func FuzzViewMatchesFill(f *testing.F) {
	for i, raw := range viewCases() {
		f.Add(raw[:], int64(1_800_000_000), int64(i))
	}
	f.Fuzz(func(t *testing.T, b []byte, now, index int64) {
		var raw [record.Size]byte
		copy(raw[:], b)
		if index < 0 || index > 1<<50 {
			index &= 1<<50 - 1
		}
		checkView(t, raw, now, index)
	})
}

// A valid entry is formatted with no allocation at all.
func TestViewNoAllocs(t *testing.T) {
	e := record.Make("ABC0001F", 1_790_000_000, nil)
	for _, f := range []output.Format{output.JSONL, output.CSV} {
		enc, err := output.NewEncoder(&bytes.Buffer{}, f, RawEntry{})
		if err != nil {
			t.Fatal(err)
		}
		c, _ := output.AsChunked(enc)
		fm := c.NewFormatter()
		v := &view{path: `C:\SMS\Domain.000\Resync.cfg`, e: &e, now: 1_800_000_000, raw: true}
		out := v.append(nil, fm, &e.Raw)
		allocs := testing.AllocsPerRun(1000, func() {
			v.index++
			out = v.append(out[:0], fm, &e.Raw)
		})
		if allocs != 0 {
			t.Errorf("%s: %.1f allocations per entry, want 0", f, allocs)
		}
	}
}

// One view formats every time of a dump, and its AgeDays, through its day
// cache: days that share a slot must not show each other's date or age, and
// the age turns at now's time of day, whatever now is.
func TestViewTimeCache(t *testing.T) {
	day := &view{}
	for sec := range uint32(86400) { // every time of day
		tm := 1_790_000_000/86400*86400 + sec
		if got, want := string(day.time(tm)), FormatTime(tm); got != want {
			t.Fatalf("time(%d) = %s, want %s", tm, got, want)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, now := range []int64{1_800_000_000, 1_800_000_000 + 86399, 0, -1, -86400*3 - 7, 1 << 40, -1 << 50, 1<<62 + 12345, rng.Int64()} {
		v := &view{now: now}
		var b [64]byte
		for i := range 100_000 {
			var tm uint32
			switch i % 4 {
			case 0:
				tm = rng.Uint32()
			case 1:
				tm = 1_700_000_000 + rng.Uint32N(3*365*86400)
			case 2:
				tm = uint32(now%86400+86400)%86400 + uint32(i%8192)*86400 - uint32(i%3) // days 2048 apart collide; around now's time of day
			default:
				tm = uint32(i%8192) * 86400
			}
			if got, want := string(v.time(tm)), FormatTime(tm); got != want {
				t.Fatalf("time(%d) = %s, want %s", tm, got, want)
			}
			n := v.putAge(b[:], 0, tm, v.slot(tm))
			if got, want := string(b[:n]), strconv.FormatInt(ageDays(now, tm), 10); got != want {
				t.Fatalf("now %d: age of %d = %s, want %s", now, tm, got, want)
			}
		}
	}
}

// putUint32 is strconv's decimal text.
func TestPutUint32(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, u := range []uint32{0, 9, 10, 999_999_999, 1e9, 1_000_000_001, 1_799_999_999, 4_294_967_295} {
		var b [16]byte
		if got, want := string(b[:putUint32(b[:], 0, u)]), strconv.FormatUint(uint64(u), 10); got != want {
			t.Fatalf("putUint32(%d) = %s", u, got)
		}
	}
	for u := uint32(1e9); u >= 1e9; u += 997 { // through 2^32, every 997th
		var b [16]byte
		if got, want := string(b[:putUint32(b[:], 0, u)]), strconv.FormatUint(uint64(u), 10); got != want {
			t.Fatalf("putUint32(%d) = %s", u, got)
		}
	}
	for range 1_000_000 {
		u := rng.Uint32()
		var b [16]byte
		if got, want := string(b[:putUint32(b[:], 0, u)]), strconv.FormatUint(uint64(u), 10); got != want {
			t.Fatalf("putUint32(%d) = %s", u, got)
		}
	}
}

func TestDecimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, start := range []int64{0, 1, 9, 47, 99, 999_999_952, 9_999_999_999_999_990, 1<<62 - 1000, rng.Int64N(1 << 40)} {
		var d decimal
		d.set(start)
		v := start
		for range 5000 {
			k := []int{1, 48, 0, 9, 10, 99, 100, 12345, 1}[rng.IntN(9)]
			d.add(k)
			v += int64(k)
			if got, want := string(d.text()), strconv.FormatInt(v, 10); got != want {
				t.Fatalf("from %d: %s, want %s", start, got, want)
			}
		}
	}
}

// One view over a run of records, in order and with jumps (a chunk that
// starts anywhere), formats each as Fill's Entry does, and the stream is
// the reference encoder's.
func TestViewSequence(t *testing.T) {
	cases := viewCases()
	path := viewPaths[1]
	const now = 1_800_000_000
	var recs []record.Entry
	for i := range 30_000 { // the first 5,000 for the streams
		recs = append(recs, record.Entry{Raw: cases[i%len(cases)]})
	}
	for _, isRaw := range []bool{false, true} {
		for _, f := range chunkedFormats {
			// Runs of indexes as dump's chunks have them: from 0, from
			// just below a power of ten, from far on.
			for _, first := range []int64{0, 99_990, 999_999_000, 1 << 40} {
				got, _ := viewStream(t, f, isRaw, path, first, now, recs[:5000])
				if want := refStream(t, f, isRaw, path, first, now, recs[:5000]); !bytes.Equal(got, want) {
					t.Fatalf("%s (raw %v) from %d: the view's stream differs from the reference\n%s", f, isRaw, first, firstDiff(got, want))
				}
			}
		}
	}
	// Jumps within one view, JSON Lines against Fill's Entry.
	enc, err := output.NewEncoder(&bytes.Buffer{}, output.JSONL, Entry{})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := output.AsChunked(enc)
	fv, fe := c.NewFormatter(), c.NewFormatter()
	v := &view{path: path, now: now}
	index := int64(0)
	for i := range 30_000 {
		switch {
		case i%2048 == 1000:
			index += 12345
		case i == 20_000:
			index = 0
		default:
			index++
		}
		e := &recs[i]
		v.index = index
		var en Entry
		Fill(&en, path, index, e, time.Unix(now, 0))
		if got, want := v.append(nil, fv, &e.Raw), fe.Append(nil, &en); !bytes.Equal(got, want) {
			t.Fatalf("record %d, index %d:\nview: %s\nFill: %s", i, index, got, want)
		}
	}
}

// A Formatter whose template parts are too long for the pieces (none is)
// has its records written field by field, the same bytes.
func TestViewWithoutTemplate(t *testing.T) {
	defer func(m int) { pieceMax = m }(pieceMax)
	pieceMax = 0
	var recs []record.Entry
	for i := range 3000 {
		recs = append(recs, record.Entry{Raw: viewCases()[i%len(viewCases())]})
	}
	for _, isRaw := range []bool{false, true} {
		for _, f := range chunkedFormats {
			got, _ := viewStream(t, f, isRaw, viewPaths[0], 7, 1_800_000_000, recs)
			if want := refStream(t, f, isRaw, viewPaths[0], 7, 1_800_000_000, recs); !bytes.Equal(got, want) {
				t.Fatalf("%s (raw %v): %s", f, isRaw, firstDiff(got, want))
			}
		}
	}
}

// firstDiff shows where two outputs part.
func firstDiff(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-100)
	return fmt.Sprintf("at byte %d:\ngot:  %q\nwant: %q", i, got[from:min(len(got), i+100)], want[from:min(len(want), i+100)])
}

// validID agrees with record.Entry.Valid and gives the SMSID's length.
func TestValidID(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	alphabet := []byte("\x00\x00\x00\x01/09:@AZ[`az{\x7f\x80\xc1\xffQ5m")
	for i := range 2_000_000 {
		var e record.Entry
		n := rng.IntN(17)
		for k := range n {
			e.Raw[k] = alphabet[rng.IntN(len(alphabet))]
			if i%2 == 0 && rng.IntN(8) != 0 {
				e.Raw[k] = "ABCxyz0129"[rng.IntN(10)]
			}
		}
		got, ok := validID(&e.Raw)
		if want := e.Valid(); ok != want || ok && got != len(e.IDBytes()) {
			t.Fatalf("validID(%q) = %d, %v; Valid() %v, IDBytes %q", e.Raw[:16], got, ok, want, e.IDBytes())
		}
	}
	// Every byte value at every position of a valid SMSID.
	for n := 1; n <= 15; n++ {
		for pos := range 16 {
			for c := range 256 {
				e := record.Make(strings.Repeat("a", n), 1, nil)
				e.Raw[pos] = byte(c)
				got, ok := validID(&e.Raw)
				if want := e.Valid(); ok != want || ok && got != len(e.IDBytes()) {
					t.Fatalf("validID(%q) = %d, %v; Valid() %v", e.Raw[:16], got, ok, want)
				}
			}
		}
	}
}
