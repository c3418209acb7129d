// Package report is dumpsync's one voice on stderr, as age's errorf and
// warningf are age's: every error, warning, hint and the summary line a
// command ends with go through a Reporter, so they all look alike
// ("dumpsync: ...") and the warnings are counted. It writes nothing else:
// records go to stdout through package output.
package report

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
)

// Prefix starts every line.
const Prefix = "dumpsync: "

// MaxReasons is how many reasons Reasons prints at most.
const MaxReasons = 5

// Reporter writes dumpsync's messages to one stream. Its methods may be
// called from several goroutines (plan scans folders in parallel).
type Reporter struct {
	mu sync.Mutex
	w  io.Writer
	// Quiet drops the summary and the reasons; errors, warnings and hints
	// are always written.
	Quiet bool

	warnings int
	reasons  map[string]int
	first    map[string]int // order of first appearance, for equal counts
}

// New returns a Reporter writing to w.
func New(w io.Writer) *Reporter {
	return &Reporter{w: w}
}

func (r *Reporter) line(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.write(s)
}

func (r *Reporter) write(s string) {
	fmt.Fprint(r.w, Prefix+strings.TrimPrefix(s, Prefix)+"\n")
}

// Errorf writes an error line.
func (r *Reporter) Errorf(format string, args ...any) {
	r.line(fmt.Sprintf(format, args...))
}

// Error writes err as an error line.
func (r *Reporter) Error(err error) { r.line(err.Error()) }

// Warn writes err as a warning line and counts it. Its signature fits the
// Warn callbacks of packages plan, apply, check and dump.
func (r *Reporter) Warn(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.warnings++
	r.write(err.Error())
}

// Warnf writes a warning line and counts it.
func (r *Reporter) Warnf(format string, args ...any) {
	r.Warn(fmt.Errorf(format, args...))
}

// Warnings is how many warnings were written.
func (r *Reporter) Warnings() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.warnings
}

// Hint writes a "dumpsync: hint: ..." line: what the user could do next.
func (r *Reporter) Hint(format string, args ...any) {
	r.line("hint: " + fmt.Sprintf(format, args...))
}

// Infof writes a line that is neither an error nor a warning (what is about
// to happen, where a file was written). Quiet does not drop it: it is not
// part of the summary.
func (r *Reporter) Infof(format string, args ...any) {
	r.line(fmt.Sprintf(format, args...))
}

// Count is n and a noun: one for 1, else many ("1 entry", "0 entries").
func Count[N ~int | ~int64](n N, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Summary writes the line a command ends with, "dumpsync: CMD: ...",
// unless Quiet.
func (r *Reporter) Summary(cmd, format string, args ...any) {
	if r.Quiet {
		return
	}
	r.line(cmd + ": " + fmt.Sprintf(format, args...))
}

// Reason counts one occurrence of why something needs attention, for
// Reasons. Reasons should be generic ("skipped: Resync.cfg changed since
// the plan"), not name a file, or they do not add up.
func (r *Reporter) Reason(reason string) { r.ReasonN(reason, 1) }

// ReasonN counts n occurrences of reason.
func (r *Reporter) ReasonN(reason string, n int) {
	if n <= 0 || reason == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.reasons == nil {
		r.reasons = map[string]int{}
		r.first = map[string]int{}
	}
	if _, ok := r.first[reason]; !ok {
		r.first[reason] = len(r.first)
	}
	r.reasons[reason] += n
}

// Reasons writes the MaxReasons most frequent reasons, most frequent first,
// as "dumpsync:   N reason" lines, unless Quiet. The warnings count as one
// reason, "N warnings above": their lines name files and do not add up.
func (r *Reporter) Reasons() {
	if r.Quiet {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.warnings > 0 {
		w := "warnings above"
		if r.warnings == 1 {
			w = "warning above"
		}
		if r.reasons == nil {
			r.reasons = map[string]int{}
			r.first = map[string]int{}
		}
		if _, ok := r.first[w]; !ok {
			r.first[w] = len(r.first)
		}
		r.reasons[w] = r.warnings
	}
	keys := make([]string, 0, len(r.reasons))
	for k := range r.reasons {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if r.reasons[a] != r.reasons[b] {
			return r.reasons[a] > r.reasons[b]
		}
		return r.first[a] < r.first[b]
	})
	for i, k := range keys {
		if i == MaxReasons {
			break
		}
		r.write(fmt.Sprintf("  %d %s", r.reasons[k], k))
	}
}

// Ask writes question to the stream followed by " [y/N] " and reads one
// line of answer from in: only "y" or "yes" (any case) is a yes; anything
// else, an empty line or the end of the input is a no.
func (r *Reporter) Ask(in io.Reader, question string) bool {
	r.mu.Lock()
	fmt.Fprint(r.w, question+" [y/N] ")
	r.mu.Unlock()
	var line []byte
	b := make([]byte, 1)
	// One byte at a time: nothing after the answer's line is consumed.
	for len(line) < 256 {
		n, err := in.Read(b)
		if n == 1 {
			if b[0] == '\n' {
				break
			}
			line = append(line, b[0])
		}
		if err != nil {
			break
		}
	}
	switch strings.ToLower(strings.TrimSpace(string(line))) {
	case "y", "yes":
		return true
	}
	return false
}
