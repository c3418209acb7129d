// Package applycmd is one run of `dumpsync apply` (and of the original
// 'dumpsync DAYS', which applies the plan it just made): it reads and
// validates the plan, confines it to the --within folders, chooses the undo
// file, carries the rows out through package apply and says what it did
// through package report. It knows nothing of kong or of output formats:
// the Results go to whatever Request.Open returns. It never decides what is
// stale (package plan) and never touches a file itself (package apply).
package applycmd

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/dumpsync/dumpsync/internal/apply"
	"github.com/dumpsync/dumpsync/internal/exitcode"
	"github.com/dumpsync/dumpsync/internal/interrupt"
	"github.com/dumpsync/dumpsync/internal/output"
	"github.com/dumpsync/dumpsync/internal/paths"
	"github.com/dumpsync/dumpsync/internal/planread"
	"github.com/dumpsync/dumpsync/internal/progress"
	"github.com/dumpsync/dumpsync/internal/report"
)

// Results receives the Results, one per row; Close ends them, discarding
// them when fail is not nil (a --out file is then not written).
type Results interface {
	Encode(rec any) error
	Close(fail error) error
}

// chunkedResults is Results that can also take records formatted apart
// from the stream (cmd/dumpsync's records for JSON, JSON Lines and CSV):
// the Results are then formatted straight from the plan's spool.
type chunkedResults interface {
	Chunked() (output.Chunked, bool)
}

// chunked returns res's chunked form when it has one.
func chunked(res Results) (output.Chunked, bool) {
	if cr, ok := res.(chunkedResults); ok {
		return cr.Chunked()
	}
	return nil, false
}

// Request is what the user asked for.
type Request struct {
	Name string // the plan's name in messages: its file, "stdin" or "plan"
	// Source yields the plan's rows (OpenPlan, or planread.SliceSource for
	// a plan made in this process); Run reads it once.
	Source planread.RowSource

	Within    []string // --within, as given
	WhatIf    bool     // --what-if
	BackupDir string   // --backup-dir, "" for none
	Undo      string   // --undo FILE, "" for the default path
	NoUndo    bool     // --no-undo

	// Now is the wall clock (not --now): it names the backup folder and the
	// default undo file.
	Now time.Time
	// Ask, when not nil, is where the answer to "Apply these changes?" is
	// read (the caller decides the run is interactive); --what-if never asks.
	Ask io.Reader
	// Terminal is set when stderr is a terminal.
	Terminal bool
	// Stderr is where a progress bar is drawn when Terminal is set.
	Stderr io.Writer
	// Interrupt is closed when the user asks to stop (Ctrl-C); nil: never.
	// The run stops between files, writes every Result (the rows not
	// reached as Skipped) and returns exit 130.
	Interrupt <-chan struct{}

	Report *report.Reporter
	// Open starts the Results; it is called only once every check passed,
	// so that a usage error writes nothing.
	Open func() (Results, error)
}

// OpenPlan opens a plan file, or in for "-", as a stream of rows; any
// error is a usage error. It returns the stream, a function that closes
// the file, and the plan's name for messages.
func OpenPlan(in io.Reader, arg string) (planread.RowSource, func(), string, error) {
	name := arg
	if arg == "-" {
		return planread.Stream(in, "stdin"), func() {}, "stdin", nil
	}
	f, err := os.Open(arg)
	if err != nil {
		return nil, nil, name, exitcode.UsageErr(err)
	}
	return planread.Stream(f, name), func() { f.Close() }, name, nil
}

// Spooled is a plan read and checked in one pass: the spool of its rows,
// what planread found, and the rows apply would carry out (those without a
// problem), grouped by folder.
type Spooled struct {
	*planread.Spooled
	Plan *apply.Plan
}

// Close removes the spool.
func (s *Spooled) Close() error { return s.Spool.Close() }

// GOGC percentages while the plan is read (much short-lived garbage beside
// a live heap of a few MB: collect less often) and afterwards, while apply
// holds one folder's rows and ops (tens of MB, nearly all without pointers,
// so a collection is cheap: let the heap grow by a quarter, not double).
const (
	gcWhileReading = 400
	gcAfterReading = 25
)

