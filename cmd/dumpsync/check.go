package main

import (
	"fmt"

	"github.com/dumpsync/dumpsync/internal/applycmd"
	"github.com/dumpsync/dumpsync/internal/check"
	"github.com/dumpsync/dumpsync/internal/exitcode"
	"github.com/dumpsync/dumpsync/internal/paths"
	"github.com/dumpsync/dumpsync/internal/planread"
	"github.com/dumpsync/dumpsync/internal/progress"
	"github.com/dumpsync/dumpsync/internal/report"
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

	Plan      string      `placeholder:"FILE" help:"Gate a plan export instead (FILE or - for stdin), read exactly as apply reads it."`
	AllowRoot []string    `name:"allow-root" sep:"none" placeholder:"DIR" help:"With --plan: Error (OutsideRoot) for each row whose Path is under none of these folders. Repeatable."`
	MaxRemove check.Limit `name:"max-remove" placeholder:"N" help:"With --plan: Error (TooManyRemovals) when the plan removes more than N entries."`
	MaxDelete check.Limit `name:"max-delete" placeholder:"N" help:"With --plan: Error (TooManyDeletions) when the plan deletes more than N files."`
	Verify    bool        `help:"With --plan: Warning (StaleRow) for each row that apply --what-if would not apply, with its reason."`
}

// Help is shown by 'dumpsync check --help'.
func (c *CheckCmd) Help() string {
	return `Reads Resync.cfg files and the Invencfg.box beside each; writes one record per finding and changes nothing.
Fields: Severity, Code, Path, SmsId, Offset, Message. Order: files as given; within a file, findings
about the whole file first, then by Offset, then by Code.

  Error    PartialRecord   the size is not a multiple of 48; Offset is where the partial record starts;
                           Message gives the PowerShell, truncate and dd lines that cut it (dumpsync never does)
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
  Error    Leftover        a recovery file of an interrupted apply; Message says how many records it holds
                           that Resync.cfg does not, and how to carry them over ('dumpsync recover')
MissingCfg and OrphanCfg are only looked for when the folder has an Invencfg.box.

With --plan FILE (or - for stdin) it gates a plan export instead, read and validated exactly as apply
reads it (every PowerShell shape), and changes nothing:
  Error    InvalidRow        a row apply would reject; Message names the row (CSV: and line) and field
  Error    OutsideRoot       --allow-root DIR...: a row whose Path is under none of them
  Error    TooManyRemovals   --max-remove N: more than N RemoveEntry rows
  Error    TooManyDeletions  --max-delete N: more than N DeleteFile rows
  Warning  StaleRow          --verify: a row apply --what-if would skip now, with its reason

Exit codes: 0 no Error (with --strict: and no Warning); 1 an Error (with --strict: or a Warning), or a
file that could not be read (the other files' findings are still written); 2 nothing could be read at all
(a PATH that cannot be resolved, an unreadable file or plan, bad flags).

Examples:
  dumpsync check                                        # the current domain folder, as a table
  dumpsync check D:\SMS\Site.srv\Maincfg.box\Invdom.box\Domain.* --max-age-days 365 --max-bytes 52428800
  dumpsync check Domain.* --strict -f json --out health.json; if ($LASTEXITCODE -ne 0) { throw "check: $LASTEXITCODE" }
  (dumpsync check Domain.* -f json | ConvertFrom-Json) | Group-Object Code | Select-Object Name, Count
  dumpsync check --plan plan.json --allow-root \\sms01\SMS_ABC --max-delete 500 --max-remove 100000 --verify`
}

// Run checks.
func (c *CheckCmd) Run(g *Globals, s *Streams, rep *report.Reporter, now Clock) error {
	t, err := g.clock(now)
	if err != nil {
		return err
	}
	if c.Plan != "" {
		return c.runPlan(g, s, rep)
	}
	if len(c.AllowRoot) > 0 || c.MaxRemove.Set || c.MaxDelete.Set || c.Verify {
		return exitcode.Usagef("--allow-root, --max-remove, --max-delete and --verify go with --plan FILE")
	}
	return c.runHealth(g, s, rep, check.Options{Now: t, MaxAgeDays: c.MaxAgeDays, MaxEntries: c.MaxEntries, MaxBytes: c.MaxBytes})
}

