// Package stats summarises Resync.cfg files, one record per file, so that an
// administrator can choose plan's --days from the ages of the requests. It
// reads; it decides nothing. The Over* counts use plan's own stale rule, so
// a file's OverN is exactly the number of RemoveEntry rows that
// `plan --days N` writes for it.
package stats

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/dumpsync/dumpsync/internal/dump"
	"github.com/dumpsync/dumpsync/internal/plan"
	"github.com/dumpsync/dumpsync/internal/record"
	"github.com/dumpsync/dumpsync/internal/resync"
)

// Thresholds are the ages, in days, that the Over* fields count beyond.
var Thresholds = [...]int64{30, 60, 90, 180, 365}

// File is the `stats` record of one Resync.cfg.
type File struct {
	Path    string  `json:"Path" table:"narrow,middle" desc:"absolute path of the Resync.cfg, its name as on disk"`
	Entries int64   `json:"Entries" jsonschema:"minimum=0" table:"narrow" desc:"whole 48-byte records in the file"`
	Valid   int64   `json:"Valid" jsonschema:"minimum=0" desc:"entries whose SMSID is valid"`
	Invalid int64   `json:"Invalid" jsonschema:"minimum=0" table:"narrow" desc:"entries whose SMSID is invalid (Entries - Valid)"`
	Clients int64   `json:"Clients" jsonschema:"minimum=0" table:"narrow" desc:"distinct SMSIDs of the valid entries, compared case-insensitively"`
	Oldest  *string `json:"Oldest" desc:"RFC 3339 UTC time of the oldest valid dated request (RequestTime != 0, future ones included); null when there is none"`
	Newest  *string `json:"Newest" desc:"RFC 3339 UTC time of the newest valid dated request; null when there is none"`
	Bytes   int64   `json:"Bytes" jsonschema:"minimum=0" desc:"size of the file in bytes, a partial trailing record included"`
	Over30  int64   `json:"Over30" jsonschema:"minimum=0" table:"narrow" desc:"valid dated entries stale by plan's rule for --days 30 (not in the future, now - RequestTime > 30 days)"`
	Over60  int64   `json:"Over60" jsonschema:"minimum=0" table:"narrow" desc:"as Over30, for --days 60"`
	Over90  int64   `json:"Over90" jsonschema:"minimum=0" table:"narrow" desc:"as Over30, for --days 90: the RemoveEntry rows plan --days 90 writes for this file"`
	Over180 int64   `json:"Over180" jsonschema:"minimum=0" table:"narrow" desc:"as Over30, for --days 180"`
	Over365 int64   `json:"Over365" jsonschema:"minimum=0" table:"narrow" desc:"as Over30, for --days 365"`

	// Ages is shown only in tables: a bar per age band of the valid dated
	// past entries, scaled to the fullest band (see Bands).
	Ages string `json:"-" table:"narrow,only"`

	oldest, newest string
}

// Bands names the histogram's age bands, one bar each, for help texts.
const Bands = "0-30, 31-60, 61-90, 91-180, 181-365, >365 days"

// bars are the block characters of the histogram, lowest first.
var bars = []rune("▁▂▃▄▅▆▇█")

// Histogram draws counts as one block character each, scaled so the largest
// is a full block; an empty band is a space, a band that is not empty at
// least the lowest block.
func Histogram(counts []int64) string {
	var top int64
	for _, c := range counts {
		top = max(top, c)
	}
	var b strings.Builder
	for _, c := range counts {
		if c == 0 {
			b.WriteByte(' ')
			continue
		}
		// ceil(c*8/top) in 1..8, without overflow for any count.
		i := int((float64(c)*float64(len(bars)))/float64(top)+0.999999) - 1
		b.WriteRune(bars[min(max(i, 0), len(bars)-1)])
	}
	return b.String()
}

// counter accumulates one file's record; only the client set grows with
// the file.
type counter struct {
	f         File
	now       int64
	stale     [len(Thresholds)]plan.Options
	over      [len(Thresholds)]int64     // the Over* fields, in Thresholds order
	bands     [len(Thresholds) + 1]int64 // histogram: not stale at 30, then each band beyond
	clients   map[string]struct{}
	lo, hi    uint32
	haveDates bool
	upperBuf  []byte
}

func newCounter(path string, now time.Time) *counter {
	c := &counter{f: File{Path: path}, now: now.Unix(), clients: map[string]struct{}{}}
	for i, d := range Thresholds {
		c.stale[i] = plan.Options{Days: d, Now: now}
	}
	return c
}

func (c *counter) add(e *record.Entry) {
	c.f.Entries++
	if !e.Valid() {
		c.f.Invalid++
		return
	}
	c.f.Valid++
	id := e.IDBytes()
	c.upperBuf = append(c.upperBuf[:0], id...)
	for i, b := range c.upperBuf {
		if 'a' <= b && b <= 'z' {
			c.upperBuf[i] = b - 'a' + 'A'
		}
	}
	if _, ok := c.clients[string(c.upperBuf)]; !ok { // the lookup does not allocate
		c.clients[string(c.upperBuf)] = struct{}{}
	}
	t := e.Time()
	if t == 0 {
		return
	}
	if !c.haveDates || t < c.lo {
		c.lo = t
	}
	if !c.haveDates || t > c.hi {
		c.hi = t
	}
	c.haveDates = true
	band := 0
	for i := range c.stale {
		if c.stale[i].Stale(e) {
			band = i + 1
		}
	}
	for i := 0; i < band; i++ {
		c.over[i]++
	}
	if int64(t) <= c.now { // the future has no age band
		c.bands[band]++
	}
}

func (c *counter) done(size int64) *File {
	c.f.Bytes = size
	c.f.Clients = int64(len(c.clients))
	c.f.Over30, c.f.Over60, c.f.Over90, c.f.Over180, c.f.Over365 = c.over[0], c.over[1], c.over[2], c.over[3], c.over[4]
	if c.haveDates {
		c.f.oldest, c.f.newest = dump.FormatTime(c.lo), dump.FormatTime(c.hi)
		c.f.Oldest, c.f.Newest = &c.f.oldest, &c.f.newest
	}
	c.f.Ages = Histogram(c.bands[:])
	return &c.f
}

// Encoder receives records.
type Encoder interface{ Encode(rec any) error }

// Files writes one record per file to enc. Problems that leave the rest
// readable (a partial record: its whole records are counted; an unreadable
// or non-regular file: no record) are passed to warn and make attention
// true; an encoder error stops.
func Files(files []string, now time.Time, enc Encoder, warn func(error)) (attention bool, err error) {
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
		c := newCounter(path, now)
		info, serr := resync.Read(path, func(_ int64, e *record.Entry) error {
			c.add(e)
			return nil
		})
		if serr != nil {
			warn(serr)
			attention = true
			if !resync.IsPartial(serr) {
				continue // unread: no record rather than a wrong one
			}
		}
		if err := enc.Encode(c.done(info.Size)); err != nil {
			return attention, err
		}
	}
	return attention, nil
}
