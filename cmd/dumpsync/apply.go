package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/dumpsync/dumpsync/internal/apply"
	"github.com/dumpsync/dumpsync/internal/exitcode"
	"github.com/dumpsync/dumpsync/internal/interrupt"
	"github.com/dumpsync/dumpsync/internal/output"
	"github.com/dumpsync/dumpsync/internal/planread"
)

// ApplyCmd is `dumpsync apply`.
type ApplyCmd struct {
	Plan      string   `arg:"" name:"PLAN" help:"The plan (JSON, JSON Lines or CSV, as written by 'dumpsync plan' and possibly filtered in PowerShell), an undo file, or - for stdin."`
	WhatIf    bool     `name:"what-if" help:"Check every row against the files as they are now and report what would happen; change and create nothing."`
	BackupDir string   `placeholder:"DIR" help:"Move deleted files under DIR/<UTC timestamp>/ keeping their whole path, instead of deleting them."`
	Undo      string   `placeholder:"FILE" xor:"undo" help:"Write the undo file to FILE (default: <user cache>/dumpsync/undo/<UTC timestamp>.json)."`
	NoUndo    bool     `xor:"undo" help:"Write no undo file."`
	Within    []string `placeholder:"DIR" help:"Reject the plan unless every Path lies under one of these folders. Repeatable."`
}

// Help is shown by 'dumpsync apply --help'.
func (c *ApplyCmd) Help() string {
	return `Removes exactly the planned records and files, and only while they are as planned: a row whose file
changed since the plan is Skipped. Records appended meanwhile are kept. Each change is written to the undo
file before it is made; 'dumpsync apply UNDOFILE' puts everything back.

Results: the row's fields, then Status (Applied, Skipped, Failed, WhatIf) and Detail.

Exit codes: 0 every row Applied (or WhatIf); 1 some row Skipped or Failed; 2 invalid plan or usage, nothing changed;
130 interrupted (Ctrl-C): the current file was finished, the rows not reached are Skipped in the results.

Examples:
  dumpsync apply plan.json --within \\sms01\SMS_ABC --what-if
  dumpsync apply plan.json --within \\sms01\SMS_ABC --within \\LOGON1\SMSLOGON
  Import-Csv plan.csv | Where-Object Action -eq DeleteFile | Export-Csv filtered.csv; dumpsync apply filtered.csv --within D:\SMS
  Get-Content plan.json | dumpsync apply - --within D:\SMS --backup-dir E:\dumpsync-backup
  dumpsync apply $env:LOCALAPPDATA\dumpsync\undo\20261125T093000Z.json    # undo`
}

// Run applies the plan.
func (c *ApplyCmd) Run(g *Globals, s *Streams, now Clock) error {
	// --now is only validated: apply decides on the plan's integers, and
	// names backup folders and undo files by the wall clock.
	if _, err := g.clock(now); err != nil {
		return err
	}
	p, name, err := readPlan(s, c.Plan)
	if err != nil {
		return err
	}
	if p.Truncated {
		fmt.Fprintf(s.Err, "dumpsync: %s was cut short (no closing ]): applying its %d complete rows\n", name, len(p.Rows))
	}
	return applyRows(g, s, now(), name, p, c, "")
}

// readPlan reads a plan file, or stdin for "-"; any error is a usage error.
func readPlan(s *Streams, arg string) (*planread.Plan, string, error) {
	name := arg
	var in io.Reader = s.In
	if arg == "-" {
		name = "stdin"
	} else {
		f, err := os.Open(arg)
		if err != nil {
			return nil, name, exitcode.UsageErr(err)
		}
		defer f.Close()
		in = f
	}
	p, err := planread.Read(in, name)
	if err != nil {
		return nil, name, exitcode.UsageErr(err)
	}
	if p.Truncated && !isUndo(p) {
		// Only an undo file, written row by row, may be cut short by a crash;
		// a plan without its closing ] is broken, and half of it is not what
		// the user reviewed.
		return nil, name, exitcode.Usagef("%s: cut short (the JSON array has no closing ]); only an undo file cut short by a crash is accepted: nothing changed", name)
	}
	return p, name, nil
}

// isUndo reports whether every row restores (and there is at least one).
func isUndo(p *planread.Plan) bool {
	for _, r := range p.Rows {
		if r.Action != planread.RestoreEntry && r.Action != planread.RestoreFile {
			return false
		}
	}
	return len(p.Rows) > 0
}

