package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/dumpsync/dumpsync/internal/exitcode"
	"github.com/dumpsync/dumpsync/internal/output"
	"github.com/dumpsync/dumpsync/internal/paths"
	"github.com/dumpsync/dumpsync/internal/plan"
	"github.com/dumpsync/dumpsync/internal/progress"
	"github.com/dumpsync/dumpsync/internal/report"
	"github.com/dumpsync/dumpsync/internal/site"
)

// PlanCmd is `dumpsync plan`.
type PlanCmd struct {
	Days    int64    `required:"" placeholder:"N" help:"Requests more than N days old are stale (N >= 0)."`
	Domains []string `arg:"" optional:"" name:"DOMAIN" help:"A domain folder holding Resync.cfg and Invencfg.box (default: the current folder when no DOMAIN, --site or --logon is given). Wildcards are expanded."`
	siteFlags
	Orphans        bool `help:"Also delete domain .cfg files whose SMSID has no request at all and that are older than N days."`
	LogonAllCfg    bool `name:"logon-all-cfg" help:"Delete every .cfg in Logon.srv/Invencfg.box (the KB's advice; Maintenance Manager copies back what is still needed)."`
	IncludeInvalid bool `help:"Also remove every invalid entry, whatever its time."`
	Parallel       int  `default:"8" placeholder:"N" help:"Folders scanned at once."`
}

// siteFlags are --site and --logon, as plan and stats take them.
type siteFlags struct {
	Site  []string `sep:"none" placeholder:"DIR" help:"An SMS root, its Site.srv or its Invdom.box: every Domain.* of the site."`
	Logon []string `sep:"none" placeholder:"DIR" help:"A logon server's Logon.srv folder, or a folder holding one (e.g. \\\\LOGON1\\SMSLOGON). Repeatable; wildcards are expanded."`

	logonCount int // logon servers named, reachable or not
}

// given reports whether --site or --logon was given.
func (f *siteFlags) given() bool { return len(f.Site) > 0 || len(f.Logon) > 0 }

// Help is shown by 'dumpsync plan --help'.
func (c *PlanCmd) Help() string {
	return `Reads, decides and writes one record per intended change; it never changes a file.

Fields: Action, Path, SmsId, RequestTime, RequestedAt, AgeDays, Cutoff, Offset, Record, Size, ModTime, Sha256, Reason.

An entry is stale when it is valid, dated, not in the future and more than N days old.

Examples:
  dumpsync plan --days 90                                   # in a Domain.000 folder, like the original
  dumpsync plan --days 90 --site \\sms01\SMS_ABC --logon \\LOGON1\SMSLOGON --logon \\LOGON2\SMSLOGON --out plan.json
  dumpsync plan --days 90 --site D:\SMS --logon 'E:\LogonCopies\LOGON*'                # wildcards after the share name
  dumpsync plan --days 90 --site D:\SMS -f csv --out plan.csv
  # the parentheses make Windows PowerShell 5.1 filter row by row, as 7 does
  (dumpsync plan --days 90 --site D:\SMS | ConvertFrom-Json) | Where-Object SmsId -notlike 'ABC0000*' | ConvertTo-Json | Set-Content plan.json
  dumpsync plan --days 90 --site D:\SMS -f csv | ConvertFrom-Csv | Where-Object SmsId -notlike 'ABC0000*' | Export-Csv plan.csv`
}

// Run plans.
func (c *PlanCmd) Run(g *Globals, s *Streams, rep *report.Reporter, now Clock) error {
	t, err := g.clock(now)
	if err != nil {
		return err
	}
	if c.Days < 0 {
		return exitcode.Usagef("--days: must be 0 or more, got %d", c.Days)
	}
	if c.Parallel < 1 {
		return exitcode.Usagef("--parallel: must be 1 or more, got %d", c.Parallel)
	}
	domains, logons, err := c.folders(rep)
	if err != nil {
		return err
	}
	recs, err := g.open(s, plan.Row{})
	if err != nil {
		return err
	}
	recs.stop = s.Interrupt
	p := &plan.Planner{
		Opt: plan.Options{Days: c.Days, Now: t, Orphans: c.Orphans, LogonAllCfg: c.LogonAllCfg,
			IncludeInvalid: c.IncludeInvalid, Parallel: c.Parallel, Interrupt: s.Interrupt},
		Warn: rep.Warn,
	}
	var bar *progress.Bar
	if s.ErrTTY {
		bar = progress.New(s.Err, len(domains)+len(logons))
		p.Progress = bar
	}
	emit := func(r plan.Record) error {
		row := r.Row()
		return recs.Encode(&row)
	}
	var chunks *chunkWriter
	if c, ok := recs.Chunked(); ok {
		// JSON, JSON Lines and CSV: the records write themselves.
		chunks = &chunkWriter{c: c, f: c.NewFormatter()}
		emit = func(r plan.Record) error { return chunks.add(r) }
	}
	sum, err := p.Stream(domains, logons, emit)
	if err == nil && chunks != nil {
		err = chunks.flush()
	}
	if bar != nil {
		bar.Stop()
	}
	if err = recs.Close(err); err != nil {
		return err
	}
	servers := fmt.Sprintf("%d logon servers", len(logons))
	if len(logons) < c.logonCount {
		servers = fmt.Sprintf("%d of %d logon servers", len(logons), c.logonCount)
	}
	rep.Summary("plan", "%s entries to remove from %d Resync.cfg, %s .cfg files to delete (%d domains, %s)",
		progress.Thousands(sum.Entries), sum.ResyncFiles, progress.Thousands(sum.Files), len(domains), servers)
	if sum.Attention || len(logons) < c.logonCount {
		rep.Reasons()
		return exitcode.NeedsAttention
	}
	return nil
}

