package main

import (
	"time"

	"github.com/dumpsync/dumpsync/internal/apply"
	"github.com/dumpsync/dumpsync/internal/applycmd"
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
	Within    []string `sep:"none" placeholder:"DIR" help:"Reject the plan unless every Path lies under one of these folders. Repeatable."`
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
func (c *ApplyCmd) Run(g *Globals, s *Streams, rep *report.Reporter, now Clock) error {
	// --now is only validated: apply decides on the plan's integers, and
	// names backup folders and undo files by the wall clock.
	if _, err := g.clock(now); err != nil {
		return err
	}
	p, name, err := applycmd.ReadPlan(s.In, c.Plan)
	if err != nil {
		return err
	}
	if p.Truncated {
		rep.Infof("%s was cut short (no closing ]): applying its %d complete rows", name, len(p.Rows))
	}
	return applycmd.Run(c.request(g, s, rep, now(), name, p, ""))
}

// request turns the flags into an applycmd.Request. now names the backup
// folder and the default undo file: the wall clock, not --now. force is the
// format used when --format is auto.
func (c *ApplyCmd) request(g *Globals, s *Streams, rep *report.Reporter, now time.Time, name string, p *planread.Plan, force string) *applycmd.Request {
	format := output.Format(g.Format)
	if force != "" && format == output.Auto {
		format = output.Format(force)
	}
	return &applycmd.Request{
		Name: name, Plan: p,
		Within: c.Within, WhatIf: c.WhatIf, BackupDir: c.BackupDir, Undo: c.Undo, NoUndo: c.NoUndo,
		Now: now, Terminal: s.ErrTTY, Stderr: s.Err, Report: rep, Interrupt: s.Interrupt,
		Open: func() (applycmd.Results, error) { return g.openAs(s, apply.Result{}, format) },
	}
}
