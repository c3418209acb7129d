package interrupt

import (
	"errors"
	"testing"

	"github.com/dumpsync/dumpsync/internal/exitcode"
)

func TestRequested(t *testing.T) {
	if Requested(nil) {
		t.Error("a nil channel is never requested")
	}
	ch := make(chan struct{})
	if Requested(ch) {
		t.Error("an open channel is not requested")
	}
	close(ch)
	if !Requested(ch) {
		t.Error("a closed channel is requested")
	}
}

// TestErrInterruptedExitCode: main turns the error into exit 130, however
// it is wrapped.
func TestErrInterruptedExitCode(t *testing.T) {
	var ee *exitcode.Error
	err := errors.Join(errors.New("other"), ErrInterrupted)
	if !errors.As(err, &ee) || ee.Code != 130 || !errors.Is(err, ErrInterrupted) {
		t.Errorf("exit code of %v: %v", err, ee)
	}
}

func TestOnForcedExit(t *testing.T) {
	var ran []string
	removeA := OnForcedExit(func() { ran = append(ran, "a") })
	removeB := OnForcedExit(func() { ran = append(ran, "b") })
	removeA()
	forced()
	removeB()
	forced()
	if len(ran) != 1 || ran[0] != "b" {
		t.Errorf("ran %q, want [b]", ran)
	}
}
