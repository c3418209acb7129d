package planread

import "io"

// RowSource yields the rows of a plan one at a time: a Reader, or
// SliceSource for rows already in memory.
type RowSource interface {
	Next() (Row, error)
	Format() string
	Truncated() bool
	Wrapped() bool
}

// SliceSource yields the rows of p.
func SliceSource(p *Plan) RowSource { return &sliceSource{p: p} }

type sliceSource struct {
	p *Plan
	i int
}

func (s *sliceSource) Next() (Row, error) {
	if s.i >= len(s.p.Rows) {
		return Row{}, io.EOF
	}
	s.i++
	return s.p.Rows[s.i-1], nil
}
func (s *sliceSource) Format() string  { return s.p.Format }
func (s *sliceSource) Truncated() bool { return s.p.Truncated }
func (s *sliceSource) Wrapped() bool   { return s.p.Wrapped }

// TempError is an error of the Spool, not of the plan.
type TempError struct{ Err error }

func (e *TempError) Error() string { return e.Err.Error() }
func (e *TempError) Unwrap() error { return e.Err }

// MarkInvalid is the Spool mark of a row Validate found a problem in.
const MarkInvalid = 1

// Spooled is a plan read, checked and spooled in one pass by SpoolPlan.
type Spooled struct {
	Spool *Spool
	// Read is how many rows were read, duplicates included (len(Plan.Rows)
	// for Read); Restores how many of them restore (undo rows).
	Read, Restores int
	// Errs are the problems Validate would return, in row order; at most
	// Options.MaxErrors of them, and ErrCount counts them all.
	Errs     []RowError
	ErrCount int
	// Format, Truncated and Wrapped are as in Plan.
	Format             string
	Truncated, Wrapped bool
}

// IsUndo reports whether every row restores (and there is at least one).
func (s *Spooled) IsUndo() bool { return s.Read > 0 && s.Restores == s.Read }

// SpoolPlan reads every row of src, checks it as Validate does and appends
// the rows Validate keeps (duplicates are left out) to sp, those with a
// problem marked MarkInvalid; each, when not nil, is told every row read:
// a row kept with its Ref and the Ref after it, a duplicate (left out) with
// dup set, and the row's problems. Only the checker's keys
// and the current row are held in memory. An error reading src (the input is
// not a plan) or writing sp is returned as it is; problems in rows are not
// errors but Spooled.Errs.
func SpoolPlan(src RowSource, sp *Spool, opt Options, each func(ref, end Ref, r *Row, dup bool, errs []RowError) error) (*Spooled, error) {
	out := &Spooled{Spool: sp}
	c := NewChecker(opt, sp)
	take := func(r *Row) error {
		out.Read++
		if r.Action == RestoreEntry || r.Action == RestoreFile {
			out.Restores++
		}
		dup, errs := c.Add(r)
		if err := c.Err(); err != nil {
			return &TempError{err}
		}
		out.ErrCount += len(errs)
		for _, e := range errs {
			if opt.MaxErrors > 0 && len(out.Errs) >= opt.MaxErrors {
				break
			}
			out.Errs = append(out.Errs, e)
		}
		if dup {
			if each != nil {
				return each(-1, -1, r, true, errs)
			}
			return nil
		}
		var mark byte
		if len(errs) > 0 {
			mark = MarkInvalid
		}
		ref, err := sp.Append(r, mark)
		if err != nil {
			return &TempError{err}
		}
		if each != nil {
			return each(ref, sp.Size(), r, false, errs)
		}
		return nil
	}
	if rd, ok := src.(*Reader); ok {
		rd.b.small = true // rows are dropped as they are spooled: no large slabs
		if err := readAhead(rd, take); err != nil {
			return nil, err
		}
	} else {
		for {
			r, err := src.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, err
			}
			if err := take(&r); err != nil {
				return nil, err
			}
		}
	}
	out.Format, out.Truncated, out.Wrapped = src.Format(), src.Truncated(), src.Wrapped()
	return out, nil
}

// batchRows is how many rows readAhead hands over at a time.
const batchRows = 256

// rowBatch is rows read in a row, and the error that ended the reading
// after them (io.EOF at the end of the plan), if it did.
type rowBatch struct {
	rows []Row
	err  error
}

// readAhead reads the rows of rd on a second goroutine, a batch at a time,
// while take checks and spools the rows read before: the parse and the rest
// overlap on two cores. take sees the rows in plan order; an error of the
// input comes after every row before it, as in a loop over rd.next. When
// take fails, readAhead returns at once; the goroutine then stops after the
// row it is reading (the caller must not use rd again).
func readAhead(rd *Reader, take func(*Row) error) error {
	full := make(chan *rowBatch, 2)
	free := make(chan *rowBatch, 4)
	done := make(chan struct{})
	defer close(done)
	// A third goroutine reads the input: the parse is the slowest of the
	// three.
	rd.src.r = newPrefetch(rd.src.r, done)
	go func() {
		defer close(full)
		for {
			var b *rowBatch
			select {
			case b = <-free:
				b.rows = b.rows[:0]
			default:
				b = &rowBatch{rows: make([]Row, 0, batchRows)}
			}
			for len(b.rows) < batchRows {
				b.rows = append(b.rows, Row{})
				if err := rd.nextInto(&b.rows[len(b.rows)-1]); err != nil {
					b.rows, b.err = b.rows[:len(b.rows)-1], err
					break
				}
			}
			select {
			case full <- b:
			case <-done:
				return
			}
			if b.err != nil {
				return
			}
		}
	}()
	for b := range full {
		for i := range b.rows {
			if err := take(&b.rows[i]); err != nil {
				return err
			}
		}
		if b.err == io.EOF {
			return nil
		}
		if b.err != nil {
			return b.err
		}
		clear(b.rows) // nothing of the rows outlives the batch
		select {
		case free <- b:
		default:
		}
	}
	return nil
}
