package check

import (
	"fmt"
	"strings"

	"github.com/dumpsync/dumpsync/internal/apply"
	"github.com/dumpsync/dumpsync/internal/paths"
	"github.com/dumpsync/dumpsync/internal/planread"
	"github.com/dumpsync/dumpsync/internal/report"
)

// PlanOptions are the gates of the plan mode.
type PlanOptions struct {
	AllowRoots []string       // OutsideRoot for a Path under none of them (absolute); empty = no gate
	MaxRemove  Limit          // TooManyRemovals: more than N RemoveEntry rows
	MaxDelete  Limit          // TooManyDeletions: more than N DeleteFile rows
	Verify     bool           // StaleRow for each row apply --what-if would not apply
	Progress   func(rows int) // told the rows --verify has checked, folder by folder; may be nil
}

// PlanGate gates a plan read, checked and spooled as apply reads it
// (applycmd.SpoolPlan, with Row told every row) and emits its findings with
// Emit: InvalidRow per problem in plan order, OutsideRoot per row in plan
// order, then the counts, then StaleRow per row with --verify. It changes
// nothing: --verify runs apply's what-if. It keeps the InvalidRow findings
// and two counts; the rows stay in the spool.
type PlanGate struct {
	opt              PlanOptions
	invalid          []Finding
	removes, deletes int64
}

// NewPlanGate returns the gate of opt.
func NewPlanGate(opt PlanOptions) *PlanGate { return &PlanGate{opt: opt} }

// Plan gates the rows of p, a plan in memory (planread.Read): a Plan in a
// spool in memory through PlanGate.
func Plan(p *planread.Plan, opt PlanOptions, emit func(*Finding) error) (Summary, error) {
	sp := planread.NewMemSpool()
	ap := apply.NewPlan(sp)
	g := NewPlanGate(opt)
	_, err := planread.SpoolPlan(planread.SliceSource(p), sp, planread.Options{}, func(ref, end planread.Ref, r *planread.Row, dup bool, errs []planread.RowError) error {
		if !dup && len(errs) == 0 {
			ap.Add(ref, end, r)
		}
		return g.Row(ref, end, r, dup, errs)
	})
	if err != nil {
		return Summary{Inputs: 1}, err
	}
	return g.Emit(sp, ap, emit)
}

// SetProgress sets PlanOptions.Progress (once the number of rows is known).
func (g *PlanGate) SetProgress(f func(rows int)) { g.opt.Progress = f }

// Row takes one row as applycmd.SpoolPlan reads it.
func (g *PlanGate) Row(_, _ planread.Ref, r *planread.Row, dup bool, errs []planread.RowError) error {
	for _, e := range errs {
		g.invalid = append(g.invalid, Finding{Severity: Error, Code: "InvalidRow", Message: e.Error(),
			Path: nonEmpty(r.Path), SmsId: nonEmpty(r.SmsId)})
	}
	if dup {
		return nil
	}
	switch r.Action {
	case planread.RemoveEntry:
		g.removes++
	case planread.DeleteFile:
		g.deletes++
	}
	return nil
}

// Emit emits the findings of the plan whose rows are in sp (every row
// Row kept) and p (those without a problem).
func (g *PlanGate) Emit(sp *planread.Spool, p *apply.Plan, emit func(*Finding) error) (Summary, error) {
	opt := g.opt
	sum := Summary{Inputs: 1}
	out := func(f Finding) error {
		sum.count(&f)
		return emit(&f)
	}
	for _, f := range g.invalid {
		if err := out(f); err != nil {
			return sum, err
		}
	}
	if len(opt.AllowRoots) > 0 {
		roots := strings.Join(opt.AllowRoots, ", ")
		var lastPath, hint string // the rows of one file are together: the hint once per file
		err := sp.Scan(0, sp.Size(), func(_ planread.Ref, r *planread.Row, _ byte) error {
			if paths.WithinAny(r.Path, opt.AllowRoots) {
				return nil
			}
			if r.Path != lastPath {
				lastPath, hint = strings.Clone(r.Path), planread.MisreadHint(r.Path, opt.AllowRoots)
			}
			return out(Finding{Severity: Error, Code: "OutsideRoot", Path: nonEmpty(r.Path), SmsId: nonEmpty(r.SmsId),
				Message: fmt.Sprintf("row %d: Path is under none of the allowed roots (--allow-root %s)%s", r.N, roots, hint)})
		})
		if err != nil {
			return sum, err
		}
	}
	if opt.MaxRemove.Exceeded(g.removes) {
		if err := out(Finding{Severity: Error, Code: "TooManyRemovals",
			Message: fmt.Sprintf("the plan removes %s, more than --max-remove %d", report.Count(g.removes, "entry", "entries"), opt.MaxRemove.N)}); err != nil {
			return sum, err
		}
	}
	if opt.MaxDelete.Exceeded(g.deletes) {
		if err := out(Finding{Severity: Error, Code: "TooManyDeletions",
			Message: fmt.Sprintf("the plan deletes %s, more than --max-delete %d", report.Count(g.deletes, "file", "files"), opt.MaxDelete.N)}); err != nil {
			return sum, err
		}
	}
	// Only rows apply would accept (those in p) can be compared with the
	// files. The what-if emits its Results in plan order once every folder
	// is checked.
	if !opt.Verify || p.Rows() == 0 {
		return sum, nil
	}
	_, err := apply.RunPlan(p, apply.Options{WhatIf: true, Progress: opt.Progress}, func(row *planread.Row, r *apply.Result) error {
		if r.Status == apply.WhatIf {
			return nil
		}
		return out(Finding{Severity: Warning, Code: "StaleRow", Path: nonEmpty(r.Path), SmsId: r.SmsId,
			Offset: r.Offset, Message: fmt.Sprintf("row %d: %s would be %s: %s", row.N, r.Action, r.Status, r.Detail)})
	})
	return sum, err
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
