package check

import (
	"fmt"
	"strings"
)

// RepairPartial says, as text, how to cut the partial record at offset off
// from the Resync.cfg at path: plan plans nothing in a folder whose file ends
// in one and apply rewrites no such file, so it stays until someone cuts it.
// dumpsync never cuts it itself: the bytes may be a request SMS is still
// writing, and only an administrator who has stopped SMS (or waited) can
// tell. The lines are for PowerShell (on Windows, or on the file's share)
// and for a Unix shell (a Samba share, a copy); each cuts the file to off
// bytes, keeping every whole record.
func RepairPartial(path string, off int64) string {
	return fmt.Sprintf("to repair it, make sure SMS is not writing to it, back it up, then cut it to %d bytes: "+
		"PowerShell: $f=[IO.File]::Open(%s,'Open'); $f.SetLength(%d); $f.Close() "+
		"| shell: truncate -s %d %s (or: dd if=/dev/null of=%s bs=1 seek=%d)",
		off, psQuote(path), off, off, shQuote(path), shQuote(path), off)
}

// psQuote quotes s as a PowerShell single-quoted string: ' doubles, and so
// do the typographic quotes PowerShell also ends such a string at.
func psQuote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'', '\u2018', '\u2019', '\u201A', '\u201B':
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String()
}

// shQuote quotes s for a POSIX shell: in single quotes, each ' as '\”.
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
