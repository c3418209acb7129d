package apply

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"sync/atomic"
	"testing"

	"github.com/dumpsync/dumpsync/internal/plan"
	"github.com/dumpsync/dumpsync/internal/planread"
	"github.com/dumpsync/dumpsync/internal/sample"
)

// drain reads src to its end and returns the rows and the error that ended
// them (nil for io.EOF).
func drain(src planread.RowSource) ([]planread.Row, error) {
	var rows []planread.Row
	for {
		r, err := src.Next()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		rows = append(rows, r)
	}
}

// TestPlanSourceAsFromPlan: a planner's rows read through PlanSource are
// FromPlan's rows of the same plan, in the same order and numbering.
func TestPlanSourceAsFromPlan(t *testing.T) {
	c := sample.DefaultConfig(1, sample.DefaultNow)
	c.LogonServers = 2
	l, err := sample.Generate(filepath.Join(t.TempDir(), "site"), c)
	if err != nil {
		t.Fatal(err)
	}
	planner := func() *plan.Planner {
		return &plan.Planner{Opt: plan.Options{Days: 90, Now: sample.DefaultNow, Parallel: 2}, Warn: func(error) {}}
	}
	var rows []plan.Row
	if _, err := planner().Run(l.Domains, l.Logons, func(r *plan.Row) error { rows = append(rows, *r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(rows) <= planBatch {
		t.Fatalf("%d rows: not enough to fill a batch", len(rows))
	}
	src := NewPlanSource(func(emit func(*plan.Row) error) error {
		_, err := planner().Run(l.Domains, l.Logons, emit)
		return err
	})
	got, err := drain(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if want := FromPlan(rows).Rows; !reflect.DeepEqual(got, want) {
		t.Errorf("%d rows through PlanSource, %d through FromPlan; they differ", len(got), len(want))
	}
}

// TestPlanSourceHoldsFewRows: the planner runs at most a few batches ahead
// of the reader, however many rows it plans.
func TestPlanSourceHoldsFewRows(t *testing.T) {
	const total = 50 * planBatch
	var emitted atomic.Int64
	src := NewPlanSource(func(emit func(*plan.Row) error) error {
		for i := range total {
			emitted.Add(1)
			if err := emit(&plan.Row{Action: plan.RemoveEntry, SmsId: fmt.Sprint(i)}); err != nil {
				return err
			}
		}
		return nil
	})
	bound := int64((planBatches + 2) * planBatch)
	for read := int64(0); ; read++ {
		r, err := src.Next()
		if err == io.EOF {
			if read != total {
				t.Fatalf("%d rows read, want %d", read, total)
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if r.N != int(read)+1 || r.SmsId != fmt.Sprint(read) {
			t.Fatalf("row %d: N %d SmsId %s", read+1, r.N, r.SmsId)
		}
		if ahead := emitted.Load() - read; ahead > bound {
			t.Fatalf("after %d rows read, %d planned: %d held, more than %d", read, emitted.Load(), ahead, bound)
		}
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestPlanSourceErrorAndClose: the planner's error comes after the rows
// planned before it, and from Close; Close stops a planner the reader no
// longer reads, and is then no error.
func TestPlanSourceErrorAndClose(t *testing.T) {
	boom := errors.New("boom")
	src := NewPlanSource(func(emit func(*plan.Row) error) error {
		for range 3 {
			if err := emit(&plan.Row{Action: plan.RemoveEntry}); err != nil {
				return err
			}
		}
		return boom
	})
	rows, err := drain(src)
	if len(rows) != 3 || !errors.Is(err, boom) {
		t.Errorf("%d rows, then %v; want 3, then boom", len(rows), err)
	}
	if err := src.Close(); !errors.Is(err, boom) {
		t.Errorf("Close: %v, want boom", err)
	}

	var emits atomic.Int64
	stopped := make(chan error, 1)
	src = NewPlanSource(func(emit func(*plan.Row) error) error {
		for {
			emits.Add(1)
			if err := emit(&plan.Row{Action: plan.RemoveEntry}); err != nil {
				stopped <- err
				return err
			}
		}
	})
	if _, err := src.Next(); err != nil {
		t.Fatal(err)
	}
	if err := src.Close(); err != nil {
		t.Errorf("Close of a planner still at work: %v", err)
	}
	if err := <-stopped; err == nil {
		t.Error("the planner was not told to stop")
	}
	if n := emits.Load(); n > (planBatches+3)*planBatch {
		t.Errorf("%d rows planned after the reader stopped", n)
	}
}