// SpoolPlan reads the plan from src once, checks every row as
// planread.Validate does, and spools the rows (in a temporary file) so that
// they can be carried out folder by folder. each, when not nil, is told
// every row as planread.SpoolPlan tells it. An input that is not a plan, or
// a plan cut short that is not an undo file, is a usage error; the rows'
// problems are in Errs.
func SpoolPlan(src planread.RowSource, name string, opt planread.Options,
	each func(ref, end planread.Ref, r *planread.Row, dup bool, errs []planread.RowError) error) (*Spooled, error) {
	sp, err := planread.NewSpool("")
	if err != nil {
		return nil, err
	}
	p := apply.NewPlan(sp)
	s, err := planread.SpoolPlan(src, sp, opt, func(ref, end planread.Ref, r *planread.Row, dup bool, errs []planread.RowError) error {
		if !dup && len(errs) == 0 {
			p.Add(ref, end, r)
		}
		if each != nil {
			return each(ref, end, r, dup, errs)
		}
		return nil
	})
	if err != nil {
		sp.Close()
		var te *planread.TempError
		if errors.As(err, &te) {
			return nil, err
		}
		return nil, exitcode.UsageErr(err)
	}
	if s.Truncated && !s.IsUndo() {
		// Only an undo file, written row by row, may be cut short by a crash;
		// a plan without its closing ] is broken, and half of it is not what
		// the user reviewed.
		sp.Close()
		return nil, exitcode.Usagef("%s: cut short (the JSON array has no closing ]); only an undo file cut short by a crash is accepted: nothing changed", name)
	}
	return &Spooled{Spooled: s, Plan: p}, nil
}

// maxInvalid is how many invalid rows are named before "... and N more".
const maxInvalid = 20

// Question is what apply asks on an interactive terminal.
const Question = "Apply these changes?"

// Run validates and applies the plan. Its error carries the exit code
// (package exitcode): 2 when nothing was changed because the plan or the
// flags are wrong, 1 when some row was not applied (or the user said no at
// the prompt).
func Run(req *Request) error {
	rep := req.Report
	if err := RequireWithin(req.Within); err != nil {
		return err
	}
	roots, err := absAll("--within", req.Within)
	if err != nil {
		return err
	}
	if err := tempOutside(roots); err != nil {
		return err
	}
	// Reading the plan makes much short-lived garbage beside a small live
	// heap: a laxer collector while it runs costs a few MB and saves a
	// collection every 2 MB (about 60 for 235 MB of plan).
	defer debug.SetGCPercent(debug.SetGCPercent(gcWhileReading))
	sp, err := SpoolPlan(req.Source, req.Name, planread.Options{Within: roots, MaxErrors: maxInvalid}, nil)
	debug.SetGCPercent(gcAfterReading)
	if err != nil {
		return err
	}
	defer sp.Close()
	WarnWrapped(rep, req.Name, sp.Wrapped, sp.Read)
	if sp.Truncated {
		rep.Infof("%s was cut short (no closing ]): applying its %d complete rows", req.Name, sp.Read)
	}
	if sp.ErrCount > 0 {
		for _, e := range sp.Errs {
			rep.Errorf("%s: %v", req.Name, e)
		}
		if more := sp.ErrCount - len(sp.Errs); more > 0 {
			rep.Errorf("%s: ... and %s", req.Name, report.Count(more, "more invalid row", "more invalid rows"))
		}
		return &exitcode.Error{Code: exitcode.Usage, Err: fmt.Errorf("%s: invalid plan; nothing was changed", req.Name),
			Hint: missingRoots(roots)}
	}
	rows := sp.Plan
	if rows.Rows() == 0 {
		// No records is still a valid output: [] in JSON, a header in CSV.
		res, err := req.Open()
		if err != nil {
			return err
		}
		if err := res.Close(nil); err != nil {
			return err
		}
		rep.Summary("apply", "nothing to do: %s has no rows", req.Name)
		return nil
	}
	opt := apply.Options{WhatIf: req.WhatIf, Now: req.Now, Warn: rep.Warn, Interrupt: req.Interrupt, Within: roots}
	if req.BackupDir != "" {
		if f := paths.FileInTheWay(req.BackupDir); f != "" {
			return exitcode.Usagef("--backup-dir %s: %s is not a folder", req.BackupDir, f)
		}
		if err := rows.RejectInside("--backup-dir", req.BackupDir, roots); err != nil {
			return exitcode.UsageErr(err)
		}
		abs, _ := filepath.Abs(req.BackupDir)
		opt.BackupDir = filepath.Join(abs, req.Now.UTC().Format("20060102T150405Z"))
	}
	undoPath := ""
	if opt.Undo, err = req.journal(rows, roots, &undoPath); err != nil {
		return err
	}
	asking := req.Ask != nil && !req.WhatIf
	if !rep.Quiet || asking {
		preview(rep, req.Name, rows, req.Within)
	}
	if asking && !rep.Ask(req.Ask, Question) {
		rep.Summary("apply", "cancelled at the prompt; nothing was changed")
		return exitcode.NeedsAttention
	}
	res, err := req.Open()
	if err != nil {
		return err
	}
	tally := func(status, detail string) {
		switch status {
		case apply.Skipped:
			rep.Reason("skipped: " + Reason(status, detail))
		case apply.Failed:
			rep.Reason("failed: " + Reason(status, detail))
		}
	}
	if !req.WhatIf {
		interrupt.Protect() // from here a second Ctrl-C waits for the current file too
	}
	var bar *progress.Bar
	if req.Terminal {
		verb := "applying"
		if req.WhatIf {
			verb = "checking"
		}
		bar = progress.NewRows(req.Stderr, verb, rows.Rows())
		opt.Progress = bar.Rows
	}
	var sum apply.Summary
	if c, ok := chunked(res); ok {
		sum, err = apply.RunPlanChunked(rows, opt, c, tally)
	} else {
		sum, err = apply.RunPlan(rows, opt, func(_ *planread.Row, r *apply.Result) error {
			tally(r.Status, r.Detail)
			return res.Encode(r)
		})
	}
	if bar != nil {
		bar.Stop() // before any line of the summary
	}
	// Interrupted, the results so far are written whole (but an error
	// writing them is still one).
	interrupted := errors.Is(err, interrupt.ErrInterrupted)
	if err == interrupt.ErrInterrupted {
		err = nil
	}
	if opt.Undo != nil {
		if jerr := opt.Undo.Close(); jerr != nil && err == nil {
			err = jerr
		}
	}
	if err = res.Close(err); err != nil {
		return err
	}
	if interrupted {
		rep.Errorf("%s", interruptedLine(sum, rows.Rows(), req.WhatIf, opt.Undo))
		return &exitcode.Error{Code: exitcode.Interrupted}
	}
	summary(rep, sum, req.WhatIf, req.NoUndo, undoPath)
	if sum.Attention() {
		rep.Reasons()
		return exitcode.NeedsAttention
	}
	return nil
}

