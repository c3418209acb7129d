package apply

import (
	"errors"
	"io"
	"sync"

	"github.com/dumpsync/dumpsync/internal/plan"
	"github.com/dumpsync/dumpsync/internal/planread"
)

// PlanSource is plan input made by a planner running in this process (the
// original syntax plans and applies in one run), as FromPlan's rows but
// handed over as they are planned: run runs on a goroutine and gives emit
// each row; the reader takes them a batch at a time. No more than a few
// batches are held, where FromPlan holds the whole plan (hundreds of MB
// for a Resync.cfg of a million requests).
type PlanSource struct {
	batches  chan []planread.Row
	stop     chan struct{}
	finished chan struct{}
	once     sync.Once
	err      error // run's, set before batches is closed

	batch []planread.Row
	next  int
}

// planBatch is how many rows PlanSource hands over at a time, and
// planBatches how many batches it holds ahead of the reader.
const (
	planBatch   = 256
	planBatches = 4
)

// errSourceClosed is what emit returns once the PlanSource is closed: the
// planner stops.
var errSourceClosed = errors.New("plan source closed")

// NewPlanSource starts run, which calls emit with each row it plans, in
// order, and returns its error (run must return emit's error when emit
// fails). Close must be called.
func NewPlanSource(run func(emit func(*plan.Row) error) error) *PlanSource {
	s := &PlanSource{
		batches:  make(chan []planread.Row, planBatches),
		stop:     make(chan struct{}),
		finished: make(chan struct{}),
	}
	go func() {
		defer close(s.finished)
		defer close(s.batches)
		b := make([]planread.Row, 0, planBatch)
		n := 0
		send := func() error {
			select {
			case <-s.stop: // before any room in batches
				return errSourceClosed
			default:
			}
			select {
			case s.batches <- b:
				b = make([]planread.Row, 0, planBatch)
				return nil
			case <-s.stop:
				return errSourceClosed
			}
		}
		err := run(func(r *plan.Row) error {
			n++
			b = append(b, fromPlanRow(n, r))
			if len(b) == planBatch {
				return send()
			}
			return nil
		})
		if len(b) > 0 && err != errSourceClosed {
			// The rows planned before an error come before it.
			if serr := send(); err == nil {
				err = serr
			}
		}
		s.err = err
	}()
	return s
}

// Next returns the next row, io.EOF after the last, or the planner's error
// after the rows planned before it.
func (s *PlanSource) Next() (planread.Row, error) {
	for s.next == len(s.batch) {
		b, ok := <-s.batches
		if !ok {
			if s.err != nil && s.err != errSourceClosed {
				return planread.Row{}, s.err
			}
			return planread.Row{}, io.EOF
		}
		s.batch, s.next = b, 0
	}
	r := s.batch[s.next]
	s.batch[s.next] = planread.Row{} // the reader keeps it; the batch does not
	s.next++
	return r, nil
}

// Format is "json": the rows are as if written by dumpsync plan.
func (s *PlanSource) Format() string { return "json" }

// Truncated is false: the planner's rows are whole.
func (s *PlanSource) Truncated() bool { return false }

// Wrapped is false.
func (s *PlanSource) Wrapped() bool { return false }

// Close stops the planner if it is still at work, waits for it, and
// returns its error (nil when it finished or was stopped by Close).
func (s *PlanSource) Close() error {
	s.once.Do(func() { close(s.stop) })
	<-s.finished
	if s.err == errSourceClosed {
		return nil
	}
	return s.err
}
