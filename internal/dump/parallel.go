package dump

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/dumpsync/dumpsync/internal/output"
	"github.com/dumpsync/dumpsync/internal/record"
	"github.com/dumpsync/dumpsync/internal/resync"
)

// With more than one CPU, a file's records are formatted in chunks on
// several goroutines and written in order, so the output is byte for byte
// what one goroutine writes. Memory is bounded by the jobs in flight.
const (
	chunkRecords = 2048 // records per job: 96 KiB read, about 500 KiB written
	maxWorkers   = 2    // the reader and the writer run beside them; more workers mostly cost memory
)

// workers is how many goroutines format records; 1 means no pipeline.
func workers() int { return min(runtime.GOMAXPROCS(0), maxWorkers) }

// job is one chunk of a file's records on its way through the pipeline.
type job struct {
	first   int64 // index of recs[0] in the file
	invalid int64 // invalid entries among recs
	recs    []record.Entry
	out     []byte
	done    chan struct{} // closed when out is ready
}

// format formats j's records into j.out through f.
func (j *job) format(f *output.Formatter, v *view) {
	j.out, j.invalid = j.out[:0], 0
	for k := range j.recs {
		v.index, v.e = j.first+int64(k), &j.recs[k]
		j.out = v.append(j.out, f)
		if !v.valid {
			j.invalid++
		}
	}
}

// write hands a formatted job to c and counts its entries.
func (j *job) write(c output.Chunked, counts *Counts) error {
	if err := c.WriteChunk(j.out, len(j.recs)); err != nil {
		return err
	}
	if counts != nil {
		counts.Entries += int64(len(j.recs))
		counts.Invalid += j.invalid
	}
	return nil
}

var errStopped = errors.New("dump: stopped")

// fileChunked dumps one file through c with n formatting goroutines (none
// when n is 1: the reading goroutine formats). It returns the file's read
// error (a partial record, say) and the first write error, which stops the
// dump.
func fileChunked(path string, opt Options, now int64, c output.Chunked, n int) (serr, werr error) {
	newView := func() *view { return &view{path: path, now: now, raw: opt.Raw} }
	if n <= 1 {
		f, v := c.NewFormatter(), newView()
		j := &job{recs: make([]record.Entry, 0, chunkRecords)}
		flush := func() error {
			j.format(f, v)
			werr = j.write(c, opt.Counts)
			j.recs = j.recs[:0]
			return werr
		}
		_, serr = resync.Read(path, func(i int64, e *record.Entry) error {
			if len(j.recs) == 0 {
				j.first = i
			}
			j.recs = append(j.recs, *e)
			if len(j.recs) == chunkRecords {
				return flush()
			}
			return nil
		})
		if werr != nil {
			return nil, werr
		}
		if len(j.recs) > 0 {
			flush()
		}
		return serr, werr
	}

	jobs := make(chan *job)       // to the formatters
	order := make(chan *job, n+2) // to the writer, in file order
	free := make(chan *job, n+2)  // buffers for reuse: the bound on memory
	for range cap(free) {
		free <- &job{recs: make([]record.Entry, 0, chunkRecords)}
	}
	var stopped atomic.Bool

	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, v := c.NewFormatter(), newView()
			for j := range jobs {
				j.format(f, v)
				close(j.done)
			}
		}()
	}

	go func() {
		defer close(order)
		defer close(jobs)
		var cur *job
		send := func() {
			order <- cur
			jobs <- cur
			cur = nil
		}
		_, serr = resync.Read(path, func(i int64, e *record.Entry) error {
			if cur == nil {
				if stopped.Load() {
					return errStopped
				}
				cur = <-free
				cur.first, cur.recs, cur.done = i, cur.recs[:0], make(chan struct{})
			}
			cur.recs = append(cur.recs, *e)
			if len(cur.recs) == chunkRecords {
				send()
			}
			return nil
		})
		if cur != nil {
			send()
		}
		if serr == errStopped {
			serr = nil
		}
	}()

	for j := range order {
		<-j.done
		if werr == nil {
			if werr = j.write(c, opt.Counts); werr != nil {
				stopped.Store(true)
			}
		}
		free <- j
	}
	wg.Wait()
	return serr, werr
}
