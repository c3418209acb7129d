package main

import (
	"time"

	"github.com/dumpsync/dumpsync/internal/apply"
	"github.com/dumpsync/dumpsync/internal/applycmd"
	"github.com/dumpsync/dumpsync/internal/exitcode"
	"github.com/dumpsync/dumpsync/internal/output"
	"github.com/dumpsync/dumpsync/internal/planread"
	"github.com/dumpsync/dumpsync/internal/report"
)

// ApplyCmd is `dumpsync apply`.
type ApplyCmd struct {
	Plan      string   `arg:"" name:"PLAN" help:"The plan (JSON, JSON Lines or CSV, as written by 'dumpsync plan' and possibly filtered in PowerShell), an undo file, or - for stdin."`
	WhatIf    bool     `name:"what-if" help:"Check every row against the files as they are now and report what would happen; change and create nothing."`
	BackupDir string   `placeholder:"DIR" help:"Move deleted files under DIR/<UTC timestamp>/ keeping their whole path, instead of deleting them."`
	Undo      string   `placeholder:"FILE" xor:"undo" help:"Write the undo file to FILE (default: <user cache>/dumpsync/undo/<UTC timestamp>.json)."`
	NoUndo    bool     `xor:"undo" help:"Write no undo file."`
	Within    []string `sep:"none" placeholder:"DIR" help:"Required: the folders the plan may change (the site, the logon servers); a plan with a Path under none of them is rejected. Repeatable."`
	Yes       bool     `short:"y" xor:"confirm" help:"Do not ask 'Apply these changes?' on a terminal (-Confirm:$false does the same)."`
	Confirm   bool     `hidden:"" xor:"confirm" help:"Ask even when stderr is not a terminal (PowerShell's -Confirm); stdin must be one."`
}

// Help is shown by 'dumpsync apply --help'.
func (c *ApplyCmd) Help() string {
	return `Removes exactly the planned records and files, and only while they are as planned: a row whose file
changed since the plan is Skipped. Records appended meanwhile are kept. Each change is written to the undo
file before it is made; 'dumpsync apply UNDOFILE' puts everything back.

Results: the row's fields, then Status (Applied, Skipped, Failed, WhatIf) and Detail.

Before changing anything it says what the plan holds; when stdin and stderr are both a terminal it
then asks 'Apply these changes? [y/N]' (not with --yes or --what-if; -Confirm asks whenever stdin is
a terminal). Any answer but y or yes changes nothing and exits 1. It ends with one summary line on
stderr, and with exit code 1 the most frequent reasons (--quiet drops both).
-WhatIf and -Confirm:$false work as --what-if and --yes.

Exit codes: 0 every row Applied (or WhatIf); 1 some row Skipped or Failed, or the answer was no;
2 invalid plan or usage (no --within), nothing changed; 130 interrupted (Ctrl-C): the current file
was finished, the rows not reached are Skipped in the results.

Examples:
  dumpsync apply plan.json --within \\sms01\SMS_ABC --what-if
  dumpsync apply plan.json --within \\sms01\SMS_ABC --within \\LOGON1\SMSLOGON
  Import-Csv plan.csv -Encoding UTF8 | Where-Object Action -eq DeleteFile | Export-Csv filtered.csv -Encoding UTF8
  dumpsync apply filtered.csv --within D:\SMS
  Get-Content plan.json | dumpsync apply - --within D:\SMS --backup-dir E:\dumpsync-backup
  dumpsync apply $env:LOCALAPPDATA\dumpsync\undo\20261125T093000Z.json --within \\sms01\SMS_ABC    # undo`
}

// Run applies the plan.
func (c *ApplyCmd) Run(g *Globals, s *Streams, rep *report.Reporter, now Clock) error {
	// --now is only validated: apply decides on the plan's integers, and
	// names backup folders and undo files by the wall clock.
	if _, err := g.clock(now); err != nil {
		return err
	}
	if err := applycmd.RequireWithin(c.Within); err != nil {
		return err
	}
	// -Confirm asks whenever stdin is a terminal; without it both stdin and
	// stderr must be, so that a script or a CI log never waits for an answer.
	// A plan read from stdin leaves no terminal to answer on.
	interactive := s.InTTY && c.Plan != "-" && (s.ErrTTY || c.Confirm)
	if c.Confirm && !interactive && !c.WhatIf {
		return exitcode.UsageHint("run it at a console, or drop -Confirm (use --yes to apply without asking)",
			"-Confirm: no terminal to answer on (stdin is not a console, or it carries the plan); nothing was changed")
	}
	src, done, name, err := applycmd.OpenPlan(s.In, c.Plan)
	if err != nil {
		return err
	}
	defer done()
	req := c.request(g, s, rep, now(), name, src, "")
	if interactive && !c.Yes {
		req.Ask = s.In
	}
	return applycmd.Run(req)
}

// request turns the flags into an applycmd.Request. now names the backup
// folder and the default undo file: the wall clock, not --now. force is the
// format used when --format is auto.
func (c *ApplyCmd) request(g *Globals, s *Streams, rep *report.Reporter, now time.Time, name string, src planread.RowSource, force string) *applycmd.Request {
	format := output.Format(g.Format)
	if force != "" && format == output.Auto {
		format = output.Format(force)
	}
	return &applycmd.Request{
		Name: name, Source: src,
		Within: c.Within, WhatIf: c.WhatIf, BackupDir: c.BackupDir, Undo: c.Undo, NoUndo: c.NoUndo,
		Now: now, Terminal: s.ErrTTY, Stderr: s.Err, Report: rep, Interrupt: s.Interrupt,
		Open: func() (applycmd.Results, error) { return g.openAs(s, apply.Result{}, format) },
	}
}