// WarnWrapped warns when the plan came in Windows PowerShell 5.1's
// {"value":[...],"Count":N} wrapper, which is what a 5.1 pipeline
// "ConvertFrom-Json | Where-Object ... | ConvertTo-Json" writes when its
// filter let everything through. The plan is still read as it is.
func WarnWrapped(rep *report.Reporter, name string, wrapped bool, rows int) {
	if !wrapped {
		return
	}
	rep.Warnf(`%s: warning: this plan is in the {"value":[...],"Count":N} wrapper of Windows PowerShell 5.1, the sign that a "ConvertFrom-Json | Where-Object" before it filtered nothing (PowerShell issues 3424 and 3153): all its %d rows are read`, name, rows)
	rep.Hint("filter on 5.1 and 7 alike with parentheses, (dumpsync plan ... | ConvertFrom-Json) | Where-Object ..., or with -f csv and Import-Csv")
}

// RequireWithin refuses a run without --within: a plan, filtered in
// PowerShell or not, may name any path, and the user must say where it may
// act.
func RequireWithin(within []string) error {
	if len(within) > 0 {
		return nil
	}
	return exitcode.UsageHint(`name the site and logon servers the plan was made for: dumpsync apply plan.json --within \\sms01\SMS_ABC --within \\LOGON1\SMSLOGON`,
		"apply: --within is required (the folders the plan may change); nothing was changed")
}

// preview says what the plan will do, before anything is done.
func preview(rep *report.Reporter, name string, p *apply.Plan, within []string) {
	var parts []string
	for _, a := range []string{planread.RemoveEntry, planread.RestoreEntry, planread.DeleteFile, planread.RestoreFile} {
		if n := p.Count(a); n > 0 {
			parts = append(parts, fmt.Sprintf("%s %s", progress.Thousands(int64(n)), a))
		}
	}
	count := func(n int, one, many string) string { // with thousands separators
		if n == 1 {
			return "1 " + one
		}
		return progress.Thousands(int64(n)) + " " + many
	}
	rep.Infof("apply: %s: %s (%s) in %s Resync.cfg and %s",
		name, count(p.Rows(), "row", "rows"), strings.Join(parts, ", "),
		progress.Thousands(int64(p.Resyncs())), count(p.Folders(), "folder", "folders"))
	rep.Infof("apply: within %s", strings.Join(within, ", "))
}

