package apply

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/dumpsync/dumpsync/internal/output"
	"github.com/dumpsync/dumpsync/internal/planread"
)

// RunPlanChunked's results are formatted from the spool a chunk (about a
// megabyte of it) at a time. With more than one CPU the chunks are
// formatted on several goroutines and written in order, as dump does: the
// bytes are those one goroutine writes. Outcomes are taken, and tally
// told, in plan order by the goroutine that reads the spool.
const maxResultWorkers = 2

// resultChunkBytes is how much of the spool a chunk holds: its Results
// take about 2.5 times as much.
const resultChunkBytes = 256 << 10

// resultWorkers is how many goroutines format results; 1: no pipeline.
func resultWorkers() int { return min(runtime.GOMAXPROCS(0), maxResultWorkers) }

// resultJob is one chunk of the spool on its way to the output.
type resultJob struct {
	base planread.Ref        // the Ref of data[0]
	in   *planread.RawReader // reads data: the buffer is the job's
	data []byte              // whole spool records
	outs []outcome           // the outcomes of its rows (those not marked invalid), in order
	out  []byte              // the Results, formatted
	n    int                 // how many
	err  error               // of decoding or formatting
	done chan struct{}
}

// collect takes the outcome of each row of j from rp, in order, and tells
// tally.
func (j *resultJob) collect(rp *resultsPass, tally func(status, detail string)) error {
	j.outs = j.outs[:0]
	return planread.Marks(j.data, j.base, func(_ planread.Ref, mark byte) error {
		if mark == planread.MarkInvalid {
			return nil // not added to the plan
		}
		status, detail, err := rp.next()
		if err != nil {
			return err
		}
		if tally != nil {
			tally(status, detail)
		}
		j.outs = append(j.outs, outcome{status: status, detail: detail})
		return nil
	})
}

// format formats the Results of j's rows into j.out.
func (j *resultJob) format(rr *planread.RawReader, f *output.Formatter) {
	j.out, j.n = slices.Grow(j.out[:0], 3*len(j.data)), 0
	v := resultView{}
	j.err = rr.Scan(j.data, j.base, func(_ planread.Ref, row *planread.RawRow) error {
		if row.Mark == planread.MarkInvalid {
			return nil
		}
		o := j.outs[j.n]
		v.row, v.status, v.detail = row, o.status, o.detail
		j.out = f.Append(j.out, &v)
		j.n++
		return nil
	})
}

// read fills j with the next records of sp from ref from on, before to,
// read into j's own buffer.
func (j *resultJob) read(sp *planread.Spool, from, to planread.Ref) (next planread.Ref, err error) {
	if j.in == nil {
		j.in = sp.NewRawReader()
	}
	data, next, err := j.in.Chunk(from, to, resultChunkBytes)
	if err != nil {
		return 0, err
	}
	j.base, j.data = from, data
	return next, nil
}

// writeResults writes the Result of every row of sp that was added to the
// plan, in order, through c, with n formatting goroutines. An error of c is
// an emitError.
func writeResults(sp *planread.Spool, rp *resultsPass, c output.Chunked, tally func(status, detail string), n int) error {
	size := sp.Size()
	if n <= 1 {
		rr, f := sp.NewRawReader(), c.NewFormatter()
		j := &resultJob{}
		for ref := planread.Ref(0); ref < size; {
			var err error
			if ref, err = j.read(sp, ref, size); err != nil {
				return err
			}
			if err := j.collect(rp, tally); err != nil {
				return err
			}
			if j.format(rr, f); j.err != nil {
				return j.err
			}
			if err := c.WriteChunk(j.out, j.n); err != nil {
				return emitError{err}
			}
		}
		return nil
	}

	jobs := make(chan *resultJob)       // to the formatters
	order := make(chan *resultJob, n+2) // to the writer, in spool order
	free := make(chan *resultJob, n+2)  // buffers for reuse: the bound on memory
	for range cap(free) {
		free <- &resultJob{}
	}
	var stopped atomic.Bool
	var readErr error
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rr, f := sp.NewRawReader(), c.NewFormatter()
			for j := range jobs {
				j.format(rr, f)
				close(j.done)
			}
		}()
	}
	go func() {
		defer close(order)
		defer close(jobs)
		for ref := planread.Ref(0); ref < size && !stopped.Load(); {
			j := <-free
			var err error
			if ref, err = j.read(sp, ref, size); err == nil {
				err = j.collect(rp, tally)
			}
			if err != nil {
				readErr = err
				return
			}
			j.done = make(chan struct{})
			order <- j
			jobs <- j
		}
	}()
	var err error
	for j := range order {
		<-j.done
		if err == nil {
			if err = j.err; err == nil {
				if werr := c.WriteChunk(j.out, j.n); werr != nil {
					err = emitError{werr}
				}
			}
			if err != nil {
				stopped.Store(true)
			}
		}
		free <- j
	}
	wg.Wait()
	if err == nil {
		err = readErr
	}
	return err
}
