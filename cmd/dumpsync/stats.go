package main

import (
	"errors"
	"fmt"

	"github.com/dumpsync/dumpsync/internal/exitcode"
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
than N days old): Over90 is exactly the number of RemoveEntry rows 'plan --days 90' writes for the file.
Clients counts distinct valid SMSIDs (any case); Oldest and Newest are the valid dated requests' times.
A table adds Ages: one bar per age band (` + stats.Bands + `), scaled to the fullest band.

Examples:
  dumpsync stats                                            # the current domain folder, as a table
  dumpsync stats --site \\sms01\SMS_ABC --logon \\LOGON1\SMSLOGON --logon \\LOGON2\SMSLOGON
  dumpsync stats Domain.* -f csv --out stats.csv
  (dumpsync stats --site D:\SMS -f json | ConvertFrom-Json) | Sort-Object Over90 -Descending | Format-Table Path, Entries, Over90, Over365`
}

// Run counts.
func (c *StatsCmd) Run(g *Globals, s *Streams, now Clock) error {
	t, err := g.clock(now)
	if err != nil {
		return err
	}
	files, err := c.files(s)
	if err != nil {
		return err
	}
	recs, err := g.open(s, stats.File{})
	if err != nil {
		return err
	}
	warn := func(err error) { fmt.Fprintf(s.Err, "dumpsync: %v\n", err) }
	attention, err := stats.Files(files, t, recs, warn)
	if err = recs.close(err); err != nil {
		return err
	}
	if attention || c.unreachable {
		return exitcode.NeedsAttention
	}
	return nil
}

// files resolves PATH as dump does, then the Resync.cfg of each domain of
// --site and of each Logon.srv of --logon (a logon server without a copy is
// no error: plan does not need one either).
func (c *StatsCmd) files(s *Streams) ([]string, error) {
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
	domains, logons, err := c.siteFlags.folders(s, nil, add)
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
			fmt.Fprintf(s.Err, "dumpsync: %v\n", err)
			c.unreachable = true
		}
	}
	return files, nil
}
