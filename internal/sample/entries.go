package sample

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/dumpsync/dumpsync/internal/record"
)

const (
	daySeconds    = 86400
	maxAgeDays    = 800 // ordinary requests are 0–800 days old
	maxFutureDays = 30  // a request "in the future" is at most this far ahead
	maxSerial     = 0xFFFFF
)

// boundaryDays are the ages given to requests placed exactly on a day
// boundary: the day counts people are likely to pass to dumpsync, and their
// neighbours, so that a cutoff test lands on them.
var boundaryDays = []int64{1, 7, 30, 31, 60, 90, 180, 365, 366, 730}

// Kinds of invalid record, in the order Generate cycles through them, so that
// n/InvalidEvery >= invalidKinds gives one of each.
const (
	invalidSlash        = iota // '/' in the SMSID
	invalidDash                // '-' in the SMSID
	invalidEmpty               // SMSID field starts with NUL
	invalidGarbage             // non-NUL bytes after the terminating NUL
	invalidUnterminated        // all 16 bytes used, no NUL
	invalidHighByte            // a Latin-1 byte (0xE9) in the SMSID
	invalidKinds
)

// newRand gives each part of the tree its own stream, so that for example
// the number of logon servers does not change a domain's Resync.cfg.
func newRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream*0x9E3779B97F4A7C15+0x632BE59BD9B4E019))
}

// checkNow reports whether every time the generator derives from now fits
// the record's uint32 Unix seconds and stays above 0 (0 means "unknown").
func checkNow(now time.Time) error {
	u := now.Unix()
	if u-(maxAgeDays+1)*daySeconds <= 0 || u+(maxFutureDays+1)*daySeconds > math.MaxUint32 {
		return fmt.Errorf("sample: now %s is out of range: request times must fit uint32 Unix seconds", now.UTC().Format(time.RFC3339))
	}
	return nil
}

// maker draws the parts of records from one random stream.
type maker struct {
	r     *rand.Rand
	now   int64
	site  string
	extra [record.ExtraSize]byte
}

// pastTime is an ordinary request time, 0–800 days before now.
func (m *maker) pastTime() uint32 {
	return uint32(m.now - m.r.Int64N(maxAgeDays*daySeconds+1))
}

func (m *maker) futureTime() uint32 {
	return uint32(m.now + 1 + m.r.Int64N(maxFutureDays*daySeconds))
}

func (m *maker) boundaryTime() uint32 {
	return uint32(m.now - boundaryDays[m.r.IntN(len(boundaryDays))]*daySeconds)
}

// entry builds a record with fresh extra bytes. The extra bytes are never
// zero, so a writer that loses or zeroes them is caught by comparing bytes.
func (m *maker) entry(id string, t uint32) record.Entry {
	for i := 0; i < len(m.extra); i += 8 {
		v := m.r.Uint64()
		for j := i; j < i+8 && j < len(m.extra); j++ {
			b := byte(v)
			if b == 0 {
				b = 0xA5
			}
			m.extra[j] = b
			v >>= 8
		}
	}
	return record.Make(id, t, m.extra[:])
}

// invalidID returns the SMSID field of an invalid record of the given kind,
// derived from the valid SMSID base (8 characters).
func (m *maker) invalidID(kind int, base string) string {
	switch kind {
	case invalidSlash:
		return base[:3] + "/" + base[4:]
	case invalidDash:
		return base[:3] + "-" + base[3:]
	case invalidEmpty:
		return ""
	case invalidGarbage:
		g := []byte{'#', byte('A' + m.r.IntN(26)), byte('0' + m.r.IntN(10))}
		return base + "\x00" + string(g)
	case invalidUnterminated:
		return base + base
	case invalidHighByte:
		return base[:3] + "\xE9" + base[4:]
	}
	panic("sample: unknown invalid kind")
}

// smsID formats an SMSID: the site code and a 5-digit upper-case hex serial.
func smsID(site string, serial uint32) string {
	const digits = "0123456789ABCDEF"
	var b [8]byte
	copy(b[:3], site)
	for i := 7; i >= 3; i-- {
		b[i] = digits[serial&0xF]
		serial >>= 4
	}
	return string(b[:])
}

// serials hands out distinct, increasing SMSID serials with random gaps.
type serials struct {
	r    *rand.Rand
	site string
	next uint32
	gap  int
}

func (s *serials) id() string {
	s.next += 1 + uint32(s.r.IntN(s.gap))
	if s.next > maxSerial {
		// Generate checks the bound before it starts.
		panic("sample: SMSID serials exhausted")
	}
	return smsID(s.site, s.next)
}
