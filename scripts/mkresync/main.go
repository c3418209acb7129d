// Command mkresync writes a synthetic Resync.cfg for benchmarks:
//
//	go run ./scripts/mkresync -n 10000000 -o /tmp/Resync.cfg
//
// Records have distinct SMSIDs, request times spread over the three years
// before -now (1 in 50 unknown, 0), about 1 in 100 invalid SMSIDs, and
// pseudo-random extra bytes. The output is the same for the same flags.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"time"

	"github.com/dumpsync/dumpsync/internal/record"
)

func main() {
	n := flag.Int("n", 1_000_000, "number of records")
	out := flag.String("o", "Resync.cfg", "file to write")
	now := flag.String("now", "2026-11-01T00:00:00Z", "times are spread over the three years before this RFC 3339 time")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if err := write(*out, *n, *now, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "mkresync:", err)
		os.Exit(1)
	}
}

func write(path string, n int, nowText string, seed uint64) error {
	now, err := time.Parse(time.RFC3339, nowText)
	if err != nil {
		return err
	}
	end := uint32(now.Unix())
	const span = 3 * 365 * 86400
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var extra [record.ExtraSize]byte
	id := make([]byte, 0, 16)
	for i := 0; i < n; i++ {
		id = append(id[:0], "SMS"...)
		id = strconv.AppendUint(id, uint64(i), 36)
		if rng.IntN(100) == 0 {
			id[1] = '/' // invalid
		}
		t := end - uint32(rng.IntN(span))
		if rng.IntN(50) == 0 {
			t = 0
		}
		for j := range extra {
			extra[j] = byte(rng.Uint32())
		}
		e := record.Make(string(id), t, extra[:])
		if _, err := w.Write(e.Raw[:]); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
