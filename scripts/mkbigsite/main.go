// Command mkbigsite writes one big domain folder for scripts/bench-plan.sh:
// a Resync.cfg of -entries records and an Invencfg.box of -cfgs .cfg files
// (see sample.BigDomain). It is a development tool, not part of dumpsync.
//
//	go run ./scripts/mkbigsite -out DIR [-entries 1000000] [-cfgs 100000] [-seed 1] [-now RFC3339]
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/dumpsync/dumpsync/internal/sample"
)

func main() {
	out := flag.String("out", "", "the domain `folder` to write (must be empty or not exist)")
	entries := flag.Int("entries", 1_000_000, "records in Resync.cfg")
	cfgs := flag.Int("cfgs", 100_000, ".cfg files in Invencfg.box")
	seed := flag.Uint64("seed", 1, "random seed")
	nowFlag := flag.String("now", sample.DefaultNow.Format(time.RFC3339), "the time ages are relative to, RFC 3339")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: mkbigsite -out DIR [-entries N] [-cfgs N] [-seed N] [-now RFC3339]")
		os.Exit(2)
	}
	now, err := time.Parse(time.RFC3339, *nowFlag)
	if err == nil {
		if ents, rerr := os.ReadDir(*out); rerr == nil && len(ents) > 0 {
			err = fmt.Errorf("%s is not empty", *out)
		}
	}
	if err == nil {
		err = sample.BigDomain(*out, *entries, *cfgs, *seed, now)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "mkbigsite: %v\n", err)
		os.Exit(2)
	}
}
