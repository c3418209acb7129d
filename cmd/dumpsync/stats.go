package main

import (
	"errors"

	"github.com/dumpsync/dumpsync/internal/exitcode"
	"github.com/dumpsync/dumpsync/internal/report"
	"github.com/dumpsync/dumpsync/internal/site"
	"github.com/dumpsync/dumpsync/internal/stats"
)

// StatsCmd is `dumpsync stats`.
type StatsCmd struct {
	Paths []string `arg:"" optional:"" name:"PATH" help:"A Resync.cfg file or a folder holding one (default: the current folder when no PATH, --site or --logon is given). Wildcards * and ? are expanded."`
	siteFlags

	unreachable bool // a logon server or a domain's Resync.cfg could not be read
}

// Help is shown by 'dumpsync stats --help'.
func (c *StatsCmd) Help() string {
	return `Reads Resync.cfg files and writes one record per file; it changes nothing.

Fields: Path, Entries, Valid, Invalid, Clients, Oldest, Newest, Bytes, Over30, Over60, Over90, Over180, Over365.
OverN counts the valid, dated entries that are stale by plan's rule for --days N (not in the future, more
than N days old): Over90 is exactly the number of RemoveEntry rows 'plan --days 90' writes for the file
(none for a file that ends in a partial record: plan plans nothing there, stats counts its whole records).
Clients counts distinct valid SMSIDs (any case); Oldest and Newest are the valid dated requests' times.
A table adds Ages: one bar per age band (` + stats.Bands + `), scaled to the fullest band.

Examples:
  dumpsync stats                                            # the current domain folder, as a table
  dumpsync stats --site \\sms01\SMS_ABC --logon \\LOGON1\SMSLOGON --logon \\LOGON2\SMSLOGON
  dumpsync stats Domain.* -f csv --out stats.csv
  (dumpsync stats --site D:\SMS -f json | ConvertFrom-Json) | Sort-Object Over90 -Descending | Format-Table Path, Entries, Over90, Over365`
}

// Run counts.
func (c *StatsCmd) Run(g *Globals, s *Streams, rep *report.Reporter, now Clock) error {
	t, err := g.clock(now)
	if err != nil {
		return err
	}
	files, err := c.files(rep)
	if err != nil {
		return err
	}
	recs, err := g.open(s, stats.File{})
	if err != nil {
		return err
	}
	var sum summary
	attention, err := stats.Files(files, t, sum.counting(recs), rep.Warn)
	if err = recs.Close(err); err != nil {
		return err
	}
	rep.Summary("stats", "%d entries in %d Resync.cfg, %d of them over 90 days old", sum.entries, sum.files, sum.over90)
	if attention || c.unreachable {
		return exitcode.NeedsAttention
	}
	return nil
}

// files resolves PATH as dump does, then the Resync.cfg of each domain of
// --site and of each Logon.srv of --logon (a logon server without a copy is
// no error: plan does not need one either).
func (c *StatsCmd) files(rep *report.Reporter) ([]string, error) {
	var files []string
	add := adder()
	if len(c.Paths) > 0 || !c.given() {
		fs, err := site.ResyncFiles(c.Paths)
		if err != nil {
			return nil, exitcode.UsageErr(err)
		}
		for _, f := range fs {
			add(&files, f)
		}
	}
	domains, logons, err := c.siteFlags.folders(rep, nil, add)
	if err != nil {
		return nil, err
	}
	c.unreachable = len(logons) < c.logonCount
	for i, d := range append(domains, logons...) {
		f, err := site.Resync(d)
		switch {
		case err == nil:
			add(&files, f)
		case errors.Is(err, site.ErrNotFound) && i >= len(domains): // a logon server without a copy
		default:
			rep.Warn(err)
			c.unreachable = true
		}
	}
	return files, nil
}

// summary totals the records on their way out, for the summary line.
type summary struct{ files, entries, over90 int64 }

func (s *summary) counting(enc stats.Encoder) stats.Encoder {
	return encoderFunc(func(rec any) error {
		f := rec.(*stats.File)
		s.files++
		s.entries += f.Entries
		s.over90 += f.Over90
		return enc.Encode(rec)
	})
}

type encoderFunc func(rec any) error

func (f encoderFunc) Encode(rec any) error { return f(rec) }