// applyRows validates and applies a plan; used by apply and the original syntax.
// now names the backup folder and the default undo file: the wall clock, not --now.
// c carries the apply flags; force is the format used when --format is auto.
func applyRows(g *Globals, s *Streams, now time.Time, name string, p *planread.Plan, c *ApplyCmd, force string) error {
	undoPath := c.Undo
	var roots []string
	for _, w := range c.Within {
		abs, err := filepath.Abs(w)
		if err != nil {
			return exitcode.UsageErr(fmt.Errorf("--within %s: %w", w, err))
		}
		roots = append(roots, abs)
	}
	rows, errs := planread.Validate(p, planread.Options{Within: roots})
	if len(errs) > 0 {
		for i, e := range errs {
			if i == 20 {
				fmt.Fprintf(s.Err, "dumpsync: %s: ... and %d more invalid rows\n", name, len(errs)-i)
				break
			}
			fmt.Fprintf(s.Err, "dumpsync: %s: %v\n", name, e)
		}
		return &exitcode.Error{Code: exitcode.Usage, Err: fmt.Errorf("%s: invalid plan; nothing was changed", name)}
	}
	format := output.Format(g.Format)
	if force != "" && g.Format == "auto" {
		format = output.Format(force)
	}
	if len(rows) == 0 {
		fmt.Fprintln(s.Err, "dumpsync: nothing to do")
		// No records is still a valid output: [] in JSON, a header in CSV.
		recs, err := g.openAs(s, apply.Result{}, format)
		if err != nil {
			return err
		}
		return recs.close(nil)
	}
	opt := apply.Options{WhatIf: c.WhatIf, Now: now, Warn: func(err error) { fmt.Fprintf(s.Err, "dumpsync: %v\n", err) },
		Interrupt: s.Interrupt}
	if c.BackupDir != "" {
		if err := apply.RejectInside("--backup-dir", c.BackupDir, rows); err != nil {
			return exitcode.UsageErr(err)
		}
		abs, _ := filepath.Abs(c.BackupDir)
		opt.BackupDir = filepath.Join(abs, now.UTC().Format("20060102T150405Z"))
	}
	// The undo file is checked with --what-if too (it is not created then),
	// so that --what-if gives the exit code the real run would.
	if !c.NoUndo {
		newJournal := apply.NewJournal
		if undoPath == "" {
			newJournal = apply.NewDefaultJournal
			var err error
			if undoPath, err = apply.DefaultUndoPath(now); err != nil {
				return exitcode.UsageErr(err)
			}
		} else {
			if err := apply.RejectInside("--undo", filepath.Dir(undoPath), rows); err != nil {
				return exitcode.UsageErr(err)
			}
			if _, err := os.Lstat(undoPath); err == nil {
				return exitcode.Usagef("--undo %s: file exists; choose a new name", undoPath)
			}
		}
		if !c.WhatIf {
			opt.Undo = newJournal(undoPath, func(p string) { fmt.Fprintf(s.Err, "dumpsync: undo file: %s\n", p) })
		}
	}
	recs, err := g.openAs(s, apply.Result{}, format)
	if err != nil {
		return err
	}
	if !c.WhatIf {
		interrupt.Protect() // from here a second Ctrl-C waits for the current file too
	}
	sum, err := apply.Run(rows, opt, func(r *apply.Result) error { return recs.Encode(r) })
	interrupted := errors.Is(err, interrupt.ErrInterrupted)
	if interrupted {
		err = nil // the results so far are written whole
	}
	if opt.Undo != nil {
		if jerr := opt.Undo.Close(); jerr != nil && err == nil {
			err = jerr
		}
	}
	if err = recs.close(err); err != nil {
		return err
	}
	if interrupted {
		fmt.Fprintf(s.Err, "dumpsync: %s\n", interruptedLine(sum, len(rows), c.WhatIf, opt.Undo))
		return &exitcode.Error{Code: exitcode.Interrupted}
	}
	if s.ErrTTY {
		fmt.Fprintf(s.Err, "applied: %d, skipped: %d, failed: %d, what-if: %d\n", sum.Applied, sum.Skipped, sum.Failed, sum.WhatIf)
	}
	if sum.Attention() {
		return exitcode.NeedsAttention
	}
	return nil
}

// interruptedLine is the one line an interrupted apply ends with: how far it
// got and where its undo file is.
func interruptedLine(sum apply.Summary, rows int, whatIf bool, undo *apply.Journal) string {
	if whatIf {
		return fmt.Sprintf("interrupted: %d of %d rows checked, %d not reached; nothing was changed", rows-sum.NotReached, rows, sum.NotReached)
	}
	line := fmt.Sprintf("interrupted: %d of %d rows applied, %d not reached (Skipped)", sum.Applied, rows, sum.NotReached)
	switch {
	case undo != nil && undo.Rows() > 0:
		line += "; undo file: " + undo.Path()
	case undo == nil && sum.Applied > 0:
		line += "; no undo file (--no-undo)"
	}
	return line
}
