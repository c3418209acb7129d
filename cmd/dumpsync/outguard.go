package main

import (
	"os"

	"github.com/alecthomas/kong"

	"github.com/dumpsync/dumpsync/internal/exitcode"
	"github.com/dumpsync/dumpsync/internal/paths"
	"github.com/dumpsync/dumpsync/internal/site"
)

// outGuard refuses an --out that would destroy what the command reads or
// keeps, before anything is read: a Resync.cfg, a file dumpsync keeps
// beside one or anything in an Invencfg.box (site.SMSFile), and any file
// named by another argument: the plan being applied or gated, a file being
// dumped, the --undo file.
func outGuard(ctx *kong.Context, out string) error {
	if out == "" {
		return nil
	}
	if why := site.SMSFile(out); why != "" {
		return exitcode.Usagef("--out %s is %s: records are never written where SMS or dumpsync keep files; choose another name; nothing was done", out, why)
	}
	outInfo, outErr := os.Stat(out)
	if outErr == nil && outInfo.IsDir() {
		return nil // the output says it is a folder
	}
	for _, a := range givenArgs(ctx) {
		if !fileArgs[a.name] {
			continue
		}
		for _, arg := range a.values {
			if arg == "" || arg == "-" {
				continue
			}
			same := samePath(out, arg)
			if !same && outErr == nil {
				if fi, err := os.Stat(arg); err == nil && !fi.IsDir() {
					same = os.SameFile(outInfo, fi)
				}
			}
			if same {
				return exitcode.Usagef("--out %s is also %s %s: choose another name; nothing was done", out, a.name, arg)
			}
		}
	}
	return nil
}

// fileArgs are the arguments that name files a command reads or writes
// (the others name folders, formats, times...).
var fileArgs = map[string]bool{"PATH": true, "PLAN": true, "--plan": true, "--undo": true}

// samePath reports whether a and b are the same path once absolute and
// clean (on Windows ignoring case and a \\?\ prefix), whether or not it
// exists.
func samePath(a, b string) bool {
	a, aerr := paths.Abs(a)
	b, berr := paths.Abs(b)
	return aerr == nil && berr == nil && paths.Within(a, b) && paths.Within(b, a)
}