// summary is apply's last line.
func summary(rep *report.Reporter, sum apply.Summary, whatIf, noUndo bool, undoPath string) {
	counts := fmt.Sprintf("%d applied, %d skipped, %d failed", sum.Applied, sum.Skipped, sum.Failed)
	if w := rep.Warnings(); w > 0 {
		counts += ", " + report.Count(w, "warning", "warnings")
	}
	switch {
	case whatIf:
		rep.Summary("apply", "--what-if: %d would be applied, %d skipped, %d failed; nothing was changed", sum.WhatIf, sum.Skipped, sum.Failed)
	case noUndo:
		rep.Summary("apply", "%s; --no-undo: no undo file", counts)
	case undoPath == "" && sum.Applied == 0:
		rep.Summary("apply", "%s; nothing was changed, so no undo file", counts)
	case undoPath == "":
		// Only removals and deletions are journaled: the rows applied
		// were restores (an undo file's), whose undo is the plan that
		// removed them.
		rep.Summary("apply", "%s; restores write no undo file", counts)
	default:
		rep.Summary("apply", "%s; undo file: %s", counts, undoPath)
	}
}

var (
	parenthesised = regexp.MustCompile(` *\([^()]*\)`)
	requestFor    = regexp.MustCompile(`a fresh request for \S+ arrived`)
)

// Reason turns a Result's Detail into a reason that adds up across rows: it
// drops what names one row (a path, an SMSID, sizes in parentheses). A
// failure's reason is the system's message after the last colon ("Access is
// denied."); a skip's is its first clause.
func Reason(status, detail string) string {
	d := parenthesised.ReplaceAllString(detail, "")
	if status == apply.Failed {
		if i := strings.LastIndex(d, ": "); i >= 0 {
			d = d[i+2:]
		}
		return d
	}
	d = requestFor.ReplaceAllString(d, "a fresh request arrived")
	if i := strings.Index(d, ": "); i >= 0 {
		d = d[:i]
	}
	return d
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

// journal checks where the undo file goes and returns the journal that
// writes it: nil with --no-undo and with --what-if. The place is checked with
// --what-if too (nothing is created then), so that --what-if gives the exit
// code the real run would.
// created is set to the undo file's path when it is created.
func (req *Request) journal(rows *apply.Plan, roots []string, created *string) (*apply.Journal, error) {
	if req.NoUndo {
		return nil, nil
	}
	path := req.Undo
	newJournal := apply.NewJournal
	if path == "" {
		newJournal = apply.NewDefaultJournal
		var err error
		if path, err = apply.DefaultUndoPath(req.Now); err != nil {
			return nil, exitcode.UsageErr(err)
		}
	} else {
		if f := paths.FileInTheWay(filepath.Dir(path)); f != "" {
			return nil, exitcode.Usagef("--undo %s: %s is not a folder", path, f)
		}
		if err := rows.RejectInside("--undo", filepath.Dir(path), roots); err != nil {
			return nil, exitcode.UsageErr(err)
		}
		if _, err := os.Lstat(path); err == nil {
			return nil, exitcode.Usagef("--undo %s: file exists; choose a new name", path)
		}
	}
	if req.WhatIf {
		return nil, nil
	}
	return newJournal(path, func(p string) {
		*created = p
		req.Report.Infof("undo file: %s", p)
	}), nil
}

// tempOutside refuses a temporary folder inside a --within folder: the
// plan's spool and the outcomes live there while apply runs (on Windows
// under their names until the end), and Maintenance Manager would copy them
// to every logon server. Every planned Path is inside a --within folder, so
// the roots are all there is to check.
func tempOutside(roots []string) error {
	if err := apply.RejectInside("the temporary folder", os.TempDir(), nil, roots); err != nil {
		return exitcode.UsageHint("set TMP and TEMP (TMPDIR off Windows) to a folder outside the SMS tree: apply keeps the plan there while it runs",
			"%v; nothing was changed", err)
	}
	return nil
}

// missingRoots is a hint naming the --within folders that do not exist (a
// typo makes every row "outside --within"), or "". A missing one is not an
// error by itself: a logon server may be offline, its rows Skipped.
func missingRoots(roots []string) string {
	var missing []string
	for _, r := range roots {
		if _, err := os.Stat(r); errors.Is(err, fs.ErrNotExist) {
			missing = append(missing, r)
		}
	}
	switch len(missing) {
	case 0:
		return ""
	case 1:
		return "--within " + missing[0] + " does not exist"
	}
	return "these --within folders do not exist: " + strings.Join(missing, ", ")
}

// absAll makes each folder of a repeatable flag absolute.
func absAll(flag string, dirs []string) ([]string, error) {
	var abs []string
	for _, d := range dirs {
		a, err := paths.Abs(d) // \\?\D:\SMS is D:\SMS
		if err != nil {
			return nil, exitcode.UsageErr(fmt.Errorf("%s %s: %w", flag, d, err))
		}
		abs = append(abs, a)
	}
	return abs, nil
}
