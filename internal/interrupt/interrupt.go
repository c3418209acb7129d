// Package interrupt turns the user's request to stop into a channel that
// long-running work polls where stopping is safe: between files and rows,
// never inside the rewrite of a file.
//
// The requests are Ctrl-C (SIGINT) and SIGTERM; on Windows Go delivers
// Ctrl-C and Ctrl-Break as os.Interrupt and closing the console window,
// logoff and shutdown as syscall.SIGTERM (Windows then allows about 5 s).
//
// The first request only closes the channel: the command finishes the file
// it is on, writes what it has and exits 130 (exitcode.Interrupted). A
// second request exits at once — unless Protect was called (apply is
// changing files), because stopping inside a rewrite would leave dumpsync's
// temporary and lock files in an SMS folder.
package interrupt

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/dumpsync/dumpsync/internal/exitcode"
)

// ErrInterrupted is returned by work that stopped because the user asked
// it to; main exits 130 for it.
var ErrInterrupted error = &exitcode.Error{Code: exitcode.Interrupted, Err: errors.New("interrupted")}

// Requested reports whether ch (from Notify; nil: never) is closed.
func Requested(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

var protected atomic.Bool

// Protect makes a second request wait like the first: from now on the
// process stops only where its work polls the channel.
func Protect() { protected.Store(true) }

var (
	mu       sync.Mutex
	cleanups = map[*func()]bool{}
)

// OnForcedExit registers f to run before a second request exits the
// process at once (to remove an --out temporary file); remove unregisters it.
func OnForcedExit(f func()) (remove func()) {
	mu.Lock()
	defer mu.Unlock()
	cleanups[&f] = true
	return func() {
		mu.Lock()
		defer mu.Unlock()
		delete(cleanups, &f)
	}
}

func forced() {
	mu.Lock()
	defer mu.Unlock()
	for f := range cleanups {
		(*f)()
	}
}

// Notify starts catching stop requests. The returned channel is closed on
// the first one; stop restores the default handling. A second request that
// stops the process at once says so on stderr.
func Notify(stderr io.Writer) (requested <-chan struct{}, stop func()) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ch := make(chan struct{})
	done := make(chan struct{})
	go func() {
		n := 0
		for {
			select {
			case <-sigs:
			case <-done:
				return
			}
			n++
			if n == 1 {
				close(ch)
				continue
			}
			if !protected.Load() {
				forced()
				fmt.Fprintln(stderr, "dumpsync: interrupted again: stopped at once")
				os.Exit(exitcode.Interrupted)
			}
		}
	}()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			signal.Stop(sigs)
			close(done)
		})
	}
}
