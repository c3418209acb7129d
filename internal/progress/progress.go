// Package progress shows scanning progress on a terminal's stderr. It is
// only ever created when stderr is a terminal; it never writes to stdout.
package progress

import (
	"fmt"
	"io"
	"sync/atomic"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// Bar counts folders and bytes scanned.
type Bar struct {
	p     *mpb.Progress
	bar   *mpb.Bar
	bytes atomic.Int64
}

// New starts a bar for total folders, drawn on w.
func New(w io.Writer, total int) *Bar {
	b := &Bar{p: mpb.New(mpb.WithOutput(w), mpb.WithWidth(30))}
	b.bar = b.p.AddBar(int64(total),
		mpb.PrependDecorators(decor.Name("scanning "), decor.CountersNoUnit("%d/%d folders")),
		mpb.AppendDecorators(decor.Any(func(decor.Statistics) string { return Bytes(b.bytes.Load()) })),
	)
	return b
}

// NewRows starts a bar for total plan rows, drawn on w: "applying 12/340 rows".
func NewRows(w io.Writer, verb string, total int) *Bar {
	b := &Bar{p: mpb.New(mpb.WithOutput(w), mpb.WithWidth(30))}
	b.bar = b.p.AddBar(int64(total),
		mpb.PrependDecorators(decor.Name(verb+" "), decor.CountersNoUnit("%d/%d rows")),
		mpb.AppendDecorators(decor.Percentage()),
	)
	return b
}

// Rows counts n rows done; its signature fits apply.Options.Progress.
func (b *Bar) Rows(n int) { b.bar.IncrBy(n) }

// Scanned adds bytes read.
func (b *Bar) Scanned(_ string, n int64) { b.bytes.Add(n) }

// FolderDone counts one folder.
func (b *Bar) FolderDone(string) { b.bar.Increment() }

// Stop removes the bar and waits until it is drawn for the last time.
func (b *Bar) Stop() {
	b.bar.Abort(true)
	b.p.Wait()
}

// Bytes renders a byte count for people (1.5 MB).
func Bytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}

// Thousands renders n with thousands separators: 1,234,567.
func Thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := ""
	if n < 0 {
		neg, s = "-", s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return neg + s
}
