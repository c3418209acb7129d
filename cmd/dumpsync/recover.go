package main

import (
	"github.com/dumpsync/dumpsync/internal/exitcode"
	"github.com/dumpsync/dumpsync/internal/report"
	"github.com/dumpsync/dumpsync/internal/resyncedit"
	"github.com/dumpsync/dumpsync/internal/site"
)

// RecoverCmd is `dumpsync recover`: what the next apply in a folder does
// first, without a plan.
type RecoverCmd struct {
	Paths []string `arg:"" optional:"" name:"PATH" help:"A Resync.cfg file or a folder holding one (default: the current folder). Wildcards * and ? are expanded."`
}

// Help is shown by 'dumpsync recover --help'.
func (c *RecoverCmd) Help() string {
	return `An apply that was killed while it rewrote a Resync.cfg may leave a recovery file beside it,
Resync.cfg.dumpsync-recover-*: the replaced file, holding records SMS appended to it during the rewrite.
'dumpsync check' reports it (Leftover); the next apply in that folder carries its records over first.
recover does only that: it appends the records the Resync.cfg does not hold yet, once, reads the file
again after 200 ms for a writer that still holds it open, and removes it; one line per file on stderr,
then a summary line (--quiet drops it). Folders without a recovery file are not touched.

Exit codes: 0 done (or nothing to do); 1 a recovery file could not be carried over (see stderr);
2 usage error.

Examples:
  dumpsync recover                                    # the current domain folder
  dumpsync recover D:\SMS\Site.srv\Maincfg.box\Invdom.box\Domain.*`
}

// Run recovers, one line per recovery file, and ends with the summary.
func (c *RecoverCmd) Run(rep *report.Reporter) error {
	files, err := site.ResyncFiles(c.Paths)
	if err != nil {
		return exitcode.UsageErr(err)
	}
	var found, records, failed int
	for _, f := range files {
		// Look first, so that a folder without a recovery file is not
		// written to (not even the lock file).
		los, err := resyncedit.Leftovers(f)
		if err != nil {
			rep.Error(err)
			rep.Reason("a folder could not be read (see above)")
			failed++
		}
		if len(los) == 0 {
			continue
		}
		rec, err := resyncedit.Clean(f, resyncedit.Options{})
		for _, r := range rec {
			rep.Infof("%s", r)
			found++
			records += r.Records
		}
		if err != nil {
			rep.Error(err)
			rep.Reason("a recovery file was not carried over (see above)")
			failed++
		}
	}
	beside := report.Count(len(files), "Resync.cfg", "Resync.cfg")
	switch {
	case found == 0 && failed == 0:
		rep.Summary("recover", "no recovery file beside %s; nothing changed", beside)
	case failed == 0:
		rep.Summary("recover", "%s carried over from %s beside %s", report.Count(records, "record", "records"),
			report.Count(found, "recovery file", "recovery files"), beside)
	default:
		rep.Summary("recover", "%s carried over from %s beside %s; %s", report.Count(records, "record", "records"),
			report.Count(found, "recovery file", "recovery files"), beside, report.Count(failed, "failure", "failures"))
		rep.Reasons()
		return exitcode.NeedsAttention
	}
	return nil
}
