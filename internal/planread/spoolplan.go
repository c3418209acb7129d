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
	rd, _ := src.(*Reader)
	if rd != nil {
		rd.b.small = true // rows are dropped as they are spooled: no large slabs
	}
	var r Row
	for {
		var err error
		if rd != nil {
			r = Row{}
			err = rd.nextInto(&r)
		} else {
			r, err = src.Next()
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		out.Read++
		if r.Action == RestoreEntry || r.Action == RestoreFile {
			out.Restores++
		}
		dup, errs := c.Add(&r)
		if err := c.Err(); err != nil {
			return nil, &TempError{err}
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
				if err := each(-1, -1, &r, true, errs); err != nil {
					return nil, err
				}
			}
			continue
		}
		var mark byte
		if len(errs) > 0 {
			mark = MarkInvalid
		}
		ref, err := sp.Append(&r, mark)
		if err != nil {
			return nil, &TempError{err}
		}
		if each != nil {
			if err := each(ref, sp.Size(), &r, false, errs); err != nil {
				return nil, err
			}
		}
	}
	out.Format, out.Truncated, out.Wrapped = src.Format(), src.Truncated(), src.Wrapped()
	return out, nil
}
