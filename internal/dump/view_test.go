package dump

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"strconv"
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

// checkView fails unless a record formats the same through view as the
// Entry (or RawEntry) that Fill makes of it, in every format with a
// chunked form.
func checkView(t *testing.T, raw [record.Size]byte, now int64, index int64) {
	t.Helper()
	e := record.Entry{Raw: raw}
	path := `C:\SMS\Domain.000\Resync.cfg`
	var en RawEntry
	Fill(&en.Entry, path, index, &e, time.Unix(now, 0))
	en.Extra = e.ExtraHex()
	for _, isRaw := range []bool{false, true} {
		for _, f := range []output.Format{output.JSON, output.JSONL, output.CSV} {
			var proto any = Entry{}
			var rec output.Fielder = &en.Entry
			if isRaw {
				proto, rec = RawEntry{}, &en
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
			v := &view{path: path, index: index, e: &e, now: now, raw: isRaw}
			got := fm.Append(nil, v)
			want := c.NewFormatter().Append(nil, rec)
			if !bytes.Equal(got, want) {
				t.Fatalf("record %x (raw %v) as %s:\nview: %q\nFill: %q", raw, isRaw, f, got, want)
			}
			if v.valid != en.Valid {
				t.Fatalf("record %x: view.valid %v, Fill's Valid %v", raw, v.valid, en.Valid)
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
		out := fm.Append(nil, v)
		allocs := testing.AllocsPerRun(1000, func() {
			v.index++
			out = fm.Append(out[:0], v)
		})
		if allocs != 0 {
			t.Errorf("%s: %.1f allocations per entry, want 0", f, allocs)
		}
	}
}

// One view formats every time of a dump through its day cache: days that
// share a slot must not show each other's date.
func TestViewTimeCache(t *testing.T) {
	v := &view{}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 200_000 {
		var tm uint32
		switch i % 3 {
		case 0:
			tm = rng.Uint32()
		case 1:
			tm = 1_700_000_000 + rng.Uint32N(3*365*86400)
		default:
			tm = uint32(i%4096) * 86400 // days 1024 apart collide
		}
		if got, want := string(v.time(tm)), FormatTime(tm); got != want {
			t.Fatalf("time(%d) = %s, want %s", tm, got, want)
		}
	}
}

func TestDecimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, start := range []int64{0, 1, 9, 47, 99, 999_999_952, 1<<62 - 1000, rng.Int64N(1 << 40)} {
		var d decimal
		d.set(start)
		v := start
		for range 5000 {
			k := []int{1, 48, 0, 9, 10, 99}[rng.IntN(6)]
			d.add(k)
			v += int64(k)
			if got, want := string(d.text()), strconv.FormatInt(v, 10); got != want {
				t.Fatalf("from %d: %s, want %s", start, got, want)
			}
		}
	}
}

// One view over a run of records, in order and with jumps (a chunk that
// starts anywhere), formats each as Fill's Entry does.
func TestViewSequence(t *testing.T) {
	cases := viewCases()
	enc, err := output.NewEncoder(&bytes.Buffer{}, output.JSONL, Entry{})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := output.AsChunked(enc)
	fv, fe := c.NewFormatter(), c.NewFormatter()
	const path = `C:\SMS\Resync.cfg`
	v := &view{path: path, now: 1_800_000_000}
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
		e := record.Entry{Raw: cases[i%len(cases)]}
		v.index, v.e = index, &e
		var en Entry
		Fill(&en, path, index, &e, time.Unix(1_800_000_000, 0))
		if got, want := fv.Append(nil, v), fe.Append(nil, &en); !bytes.Equal(got, want) {
			t.Fatalf("record %d, index %d:\nview: %s\nFill: %s", i, index, got, want)
		}
	}
}
