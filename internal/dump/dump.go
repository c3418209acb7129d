// Package dump turns Resync.cfg files into entry records, the `dump`
// command's output. It reads; it decides nothing.
package dump

import (
	"fmt"
	"os"
	"time"

	"github.com/dumpsync/dumpsync/internal/output"
	"github.com/dumpsync/dumpsync/internal/record"
	"github.com/dumpsync/dumpsync/internal/resync"
	"github.com/dumpsync/dumpsync/internal/resyncedit"
)

// Entry is one record of a Resync.cfg as `dump` lists it.
type Entry struct {
	Path        string  `json:"Path" desc:"absolute path of the Resync.cfg, its name as on disk"`
	Index       int64   `json:"Index" desc:"0-based position of the record in the file"`
	Offset      int64   `json:"Offset" desc:"byte offset of the record: Index * 48"`
	SmsId       string  `json:"SmsId" desc:"bytes before the first NUL, one character per byte (Latin-1)"`
	RequestTime int64   `json:"RequestTime" jsonschema:"minimum=0,maximum=4294967295" desc:"time of the resync request, Unix seconds (unsigned 32-bit); 0 means unknown"`
	RequestedAt *string `json:"RequestedAt" desc:"RequestTime as RFC 3339 UTC; null when RequestTime is 0"`
	AgeDays     *int64  `json:"AgeDays" desc:"floor((now - RequestTime) / 86400), negative for a future time; null when RequestTime is 0"`
	Valid       bool    `json:"Valid" desc:"true when the SMSID is 1-15 characters of [A-Za-z0-9] followed only by NUL bytes"`
	Problem     *string `json:"Problem" desc:"why the entry is invalid; null when it is valid"`
}

// RawEntry is Entry with the uninterpreted bytes, for --raw.
type RawEntry struct {
	Entry
	Extra string `json:"Extra" desc:"bytes 20-47 of the record as lower-case hex (only with --raw)"`
}

// WriteFields hands the fields to w in column order (output.Fielder), so
// entries are encoded without reflection.
func (e *Entry) WriteFields(w output.FieldWriter) {
	w.Str(e.Path)
	w.Int(e.Index)
	w.Int(e.Offset)
	w.Str(e.SmsId)
	w.Int(e.RequestTime)
	w.OptStr(e.RequestedAt)
	w.OptInt(e.AgeDays)
	w.Bool(e.Valid)
	w.OptStr(e.Problem)
}

// WriteFields hands the fields to w in column order (output.Fielder).
func (e *RawEntry) WriteFields(w output.FieldWriter) {
	e.Entry.WriteFields(w)
	w.Str(e.Extra)
}

// AgeDays returns floor((now - t) / 86400).
func AgeDays(now time.Time, t uint32) int64 { return ageDays(now.Unix(), t) }

func ageDays(now int64, t uint32) int64 {
	d := now - int64(t)
	q := d / 86400
	if d%86400 != 0 && d < 0 {
		q--
	}
	return q
}

// FormatTime renders a request time as RFC 3339 UTC.
func FormatTime(t uint32) string {
	var b [20]byte
	return string(appendTime(b[:0], t))
}

// AppendTime appends t as FormatTime renders it.
func AppendTime(b []byte, t uint32) []byte { return appendTime(b, t) }

// appendTime appends t as time.Unix(t, 0).UTC().Format(time.RFC3339) does
// (for every uint32: years 1970-2106, always four digits), several times
// faster: dump formats one time per record.
func appendTime(b []byte, t uint32) []byte {
	// Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
	z := int64(t/86400) + 719468
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	sec := t % 86400
	b = append(b,
		byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-',
		byte('0'+d/10), byte('0'+d%10), 'T',
		byte('0'+sec/36000), byte('0'+sec/3600%10), ':',
		byte('0'+sec%3600/600), byte('0'+sec%3600/60%10), ':',
		byte('0'+sec%60/10), byte('0'+sec%10), 'Z')
	return b
}

// Fill sets an Entry from a record; path is shared by all records of a file.
// The entry's pointers point to storage of its own.
func Fill(en *Entry, path string, index int64, e *record.Entry, now time.Time) {
	t := e.Time()
	*en = Entry{
		Path:        path,
		Index:       index,
		Offset:      index * record.Size,
		SmsId:       e.SmsID(),
		RequestTime: int64(t),
		Valid:       true,
	}
	if t != 0 {
		at, age := FormatTime(t), ageDays(now.Unix(), t)
		en.RequestedAt, en.AgeDays = &at, &age
	}
	if p := e.Problem(); p != "" {
		en.Valid = false
		en.Problem = &p
	}
}

// Options are the `dump` choices.
type Options struct {
	Now time.Time
	Raw bool
	// Counts, if set, receives how many entries were written and how many
	// of them are invalid (for the summary line).
	Counts *Counts
}

// Counts are the entries a dump wrote.
type Counts struct {
	Entries, Invalid int64
}

// Encoder receives records.
type Encoder interface{ Encode(rec any) error }

// chunkedOf returns enc's chunked form, when it has one (an output.Encoder
// of JSON, JSON Lines or CSV, or a wrapper that hands one out).
func chunkedOf(enc Encoder) (output.Chunked, bool) {
	switch e := enc.(type) {
	case interface{ Chunked() (output.Chunked, bool) }:
		return e.Chunked()
	case output.Encoder:
		return output.AsChunked(e)
	}
	return nil, false
}

// Files streams the entries of each file to enc. Problems that leave the
// rest readable (a partial record, an unreadable or non-regular file) are
// passed to warn and make attention true; an encoder error stops the dump.
func Files(files []string, opt Options, enc Encoder, warn func(error)) (attention bool, err error) {
	now := opt.Now.Unix()
	chunked, ok := chunkedOf(enc)
	for _, path := range files {
		st, lerr := os.Lstat(path)
		if lerr != nil {
			warn(lerr)
			attention = true
			continue
		}
		if !st.Mode().IsRegular() {
			warn(fmt.Errorf("%s: skipped: not a regular file (%s)", path, st.Mode().Type()))
			attention = true
			continue
		}
		// Records an interrupted apply left in a recovery file are not
		// listed: say so.
		los, lerr := resyncedit.Leftovers(path)
		for _, lo := range los {
			warn(fmt.Errorf("%s: %s", path, lo.Problem(path)))
			attention = true
		}
		if lerr != nil {
			warn(lerr)
			attention = true
		}
		var serr, werr error
		if ok {
			serr, werr = fileChunked(path, opt, now, chunked, workers())
		} else {
			serr, werr = fileEach(path, opt, now, enc)
		}
		if werr != nil {
			return attention, werr
		}
		if serr != nil {
			warn(serr)
			attention = true
		}
	}
	return attention, nil
}

// fileEach dumps one file through an encoder with no chunked form (the
// table), one Entry at a time.
func fileEach(path string, opt Options, now int64, enc Encoder) (serr, werr error) {
	var en RawEntry
	t := time.Unix(now, 0)
	_, serr = resync.Read(path, func(i int64, e *record.Entry) error {
		Fill(&en.Entry, path, i, e, t)
		if c := opt.Counts; c != nil {
			c.Entries++
			if !en.Valid {
				c.Invalid++
			}
		}
		if opt.Raw {
			en.Extra = e.ExtraHex()
			werr = enc.Encode(&en)
		} else {
			werr = enc.Encode(&en.Entry)
		}
		return werr
	})
	if werr != nil {
		serr = nil
	}
	return serr, werr
}
