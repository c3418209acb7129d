package main

import (
	"github.com/dumpsync/dumpsync/internal/dump"
	"github.com/dumpsync/dumpsync/internal/exitcode"
	"github.com/dumpsync/dumpsync/internal/output"
	"github.com/dumpsync/dumpsync/internal/progress"
	"github.com/dumpsync/dumpsync/internal/report"
	"github.com/dumpsync/dumpsync/internal/site"
)

// DumpCmd is `dumpsync dump`.
type DumpCmd struct {
	Paths []string `arg:"" optional:"" name:"PATH" help:"A Resync.cfg file or a folder holding one (default: the current folder). Wildcards * and ? are expanded."`
	Raw   bool     `help:"Add Extra: the uninterpreted bytes 20-47 of each record, as hex."`
}

// Help is shown by 'dumpsync dump --help'.
func (c *DumpCmd) Help() string {
	return `Fields: Path, Index, Offset, SmsId, RequestTime, RequestedAt, AgeDays, Valid, Problem (and Extra with --raw).

Examples:
  dumpsync dump                                   # the Resync.cfg of the current domain folder, as a table
  dumpsync dump Domain.* -f csv --out resync.csv  # every domain folder matching Domain.*
  (dumpsync dump -f json | ConvertFrom-Json) | Where-Object { -not $_.Valid }
  dumpsync dump -f csv | ConvertFrom-Csv | Sort-Object {[int]$_.AgeDays} -Descending | Format-Table`
}

// Run dumps the files.
func (c *DumpCmd) Run(g *Globals, s *Streams, rep *report.Reporter, now Clock) error {
	return runDump(g, s, rep, now, c.Paths, c.Raw, "")
}

func runDump(g *Globals, s *Streams, rep *report.Reporter, now Clock, args []string, raw bool, force string) error {
	t, err := g.clock(now)
	if err != nil {
		return err
	}
	files, err := site.ResyncFiles(args)
	if err != nil {
		return exitcode.UsageErr(err)
	}
	var proto any = dump.Entry{}
	if raw {
		proto = dump.RawEntry{}
	}
	// Open the output once: a second open would leave the first --out temp
	// file behind and write a second BOM to stdout.
	f := output.Format(g.Format)
	if force != "" && f == output.Auto {
		f = output.Format(force)
	}
	recs, err := g.openAs(s, proto, f)
	if err != nil {
		return err
	}
	recs.stop = s.Interrupt
	// recs itself goes to dump.Files: a wrapper would hide its chunked
	// form and keep dump on one goroutine.
	var n dump.Counts
	attention, err := dump.Files(files, dump.Options{Now: t, Raw: raw, Counts: &n}, recs, rep.Warn)
	if err = recs.Close(err); err != nil {
		return err
	}
	rep.Summary("dump", "%s entries (%s invalid) in %s", progress.Thousands(n.Entries), progress.Thousands(n.Invalid), report.Count(len(files), "file", "files"))
	if attention {
		rep.Reasons()
		return exitcode.NeedsAttention
	}
	return nil
}
