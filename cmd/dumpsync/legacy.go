package main

import (
	"math"
	"strconv"
	"strings"

	"github.com/dumpsync/dumpsync/internal/apply"
	"github.com/dumpsync/dumpsync/internal/applycmd"
	"github.com/dumpsync/dumpsync/internal/exitcode"
	"github.com/dumpsync/dumpsync/internal/plan"
	"github.com/dumpsync/dumpsync/internal/report"
)

// LegacyCmd is the original syntax, `dumpsync [days] [/Dump]`; main routes
// to it when the first argument is not a command.
type LegacyCmd struct {
	Args []string `arg:"" optional:"" name:"ARGS" help:"days and/or /Dump."`
}

// Help is shown by 'dumpsync 90 --help' (and 'dumpsync /Dump /?').
func (c *LegacyCmd) Help() string {
	return `Run in a domain folder (the one holding Resync.cfg and Invencfg.box), as Dumpsync.exe was:
'dumpsync DAYS' removes the requests more than DAYS days old and deletes their Invencfg.box files,
at once: a plan of that folder applied within it, with an undo file ('dumpsync apply UNDOFILE
--within .' puts everything back). '/Dump' (or -dump, any case) lists the entries as a table first;
alone it only lists them. For review before anything changes, use 'dumpsync plan' and 'dumpsync apply'.

Examples:
  dumpsync /Dump              # list the Resync.cfg of the current folder
  dumpsync 90                 # remove requests more than 90 days old, here
  dumpsync 90 /Dump -f csv    # list first, then remove; as CSV`
}

// isDigits reports whether s is one or more ASCII digits: days, in the
// original syntax.
func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// legacyUsage is the usage line kong writes for the legacy command, and
// what users typed to get there.
const legacyUsage, legacyUsageShown = "Usage: dumpsync legacy [<ARGS> ...]", "Usage: dumpsync [days] [/Dump]"

var commands = map[string]bool{"dump": true, "plan": true, "apply": true, "check": true, "schema": true, "help": true, "legacy": true}

// flagsWithValue are the global flags whose next argument is their value.
var flagsWithValue = map[string]bool{"-f": true, "--format": true, "--out": true, "--encoding": true, "--now": true}

func isDumpSwitch(a string) bool {
	return strings.EqualFold(a, "/dump") || strings.EqualFold(a, "-dump")
}

// legacyArgs rewrites the original syntax into the hidden legacy command:
// when the first positional argument is not a command name but days or
// /Dump (also -dump, any case), "legacy" is put in front of the arguments.
func legacyArgs(args []string) []string {
	legacy := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if isDumpSwitch(a) {
			legacy = true
			break
		}
		if strings.HasPrefix(a, "-") {
			if flagsWithValue[a] {
				i++
			}
			continue
		}
		if commands[strings.ToLower(a)] {
			return args
		}
		if isDigits(a) {
			legacy = true
		}
		break
	}
	if !legacy {
		return args
	}
	out := []string{"legacy"}
	for _, a := range args {
		if isDumpSwitch(a) {
			a = "/dump"
		}
		out = append(out, a)
	}
	return out
}

// Run carries out the original syntax.
func (c *LegacyCmd) Run(g *Globals, s *Streams, rep *report.Reporter, now Clock) error {
	var days = -1
	dumpFirst := false
	for _, a := range c.Args {
		switch {
		case isDumpSwitch(a):
			dumpFirst = true
		default:
			n, err := strconv.ParseUint(a, 10, 31)
			if isDigits(a) && err != nil && days < 0 {
				return exitcode.Usagef("days %s is too large (at most %d)", a, math.MaxInt32)
			}
			if err != nil || days >= 0 {
				return exitcode.Usagef("unexpected argument %q (the original syntax is: dumpsync [days] [/Dump])", a)
			}
			days = int(n)
		}
	}
	if days < 0 {
		return runDump(g, s, rep, now, nil, false, "table")
	}
	if !dumpFirst {
		return cleanHere(g, s, rep, now, int64(days))
	}
	if g.Out != "" {
		return exitcode.Usagef("--out takes one output, and 'dumpsync %d /Dump' writes two (the dump, then the results): drop /Dump or --out", days)
	}
	// Dump first, as the original did; a dump that needs attention (a
	// partial record) does not stop the cleaning, whose rows say the rest.
	dumpErr := runDump(g, s, rep, now, nil, false, "table")
	if dumpErr != nil && dumpErr != exitcode.NeedsAttention {
		return dumpErr
	}
	if err := cleanHere(g, s, rep, now, int64(days)); err != nil {
		return err
	}
	return dumpErr
}

// cleanHere is the original 'dumpsync DAYS': plan the current domain folder
// and apply that plan at once, confined to that folder, with an undo file.
func cleanHere(g *Globals, s *Streams, rep *report.Reporter, now Clock, days int64) error {
	t, err := g.clock(now)
	if err != nil {
		return err
	}
	pc := &PlanCmd{Days: days, Domains: []string{"."}, Parallel: 1}
	domains, _, err := pc.folders(rep)
	if err != nil {
		return err
	}
	p := &plan.Planner{
		Opt:  plan.Options{Days: days, Now: t, Parallel: 1, Interrupt: s.Interrupt},
		Warn: rep.Warn,
	}
	// The rows go from the planner to apply's spool as they are planned:
	// apply reads the whole plan before it changes anything, and the plan
	// is never held in memory.
	var sum plan.Summary
	src := apply.NewPlanSource(func(emit func(*plan.Row) error) error {
		var err error
		sum, err = p.Run(domains, nil, emit)
		return err
	})
	ac := &ApplyCmd{Within: domains}
	err = applycmd.Run(ac.request(g, s, rep, now(), "plan", src, "table"))
	if perr := src.Close(); perr != nil {
		// The plan failed (or was interrupted): apply stopped reading it,
		// and nothing was changed.
		return perr
	}
	if err == nil && sum.Attention {
		return exitcode.NeedsAttention
	}
	return err
}
