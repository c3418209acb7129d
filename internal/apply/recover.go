package apply

import (
	"errors"
	"fmt"

	"github.com/dumpsync/dumpsync/internal/interrupt"
	"github.com/dumpsync/dumpsync/internal/resyncedit"
	"github.com/dumpsync/dumpsync/internal/site"
)

// recoverFolder carries over, before anything else in the folder, the
// records that an interrupted apply left in recovery files beside its
// Resync.cfg (see resyncedit.Recover), reporting each in one line; with
// --what-if it only says they wait there. The DeleteFile rows' check for
// fresh requests must see them. It returns why the folder's rows cannot be
// carried out, or "".
//
// The recovered records are SMS's requests, which the interrupted apply
// would have kept: they are not journaled, and no undo removes them (undo
// puts back what apply removed; it never removes what SMS wrote).
func (r *runner) recoverFolder(g *group) string {
	var paths []string
	seen := map[string]bool{}
	add := func(p string) {
		if k := sameKey(p); !seen[k] && r.notPlain(p) == "" {
			seen[k] = true
			paths = append(paths, p)
		}
	}
	if p, err := site.Resync(g.folder); err == nil {
		add(p)
	}
	for _, e := range g.edits {
		add(e.path)
	}
	warn := func(err error) {
		if r.opt.Warn != nil {
			r.opt.Warn(err)
		}
	}
	for _, p := range paths {
		if r.opt.WhatIf {
			los, err := resyncedit.Leftovers(p)
			for _, lo := range los {
				if lo.Records > 0 {
					warn(fmt.Errorf("%s: %s; apply without --what-if recovers %s first", p, lo.Waiting(), lo.Them()))
				}
			}
			if err != nil {
				warn(err)
			}
			continue
		}
		r.waitFor(p) // this run's own recovery files are not leftovers
		rec, err := resyncedit.Recover(p, resyncedit.Options{InUseWait: r.opt.LockedRetry, Interrupt: r.opt.Interrupt})
		for _, x := range rec {
			warn(errors.New(x.String()))
		}
		if errors.Is(err, interrupt.ErrInterrupted) {
			r.interrupted = true // stopped waiting for the lock: the rows stay "not reached"
			return ""
		}
		if err != nil {
			return fmt.Sprintf("records left by an interrupted apply could not be recovered first: %v", err)
		}
	}
	return ""
}

// failGroup gives every row of g the same outcome.
func (r *runner) failGroup(g *group, status, detail string) {
	for _, e := range g.edits {
		for _, op := range e.ops {
			r.set(op.ID, status, detail)
		}
	}
	for _, i := range g.files {
		r.set(i, status, detail)
	}
}