// chunkWriter writes records through a Chunked encoder, formatted into
// chunks of about 64 KiB: a big plan has millions of rows, and a chunk costs
// one write and one check for Ctrl-C, not one per row.
type chunkWriter struct {
	c   output.Chunked
	f   *output.Formatter
	buf []byte
	n   int
}

func (w *chunkWriter) add(r plan.Record) error {
	w.buf = r.Append(w.buf, w.f)
	w.n++
	if len(w.buf) < 64<<10 {
		return nil
	}
	return w.flush()
}

// flush writes the records added since the last chunk.
func (w *chunkWriter) flush() error {
	err := w.c.WriteChunk(w.buf, w.n)
	w.buf, w.n = w.buf[:0], 0
	return err
}

// folders resolves the arguments. Folders named that do not exist are usage
// errors; logon servers found by a wildcard that cannot be read are reported
// and skipped.
func (c *PlanCmd) folders(rep *report.Reporter) (domains, logons []string, err error) {
	add := adder()
	args := c.Domains
	if len(args) == 0 && !c.given() {
		args = []string{"."}
	}
	for _, a := range args {
		matches, err := paths.Expand(a)
		if err != nil {
			return nil, nil, exitcode.UsageErr(err)
		}
		for _, m := range matches {
			abs, err := absDir(m)
			if err != nil {
				return nil, nil, exitcode.UsageErr(err)
			}
			if _, err := site.Resync(abs); err != nil {
				return nil, nil, exitcode.Usagef("%s: not a domain folder: it holds no %s", abs, site.ResyncName)
			}
			add(&domains, abs)
		}
	}
	return c.siteFlags.folders(rep, domains, add)
}

// folders adds the domains of --site and the Logon.srv folders of --logon to
// domains (already resolved; add skips repeats).
func (c *siteFlags) folders(rep *report.Reporter, domains []string, add func(*[]string, string)) (_, logons []string, err error) {
	for _, a := range c.Site {
		matches, err := paths.Expand(a)
		if err != nil {
			return nil, nil, exitcode.UsageErr(err)
		}
		for _, m := range matches {
			abs, err := absDir(m)
			if err != nil {
				return nil, nil, exitcode.UsageErr(fmt.Errorf("--site: %w", err))
			}
			ds, err := site.Domains(abs)
			if err != nil {
				return nil, nil, exitcode.UsageErr(fmt.Errorf("--site: %w", err))
			}
			for _, d := range ds {
				add(&domains, d)
			}
		}
	}
	for _, a := range c.Logon {
		matches, err := paths.Expand(a)
		if err != nil {
			return nil, nil, exitcode.UsageErr(fmt.Errorf("--logon: %w", err))
		}
		// A folder the user named must be there, as --site's must; a server
		// a wildcard found may be down without stopping the others.
		named := !paths.HasWildcard(a)
		for _, m := range matches {
			c.logonCount++
			abs, err := absDir(m)
			if err == nil {
				abs, err = site.LogonSrv(abs)
			}
			if err != nil && named {
				return nil, nil, exitcode.UsageErr(fmt.Errorf("--logon: %w", err))
			}
			if err != nil {
				rep.Warnf("logon server %s cannot be read: %v", m, err)
				continue
			}
			add(&logons, abs)
		}
	}
	return domains, logons, nil
}

// adder returns a function that appends a path to a list unless it was
// added before (to any list).
func adder() func(*[]string, string) {
	seen := map[string]bool{}
	return func(list *[]string, p string) {
		if !seen[p] {
			seen[p] = true
			*list = append(*list, p)
		}
	}
}

func absDir(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	st, err := os.Stat(abs)
	if err != nil {
		if os.IsNotExist(err) {
			return "", fmt.Errorf("%s: no such folder", p)
		}
		return "", err
	}
	if !st.IsDir() {
		return "", fmt.Errorf("%s: not a folder", p)
	}
	return abs, nil
}
