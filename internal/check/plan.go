package check

import (
	"fmt"

	"github.com/dumpsync/dumpsync/internal/apply"
	"github.com/dumpsync/dumpsync/internal/paths"
	"github.com/dumpsync/dumpsync/internal/planread"
)

// PlanOptions are the gates of the plan mode.
type PlanOptions struct {
	AllowRoots []string       // OutsideRoot for a Path under none of them (absolute); empty = no gate
	MaxRemove  Limit          // TooManyRemovals: more than N RemoveEntry rows
	MaxDelete  Limit          // TooManyDeletions: more than N DeleteFile rows
	Verify     bool           // StaleRow for each row apply --what-if would not apply
	Progress   func(rows int) // told the rows --verify has checked, folder by folder; may be nil
}

// Plan gates a plan read by planread (the same reading and validation as
// apply) and emits its findings: InvalidRow and OutsideRoot per row in plan
// order, then the counts, then StaleRow per row with --verify. It changes
// nothing: --verify runs apply's what-if.
func Plan(p *planread.Plan, opt PlanOptions, emit func(*Finding) error) (Summary, error) {
	sum := Summary{Inputs: 1}
	out := func(f Finding) error {
		sum.count(&f)
		return emit(&f)
	}
	rows, errs := planread.Validate(p, planread.Options{})
	byN := map[int]*planread.Row{}
	for i := range p.Rows {
		byN[p.Rows[i].N] = &p.Rows[i]
	}
	for _, e := range errs {
		f := Finding{Severity: Error, Code: "InvalidRow", Message: e.Error()}
		if r := byN[e.N]; r != nil {
			f.Path, f.SmsId = nonEmpty(r.Path), nonEmpty(r.SmsId)
		}
		if err := out(f); err != nil {
			return sum, err
		}
	}
	if len(opt.AllowRoots) > 0 {
		for i := range rows {
			r := &rows[i]
			if inAny(r.Path, opt.AllowRoots) {
				continue
			}
			if err := out(Finding{Severity: Error, Code: "OutsideRoot", Path: nonEmpty(r.Path), SmsId: nonEmpty(r.SmsId),
				Message: fmt.Sprintf("row %d: Path is under none of the allowed roots", r.N)}); err != nil {
				return sum, err
			}
		}
	}
	var removes, deletes int64
	for i := range rows {
		switch rows[i].Action {
		case planread.RemoveEntry:
			removes++
		case planread.DeleteFile:
			deletes++
		}
	}
	if opt.MaxRemove.Exceeded(removes) {
		if err := out(Finding{Severity: Error, Code: "TooManyRemovals",
			Message: fmt.Sprintf("the plan removes %d entries, more than --max-remove %d", removes, opt.MaxRemove.N)}); err != nil {
			return sum, err
		}
	}
	if opt.MaxDelete.Exceeded(deletes) {
		if err := out(Finding{Severity: Error, Code: "TooManyDeletions",
			Message: fmt.Sprintf("the plan deletes %d files, more than --max-delete %d", deletes, opt.MaxDelete.N)}); err != nil {
			return sum, err
		}
	}
	// Only rows apply would accept can be compared with the files.
	bad := map[int]bool{}
	for _, e := range errs {
		bad[e.N] = true
	}
	var valid []planread.Row
	for i := range rows {
		if !bad[rows[i].N] {
			valid = append(valid, rows[i])
		}
	}
	rows = valid
	if !opt.Verify || len(rows) == 0 {
		return sum, nil
	}
	// Results come in row order; the findings wait until the what-if is over.
	var stale []Finding
	i := 0
	_, err := apply.Run(rows, apply.Options{WhatIf: true, Progress: opt.Progress}, func(r *apply.Result) error {
		n := rows[i].N
		i++
		if r.Status == apply.WhatIf {
			return nil
		}
		stale = append(stale, Finding{Severity: Warning, Code: "StaleRow", Path: nonEmpty(r.Path), SmsId: r.SmsId,
			Offset: r.Offset, Message: fmt.Sprintf("row %d: %s would be %s: %s", n, r.Action, r.Status, r.Detail)})
		return nil
	})
	if err != nil {
		return sum, err
	}
	for _, f := range stale {
		if err := out(f); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

func inAny(p string, roots []string) bool {
	for _, r := range roots {
		if paths.Within(p, r) {
			return true
		}
	}
	return false
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
