package check

import "testing"

// --verify reports its progress folder by folder; the counts add up to the
// rows it verified, so a bar reaches 100%.
func TestPlanVerifyProgress(t *testing.T) {
	_, rows := planFixture(t)
	var calls, done int
	gate(t, rows, PlanOptions{Verify: true, Progress: func(n int) { calls++; done += n }})
	if done != len(rows) || calls == 0 {
		t.Errorf("progress: %d rows in %d calls, want %d rows", done, calls, len(rows))
	}
	// Without --verify nothing is applied, so nothing is reported.
	calls = 0
	gate(t, rows, PlanOptions{Progress: func(int) { calls++ }})
	if calls != 0 {
		t.Errorf("progress called %d times without --verify", calls)
	}
}
