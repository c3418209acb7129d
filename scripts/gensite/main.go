// Command gensite writes a deterministic SMS 1.2 site tree, or one big
// Resync.cfg, with package sample. It is a development tool for tests,
// benchmarks and the bundled sample (scripts/gensample.sh), not part of
// dumpsync.
//
//	go run ./scripts/gensite -out DIR [-seed N] [-now RFC3339] [-domains N] [-entries N] [-clients N] [-logons N] ...
//	go run ./scripts/gensite -resync FILE -n N [-seed N] [-now RFC3339]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/dumpsync/dumpsync/internal/sample"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if err := gensite(args, stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "gensite: error: %v\n", err)
		return 2
	}
	return 0
}

func gensite(args []string, stdout, stderr io.Writer) error {
	def := sample.DefaultConfig(1, sample.DefaultNow)
	fs := flag.NewFlagSet("gensite", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "build a site tree in this `folder` (must be empty or not exist)")
	resync := fs.String("resync", "", "write one big Resync.cfg to this `file` instead")
	n := fs.Int("n", 1_000_000, "with -resync: number of records")
	seed := fs.Uint64("seed", def.Seed, "random seed")
	nowFlag := fs.String("now", def.Now.Format(time.RFC3339), "the time ages are relative to, RFC 3339")
	domains := fs.Int("domains", def.Domains, "domain folders")
	entries := fs.Int("entries", def.EntriesPerDomain, "records in each domain's Resync.cfg")
	clients := fs.Int("clients", def.ClientsPerDomain, "clients (.cfg files with a request) per domain")
	logons := fs.Int("logons", def.LogonServers, "logon servers, given to the domains round-robin")
	invalidEvery := fs.Int("invalid-every", def.InvalidEvery, "one record in every `N` is invalid; 0: none")
	orphansLogon := fs.Int("orphans-logon", def.OrphansPerLogon, "stale .cfg files on each logon server")
	orphansDomain := fs.Int("orphans-domain", def.OrphansPerDomain, ".cfg files without a request in each domain")
	mangle := fs.Bool("case-mangle", def.CaseMangle, "give the last logon server upper-case names")
	partial := fs.Bool("partial", def.PartialRecord, "end one logon copy of Resync.cfg in a partial record")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	now, err := time.Parse(time.RFC3339, *nowFlag)
	if err != nil {
		return fmt.Errorf("-now: %v", err)
	}
	if (*out == "") == (*resync == "") {
		return errors.New("give exactly one of -out and -resync")
	}

	if *resync != "" {
		return writeResync(*resync, *n, *seed, now)
	}
	c := sample.Config{
		Seed:             *seed,
		Now:              now,
		SiteCode:         def.SiteCode,
		Domains:          *domains,
		ClientsPerDomain: none(*clients),
		EntriesPerDomain: none(*entries),
		InvalidEvery:     *invalidEvery,
		LogonServers:     none(*logons),
		CaseMangle:       *mangle,
		OrphansPerLogon:  *orphansLogon,
		OrphansPerDomain: *orphansDomain,
		PartialRecord:    *partial,
	}
	if *domains < 1 {
		return errors.New("-domains must be at least 1")
	}
	l, err := sample.Generate(*out, c)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "site %s: %d domains, %d logon servers\n", l.Root, len(l.Domains), len(l.Logons))
	return nil
}

// none maps a flag's 0 ("none") to the Config's negative ("none"; its 0 is
// the default).
func none(v int) int {
	if v == 0 {
		return -1
	}
	return v
}

func writeResync(path string, n int, seed uint64, now time.Time) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = sample.WriteResync(f, n, seed, now) // it writes in large chunks
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}
