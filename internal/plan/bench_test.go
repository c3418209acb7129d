package plan

import (
	"io"
	"path/filepath"
	"testing"

	"github.com/dumpsync/dumpsync/internal/output"
	"github.com/dumpsync/dumpsync/internal/sample"
)

// BenchmarkPlanLarge plans one domain of 1,000,000 entries and 100,000 .cfg
// files (about half of them deleted) and encodes the plan as JSON, the work
// of `dumpsync plan --days 90 DOMAIN -f json > /dev/null` without the process.
// The site is built once; b.Loop times only the plan. scripts/bench-plan.sh
// measures the same through the binary, with peak RSS.
func BenchmarkPlanLarge(b *testing.B) {
	const entries, cfgs = 1_000_000, 100_000
	dom := filepath.Join(b.TempDir(), "Domain.000")
	if err := sample.BigDomain(dom, entries, cfgs, 1, sample.DefaultNow); err != nil {
		b.Fatal(err)
	}
	var sum Summary
	for b.Loop() {
		enc, err := output.NewEncoder(io.Discard, output.JSON, Row{})
		if err != nil {
			b.Fatal(err)
		}
		p := &Planner{Opt: Options{Days: 90, Now: sample.DefaultNow, Parallel: 8}, Warn: func(err error) { b.Fatal(err) }}
		sum, err = p.Run([]string{dom}, nil, func(r *Row) error { return enc.Encode(r) })
		if err != nil {
			b.Fatal(err)
		}
		if err := enc.Close(); err != nil {
			b.Fatal(err)
		}
	}
	if sum.Files < cfgs/3 || sum.Files > cfgs*2/3 {
		b.Errorf("%d of %d .cfg files planned for deletion, want about half", sum.Files, cfgs)
	}
	b.ReportMetric(float64(entries)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
	b.ReportMetric(float64(sum.Entries), "rows")
	b.ReportMetric(float64(sum.Files), "files")
}
