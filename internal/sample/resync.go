package sample

import (
	"fmt"
	"io"
	"time"

	"github.com/dumpsync/dumpsync/internal/record"
)

// resyncChunk is how many records WriteResync hands to w at a time.
const resyncChunk = 2048

// WriteResync writes a Resync.cfg of n records to w, for benchmarks. It
// streams: memory does not grow with n, and w gets writes of resyncChunk
// records. The same n, seed and now give the same bytes.
//
// SMSIDs are drawn from min(n, 0xFFFFF) serials of site ABC, so most clients
// have several requests. Per thousand records: 2 invalid (cycling through the
// kinds Generate uses), 5 with time 0, 5 in the future, 10 exactly on a day
// boundary; the rest are 0–800 days old. The file is in no particular order.
func WriteResync(w io.Writer, n int, seed uint64, now time.Time) error {
	if n < 0 {
		return fmt.Errorf("sample: record count %d is negative", n)
	}
	if err := checkNow(now); err != nil {
		return err
	}
	m := &maker{r: newRand(seed, streamResync), now: now.Unix(), site: "ABC"}
	clients := max(1, min(n, maxSerial))
	buf := make([]byte, 0, resyncChunk*record.Size)
	invalid := 0
	for range n {
		id := smsID(m.site, 1+uint32(m.r.IntN(clients)))
		var t uint32
		switch x := m.r.IntN(1000); {
		case x < 2:
			id = m.invalidID(invalid%invalidKinds, id)
			invalid++
			t = m.pastTime()
		case x < 7:
			t = 0
		case x < 12:
			t = m.futureTime()
		case x < 22:
			t = m.boundaryTime()
		default:
			t = m.pastTime()
		}
		e := m.entry(id, t)
		buf = append(buf, e.Raw[:]...)
		if len(buf) == cap(buf) {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	if len(buf) > 0 {
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}
