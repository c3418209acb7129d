package dump

import (
	"io"
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
	maxWorkers   = 2    // the writer runs beside them; more workers mostly cost memory
)

// workers is how many goroutines format records; 1 means no pipeline.
func workers() int { return min(runtime.GOMAXPROCS(0), maxWorkers) }

// job is one chunk of a file's records on its way through the pipeline.
type job struct {
	first   int64  // index of the first record in the file
	invalid int64  // invalid entries among them
	data    []byte // the records, read straight from the file
	out     []byte
	done    chan struct{} // closed when out is ready
}

func newJob() *job { return &job{data: make([]byte, chunkRecords*record.Size)} }

// read reads j's next records from rr; it reports false at the end, with
// err the end's reason (io.EOF when there was nothing wrong).
func (j *job) read(rr *resync.Records, first int64) (ok bool, err error) {
	n, err := rr.Next(j.data[:cap(j.data)])
	j.first, j.data = first, j.data[:n]
	return n > 0, err
}

// records is how many records j holds.
func (j *job) records() int64 { return int64(len(j.data) / record.Size) }

// format formats j's records into j.out through f.
func (j *job) format(f *output.Formatter, v *view) {
	j.out, j.invalid = j.out[:0], 0
	for k := 0; k < len(j.data); k += record.Size {
		v.index = j.first + int64(k/record.Size)
		j.out = v.append(j.out, f, (*[record.Size]byte)(j.data[k:]))
		if !v.valid {
			j.invalid++
		}
	}
}

// write hands a formatted job to c and counts its entries.
func (j *job) write(c output.Chunked, counts *Counts) error {
	if err := c.WriteChunk(j.out, int(j.records())); err != nil {
		return err
	}
	if counts != nil {
		counts.Entries += j.records()
		counts.Invalid += j.invalid
	}
	return nil
}

// fileChunked dumps one file through c with n formatting goroutines (none
// when n is 1: the reading goroutine formats). It returns the file's read
// error (a partial record, say) and the first write error, which stops the
// dump.
func fileChunked(path string, opt Options, now int64, c output.Chunked, n int) (serr, werr error) {
	rr, serr := resync.OpenRecords(path)
	if serr != nil {
		return serr, nil
	}
	defer rr.Close()
	newView := func() *view { return &view{path: path, now: now, raw: opt.Raw} }
	if n <= 1 {
		f, v := c.NewFormatter(), newView()
		j := newJob()
		for next := int64(0); ; next += j.records() {
			ok, err := j.read(rr, next)
			if !ok {
				return readErr(err), nil
			}
			j.format(f, v)
			if werr := j.write(c, opt.Counts); werr != nil {
				return nil, werr
			}
		}
	}

	// Each worker reads a chunk (under mu, which also gives the chunk its
	// place in order), formats it, and goes back for the next; the writer
	// writes the chunks in order. No goroutine only reads or hands over.
	order := make(chan *job, n+2) // to the writer, in file order
	free := make(chan *job, n+2)  // buffers for reuse: the bound on memory
	for range cap(free) {
		free <- newJob()
	}
	var (
		mu      sync.Mutex
		next    int64 // index of the next record to read
		end     bool  // the file is read (or a read failed)
		stopped atomic.Bool
		wg      sync.WaitGroup
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, v := c.NewFormatter(), newView()
			for {
				j := <-free
				mu.Lock()
				if end || stopped.Load() {
					mu.Unlock()
					free <- j
					return
				}
				ok, err := j.read(rr, next)
				if !ok {
					end, serr = true, readErr(err)
					mu.Unlock()
					free <- j
					return
				}
				next += j.records()
				j.done = make(chan struct{})
				order <- j // never blocks: it has room for every job
				mu.Unlock()
				j.format(f, v)
				close(j.done)
			}
		}()
	}
	go func() {
		wg.Wait()
		close(order)
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
	return serr, werr
}

// readErr is the error a read ended with, nil for the end of the file.
func readErr(err error) error {
	if err == io.EOF {
		return nil
	}
	return err
}