func (c *CheckCmd) runHealth(g *Globals, s *Streams, rep *report.Reporter, opt check.Options) error {
	files, err := site.ResyncFiles(c.Paths)
	if err != nil {
		return exitcode.UsageErr(err)
	}
	recs, err := g.open(s, check.Finding{})
	if err != nil {
		return err
	}
	recs.stop = s.Interrupt
	sum, err := check.Health(files, opt, c.emit(rep, recs), rep.Warn)
	return c.finish(rep, recs, sum, err, report.Count(len(files), "file", "files"))
}

// runPlan gates a plan export.
func (c *CheckCmd) runPlan(g *Globals, s *Streams, rep *report.Reporter) error {
	if len(c.Paths) > 0 {
		return exitcode.Usagef("--plan checks a plan; it takes no PATH (got %q)", c.Paths[0])
	}
	if c.MaxAgeDays.Set || c.MaxEntries.Set || c.MaxBytes.Set {
		return exitcode.Usagef("--max-age-days, --max-entries and --max-bytes check Resync.cfg files, not a plan")
	}
	var roots []string
	for _, r := range c.AllowRoot {
		abs, err := paths.Abs(r)
		if err != nil {
			return exitcode.UsageErr(fmt.Errorf("--allow-root %s: %w", r, err))
		}
		roots = append(roots, abs)
	}
	src, done, name, err := applycmd.OpenPlan(s.In, c.Plan)
	if err != nil {
		return err
	}
	defer done()
	opt := check.PlanOptions{AllowRoots: roots, MaxRemove: c.MaxRemove, MaxDelete: c.MaxDelete, Verify: c.Verify}
	gate := check.NewPlanGate(opt)
	sp, err := applycmd.SpoolPlan(src, name, planread.Options{}, gate.Row)
	if err != nil {
		return err
	}
	defer sp.Close()
	applycmd.WarnWrapped(rep, name, sp.Wrapped, sp.Read)
	if sp.Truncated {
		rep.Infof("%s was cut short (no closing ]): checking its %d complete rows", name, sp.Read)
	}
	recs, err := g.open(s, check.Finding{})
	if err != nil {
		return err
	}
	recs.stop = s.Interrupt
	var bar *progress.Bar
	if s.ErrTTY && c.Verify {
		bar = progress.NewRows(s.Err, "verifying", sp.Read)
		gate.SetProgress(bar.Rows)
	}
	sum, err := gate.Emit(sp.Spool, sp.Plan, c.emit(rep, recs))
	if bar != nil {
		bar.Stop()
	}
	return c.finish(rep, recs, sum, err, fmt.Sprintf("%s (%s)", name, report.Count(sp.Read, "row", "rows")))
}

// emit writes a finding and counts it, by code, as a reason for exit 1.
func (c *CheckCmd) emit(rep *report.Reporter, recs *records) func(*check.Finding) error {
	return func(f *check.Finding) error {
		if f.Severity == check.Error || f.Severity == check.Warning {
			rep.Reason(fmt.Sprintf("%s (%s)", f.Code, f.Severity))
		}
		return recs.Encode(f)
	}
}

// finish ends the output, says what was found in what, and turns the
// summary into the exit code.
func (c *CheckCmd) finish(rep *report.Reporter, recs *records, sum check.Summary, err error, in string) error {
	if err = recs.Close(err); err != nil {
		return err
	}
	if sum.Unreadable > 0 && sum.Unreadable == sum.Inputs {
		return &exitcode.Error{Code: exitcode.Usage} // nothing could be read at all
	}
	counts := fmt.Sprintf("%s, %s, %s in %s", report.Count(sum.Errors, "error", "errors"), report.Count(sum.Warnings, "warning", "warnings"), report.Count(sum.Infos, "info", "infos"), in)
	if sum.Unreadable > 0 {
		counts += fmt.Sprintf(" (%d unreadable)", sum.Unreadable)
	}
	rep.Summary("check", "%s", counts)
	if sum.Unreadable > 0 || sum.Failed(c.Strict) {
		rep.Reasons()
		return exitcode.NeedsAttention
	}
	return nil
}
