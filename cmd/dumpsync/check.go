package main

import (
	"fmt"

	"github.com/dumpsync/dumpsync/internal/check"
	"github.com/dumpsync/dumpsync/internal/exitcode"
	"github.com/dumpsync/dumpsync/internal/site"
)

// CheckCmd is `dumpsync check`. Today it has one mode, the health of
// Resync.cfg files; a plan-gate mode (--plan FILE with its own limits) is
// meant to join it as more fields and a branch in Run, writing the same
// Finding records and ending through finish.
type CheckCmd struct {
	Paths      []string    `arg:"" optional:"" name:"PATH" help:"A Resync.cfg file or a folder holding one (default: the current folder). Wildcards * and ? are expanded."`
	MaxAgeDays check.Limit `name:"max-age-days" placeholder:"N" help:"Error (TooOld) for each valid entry more than N days old."`
	MaxEntries check.Limit `name:"max-entries" placeholder:"N" help:"Error (TooManyEntries) for a Resync.cfg of more than N entries."`
	MaxBytes   check.Limit `name:"max-bytes" placeholder:"N" help:"Error (TooLarge) for a Resync.cfg of more than N bytes."`
	Strict     bool        `help:"Warnings fail the check too (exit 1)."`
}

// Help is shown by 'dumpsync check --help'.
func (c *CheckCmd) Help() string {
	return `Reads Resync.cfg files and the Invencfg.box beside each; writes one record per finding and changes nothing.
Fields: Severity, Code, Path, SmsId, Offset, Message. Order: files as given; within a file, findings
about the whole file first, then by Offset, then by Code.

  Error    PartialRecord   the size is not a multiple of 48; Offset is where the partial record starts
  Warning  InvalidSmsId    an entry whose SMSID is not 1-15 characters of [A-Za-z0-9] (no time findings:
                           the time of an invalid entry cannot be trusted)
  Warning  ZeroTime        a valid entry with request time 0 (plan never finds it stale)
  Warning  FutureTime      a valid entry dated after now (--now)
  Info     DuplicateEntry  a valid SMSID (any case) with more than one entry; one per SMSID, Offset is the second
  Info     MissingCfg      a valid request whose <SMSID>.cfg is not in Invencfg.box; one per SMSID, at its first entry
  Info     OrphanCfg       a .cfg in Invencfg.box with no entry in Resync.cfg; Path is the .cfg
  Error    TooOld          --max-age-days N: a valid entry more than N days old
  Error    TooManyEntries  --max-entries N: more than N entries
  Error    TooLarge        --max-bytes N: more than N bytes
MissingCfg and OrphanCfg are only looked for when the folder has an Invencfg.box.

Exit codes: 0 no Error (with --strict: and no Warning); 1 an Error (with --strict: or a Warning);
2 a PATH cannot be resolved or a file cannot be read (the other files' findings are still written).

Examples:
  dumpsync check                                        # the current domain folder, as a table
  dumpsync check D:\SMS\Site.srv\Maincfg.box\Invdom.box\Domain.* --max-age-days 365 --max-bytes 52428800
  dumpsync check Domain.* --strict -f json --out health.json; if ($LASTEXITCODE -ne 0) { throw "check: $LASTEXITCODE" }
  dumpsync check Domain.* -f json | ConvertFrom-Json | Group-Object Code | Select-Object Name, Count`
}

// Run checks.
func (c *CheckCmd) Run(g *Globals, s *Streams, now Clock) error {
	t, err := g.clock(now)
	if err != nil {
		return err
	}
	return c.runHealth(g, s, check.Options{Now: t, MaxAgeDays: c.MaxAgeDays, MaxEntries: c.MaxEntries, MaxBytes: c.MaxBytes})
}

func (c *CheckCmd) runHealth(g *Globals, s *Streams, opt check.Options) error {
	files, err := site.ResyncFiles(c.Paths)
	if err != nil {
		return exitcode.UsageErr(err)
	}
	recs, err := g.open(s, check.Finding{})
	if err != nil {
		return err
	}
	warn := func(err error) { fmt.Fprintf(s.Err, "dumpsync: %v\n", err) }
	sum, err := check.Health(files, opt, func(f *check.Finding) error { return recs.Encode(f) }, warn)
	return c.finish(recs, sum, err)
}

// finish ends the output and turns the summary into the exit code.
func (c *CheckCmd) finish(recs *records, sum check.Summary, err error) error {
	if err = recs.close(err); err != nil {
		return err
	}
	switch {
	case sum.Unreadable > 0:
		return &exitcode.Error{Code: exitcode.Usage}
	case sum.Failed(c.Strict):
		return exitcode.NeedsAttention
	}
	return nil
}
