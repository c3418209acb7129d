package apply

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dumpsync/dumpsync/internal/plan"
	"github.com/dumpsync/dumpsync/internal/planread"
	"github.com/dumpsync/dumpsync/internal/record"
	"github.com/dumpsync/dumpsync/internal/sample"
)

var agreeNow = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// randomSite generates a site with package sample and then roughens it:
// lower-cased SMSIDs in records and .cfg names, exact duplicates, undated
// and future copies of requests, and now and then a domain that ends in a
// partial record. Invalid entries of every kind come from sample
// (InvalidEvery), among them the one whose SMSID field starts with a valid
// client's ID.
func randomSite(t *testing.T, rng *rand.Rand, seed uint64) *sample.Layout {
	t.Helper()
	c := sample.Config{
		Seed: seed, Now: agreeNow, SiteCode: "ABC",
		Domains:          1 + rng.IntN(3),
		ClientsPerDomain: 3 + rng.IntN(30),
		EntriesPerDomain: 10 + rng.IntN(150),
		InvalidEvery:     1 + rng.IntN(8),
		LogonServers:     -1 + rng.IntN(5), // -1: none
		CaseMangle:       rng.IntN(2) == 0,
		OrphansPerLogon:  rng.IntN(3),
		OrphansPerDomain: rng.IntN(3),
		PartialRecord:    rng.IntN(3) == 0,
	}
	if c.LogonServers == 0 {
		c.LogonServers = -1
	}
	l, err := sample.Generate(filepath.Join(t.TempDir(), "site"), c)
	if err != nil {
		t.Fatal(err)
	}
	folders := append(append([]string(nil), l.Domains...), l.Logons...)
	for k, dir := range folders {
		ents, _ := os.ReadDir(dir)
		for _, de := range ents {
			p := filepath.Join(dir, de.Name())
			switch {
			case strings.EqualFold(de.Name(), "Resync.cfg"):
				roughen(t, rng, p, k < len(l.Domains) && rng.IntN(8) == 0)
			case de.IsDir():
				cfgs, _ := os.ReadDir(p)
				for _, f := range cfgs {
					if rng.IntN(6) == 0 {
						os.Rename(filepath.Join(p, f.Name()), filepath.Join(p, strings.ToLower(f.Name())))
					}
				}
			}
		}
	}
	return l
}

// roughen rewrites one Resync.cfg with lower-cased, duplicated, undated and
// future records mixed in, keeping a partial record at the end if it had
// one, or adding one when partial is set.
func roughen(t *testing.T, rng *rand.Rand, p string, partial bool) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	whole := len(b) / record.Size * record.Size
	tail := append([]byte(nil), b[whole:]...)
	var out []byte
	for off := 0; off < whole; off += record.Size {
		e := record.Parse(b[off:])
		if e.Valid() && rng.IntN(5) == 0 {
			lower := record.Make(strings.ToLower(e.SmsID()), e.Time(), e.Extra())
			e = lower
		}
		out = append(out, e.Raw[:]...)
		switch rng.IntN(12) {
		case 0: // the very same 48 bytes again
			out = append(out, e.Raw[:]...)
		case 1: // the same client, undated
			x := record.Make(e.SmsID(), 0, e.Extra())
			out = append(out, x.Raw[:]...)
		case 2: // the same client, in the future
			x := record.Make(e.SmsID(), uint32(agreeNow.Unix())+uint32(1+rng.IntN(86400*30)), e.Extra())
			out = append(out, x.Raw[:]...)
		case 3: // the same client, exactly now
			x := record.Make(e.SmsID(), uint32(agreeNow.Unix()), e.Extra())
			out = append(out, x.Raw[:]...)
		}
	}
	if partial && len(tail) == 0 {
		tail = []byte("partial")
	}
	if err := os.WriteFile(p, append(out, tail...), 0o644); err != nil {
		t.Fatal(err)
	}
}

// planRows plans the whole site with o and returns the rows as apply reads
// them, validated.
func planRows(t *testing.T, l *sample.Layout, o plan.Options) []planread.Row {
	t.Helper()
	var rows []plan.Row
	p := &plan.Planner{Opt: o, Warn: func(error) {}}
	if _, err := p.Run(l.Domains, l.Logons, func(r *plan.Row) error { rows = append(rows, *r); return nil }); err != nil {
		t.Fatal(err)
	}
	valid, errs := planread.Validate(FromPlan(rows), planread.Options{Within: []string{l.Dir}})
	if len(errs) > 0 {
		t.Fatalf("the plan does not validate: %v", errs[0])
	}
	return valid
}

func runRows(t *testing.T, rows []planread.Row, whatIf bool) []Result {
	t.Helper()
	var res []Result
	opt := Options{WhatIf: whatIf, Now: agreeNow, PartialWaits: []time.Duration{}}
	if _, err := Run(rows, opt, func(r *Result) error { res = append(res, *r); return nil }); err != nil {
		t.Fatal(err)
	}
	return res
}

// Plan and apply agree (issue 11.7): for random sites, apply --what-if of
// a fresh plan reports every row WhatIf, apply then applies every row, and
// a new plan finds nothing more to do.
func TestPlanApplyAgree(t *testing.T) {
	// Each rewrite waits resyncedit's grace period (200 ms): 25 sites take
	// about 20 s.
	n := 25
	if testing.Short() {
		n = 6
	}
	days := []int64{0, 1, 7, 30, 90, 365, 1000}
	for seed := uint64(1); seed <= uint64(n); seed++ {
		rng := rand.New(rand.NewPCG(seed, 11))
		l := randomSite(t, rng, seed)
		o := plan.Options{
			Days: days[rng.IntN(len(days))], Now: agreeNow,
			Orphans: rng.IntN(2) == 0, LogonAllCfg: rng.IntN(3) == 0, IncludeInvalid: rng.IntN(2) == 0,
			Parallel: 1 + rng.IntN(4),
		}
		name := fmt.Sprintf("seed %d %+v", seed, o)
		rows := planRows(t, l, o)
		for _, whatIf := range []bool{true, false} {
			want := Applied
			if whatIf {
				want = WhatIf
			}
			for _, r := range runRows(t, rows, whatIf) {
				if r.Status != want {
					t.Fatalf("%s: what-if=%v: %s %s: %s (%s), want %s", name, whatIf, r.Action, r.Path, r.Status, r.Detail, want)
				}
			}
		}
		if again := planRows(t, l, o); len(again) != 0 {
			r := again[0]
			t.Fatalf("%s: after apply, plan again finds %d rows, first %s %s (%s)", name, len(again), r.Action, r.Path, deref2(r.Reason))
		}
	}
}

func deref2(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
