// Package exitcode carries dumpsync's documented exit codes from the code
// that knows why to main, which is the only place that exits.
package exitcode

import "fmt"

// The exit codes, as documented in README.
const (
	OK        = 0 // success
	Attention = 1 // the work completed but something needs attention
	Usage     = 2 // usage error or bad input; nothing was changed
	// Interrupted: stopped by Ctrl-C, Ctrl-Break, console close or SIGTERM
	// (128 + SIGINT, as shells report it).
	Interrupted = 130
)

// Error is an error with an exit code. Err may be nil when the problems were
// already reported line by line and only the code remains to be returned.
type Error struct {
	Code int
	Err  error
	Hint string // what to do instead, printed as "dumpsync: hint: ..." after Err
}

func (e *Error) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Usagef returns a usage error (exit 2).
func Usagef(format string, args ...any) error {
	return &Error{Code: Usage, Err: fmt.Errorf(format, args...)}
}

// UsageHint returns a usage error (exit 2) followed by a hint.
func UsageHint(hint, format string, args ...any) error {
	return &Error{Code: Usage, Err: fmt.Errorf(format, args...), Hint: hint}
}

// UsageErr wraps err as a usage error (exit 2).
func UsageErr(err error) error {
	if err == nil {
		return nil
	}
	return &Error{Code: Usage, Err: err}
}

// NeedsAttention is the exit-1 result whose details were already reported.
var NeedsAttention error = &Error{Code: Attention}
