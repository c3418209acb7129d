package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/dumpsync/dumpsync/internal/sample"
	"github.com/dumpsync/dumpsync/internal/stats"
)

// TestStatsOverIsPlan checks the promise of stats: OverN of a file is exactly
// the number of RemoveEntry rows `plan --days N` writes for it, for every
// threshold, on the bundled sample and on generated sites. The one exception
// is a file that ends in a partial record: plan plans nothing beside one (apply
// would not rewrite it), stats still counts its whole records.
func TestStatsOverIsPlan(t *testing.T) {
	bundled, err := filepath.Abs("../../testdata/sample")
	if err != nil {
		t.Fatal(err)
	}
	type siteArgs struct {
		name    string
		args    []string // --site and --logon
		partial bool     // a file ends in a partial record
	}
	sites := []siteArgs{{"bundled", []string{"--site", filepath.Join(bundled, "SMS"), "--logon", filepath.Join(bundled, "LOGON*", "SMSLOGON")}, false}}
	for _, c := range []sample.Config{
		sample.DefaultConfig(7, sample.DefaultNow),
		{Seed: 8, Now: sample.DefaultNow, Domains: 3, EntriesPerDomain: 2000, ClientsPerDomain: 300, InvalidEvery: 7, LogonServers: 2, PartialRecord: true},
	} {
		l, err := sample.Generate(t.TempDir(), c)
		if err != nil {
			t.Fatal(err)
		}
		a := []string{"--site", l.Root}
		for _, lg := range l.Logons {
			a = append(a, "--logon", lg)
		}
		sites = append(sites, siteArgs{fmt.Sprintf("seed %d", c.Seed), a, c.PartialRecord})
	}
	for _, s := range sites {
		t.Run(s.name, func(t *testing.T) {
			code, out, errs := planCLI(t, append([]string{"stats", "-f", "json", "--now", planNowFlag}, s.args...)...)
			if code > 1 {
				t.Fatalf("stats: exit %d: %s", code, errs)
			}
			var recs []stats.File
			if err := json.Unmarshal([]byte(out), &recs); err != nil {
				t.Fatal(err)
			}
			if len(recs) < 3 {
				t.Fatalf("only %d files", len(recs))
			}
			partial := 0
			for _, days := range stats.Thresholds {
				code, out, errs := planCLI(t, append([]string{"plan", "--days", fmt.Sprint(days), "-f", "json", "--now", planNowFlag}, s.args...)...)
				if code > 1 {
					t.Fatalf("plan: exit %d: %s", code, errs)
				}
				removes := map[string]int64{}
				total := int64(0)
				for _, r := range planRows(t, out) {
					if r["Action"] == "RemoveEntry" {
						removes[r["Path"].(string)]++
						total++
					}
				}
				var sum int64
				for _, f := range recs {
					over := map[int64]int64{30: f.Over30, 60: f.Over60, 90: f.Over90, 180: f.Over180, 365: f.Over365}[days]
					if f.Bytes%48 != 0 {
						// plan plans nothing beside a partial record (apply
						// would not rewrite the file); stats still counts.
						if removes[f.Path] != 0 {
							t.Errorf("%s ends in a partial record, yet plan removes %d entries", f.Path, removes[f.Path])
						}
						partial++
						continue
					}
					if over != removes[f.Path] {
						t.Errorf("%s: Over%d = %d, plan --days %d removes %d", f.Path, days, over, days, removes[f.Path])
					}
					sum += over
				}
				if sum != total || total == 0 {
					t.Errorf("--days %d: stats count %d, the plan removes %d", days, sum, total)
				}
			}
			if (partial > 0) != s.partial {
				t.Errorf("%d files with a partial record, want some: %v", partial, s.partial)
			}
		})
	}
}

// TestStatsGolden pins stats' output on the sample site: the narrow and wide
// tables (with the age histogram) and JSON.
func TestStatsGolden(t *testing.T) {
	l := defaultPlanSite(t)
	for _, tt := range []struct {
		golden string
		format string
		extra  []string
	}{
		{"stats.json", "json", nil},
		{"stats.txt", "table", nil},
		{"stats.wide.txt", "table", []string{"--wide"}},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			args := append([]string{"stats", "-f", tt.format}, tt.extra...)
			args = append(args, planArgs(l)[3:]...) // --now, --site and --logon as plan takes them
			code, out, errs := planCLI(t, args...)
			if code != 0 {
				t.Fatalf("exit %d, stderr:\n%s", code, errs)
			}
			checkGolden(t, tt.golden, normalizePlan(t, out, l.Dir, tt.format))
			if tt.format != "json" {
				return
			}
			// The summary line adds up the records.
			var recs []stats.File
			if err := json.Unmarshal([]byte(out), &recs); err != nil {
				t.Fatal(err)
			}
			var entries, over90 int64
			for _, r := range recs {
				entries, over90 = entries+r.Entries, over90+r.Over90
			}
			want := fmt.Sprintf("dumpsync: stats: %d entries in %d Resync.cfg, %d of them over 90 days old\n", entries, len(recs), over90)
			if errs != want {
				t.Errorf("stderr = %q, want %q", errs, want)
			}
		})
	}
}

// stats takes PATH as dump does and --site/--logon as plan does; a logon
// server a wildcard found that cannot be read is reported (exit 1), a
// missing PATH or named folder is a usage error.
func TestStatsArgs(t *testing.T) {
	l := defaultPlanSite(t)
	missing := filepath.Join(l.Dir, "nowhere")
	tests := []struct {
		name  string
		args  []string
		code  int
		files int
	}{
		{"PATH folders with a wildcard", []string{filepath.Join(filepath.Dir(l.Domains[0]), "Domain.*")}, 0, 2},
		{"PATH and --site name a file once", []string{l.Domains[0], "--site", l.Root}, 0, 2},
		{"--logon only", []string{"--logon", l.Logons[0]}, 0, 1},
		{"a wildcard finds no Logon.srv", []string{"--site", l.Root, "--logon", filepath.Join(l.Dir, "SM?")}, 1, 2},
		{"missing --logon", []string{"--site", l.Root, "--logon", missing}, 2, 0},
		{"missing PATH", []string{missing}, 2, 0},
		{"missing --site", []string{"--site", missing}, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := planCLI(t, append([]string{"stats", "-f", "json", "--now", planNowFlag}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, errs)
			}
			if code == 2 {
				if out != "" {
					t.Errorf("usage error wrote %q", out)
				}
				return
			}
			var recs []stats.File
			if err := json.Unmarshal([]byte(out), &recs); err != nil {
				t.Fatal(err)
			}
			if len(recs) != tt.files {
				t.Errorf("%d records, want %d", len(recs), tt.files)
			}
		})
	}
}
