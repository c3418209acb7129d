package planread

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestErrorColumnOnALongLine: a plan written on one line (ConvertTo-Json
// -Compress, Python's json.dump) is read far beyond the reader's buffer
// before an error; the error's column still counts every character of the
// line before it, multi-byte ones (UTF-8 and UTF-16 input) as one, and
// its byte offset every byte.
func TestErrorColumnOnALongLine(t *testing.T) {
	row := func(i int) string {
		return fmt.Sprintf(`{"Action": "DeleteFile", "Path": "/sites/Dömäin.%03d/ИНВЕНТАРЬ/%d.cfg", "Reason": "日本語 %d"}`, i%7, i, i)
	}
	tests := []struct {
		name      string
		prefix    string // before the first row's line
		rows, bad int    // rows on the line; the one that is broken
	}{
		{"one line", "", 3000, 2500},
		{"second line", "[\n", 3000, 2999},
		{"first row", "", 3000, 0},
		{"short", "", 10, 5},
	}
	for _, tt := range tests {
		for _, enc := range []string{"utf-8", "utf-16"} {
			t.Run(tt.name+" "+enc, func(t *testing.T) {
				var b strings.Builder
				b.WriteString(tt.prefix)
				if tt.prefix == "" {
					b.WriteString("[")
				}
				at := 0
				for i := range tt.rows {
					if i > 0 {
						b.WriteString(", ")
					}
					r := row(i)
					if i == tt.bad {
						at = b.Len() + strings.Index(r, `"Reason"`)
						r = strings.Replace(r, `"Reason":`, `"Reason"::`, 1)
						at += len(`"Reason":`)
					}
					b.WriteString(r)
				}
				b.WriteString("]\n")
				text := b.String()
				lineStart := strings.LastIndexByte(text[:at], '\n') + 1
				line := 1 + strings.Count(text[:at], "\n")
				col := 1 + utf8.RuneCountInString(text[lineStart:at])
				want := fmt.Sprintf("plan.json: line %d, column %d (byte offset %d): ", line, col, at)
				input := []byte(text)
				if enc == "utf-16" {
					input = []byte("\xff\xfe" + utf16le(text))
					want = fmt.Sprintf("plan.json: line %d, column %d: ", line, col)
				}
				rd := Stream(bytes.NewReader(input), "plan.json")
				var err error
				for err == nil {
					_, err = rd.Next()
				}
				if err == io.EOF || !strings.HasPrefix(err.Error(), want) {
					t.Fatalf("error %v\nwant it to start %q", err, want)
				}
			})
		}
	}
}

// TestRuneCount: runeCount is utf8.RuneCount on valid UTF-8, whatever
// the alignment of multi-byte characters to its eight-byte steps.
func TestRuneCount(t *testing.T) {
	for _, s := range []string{"", "a", "é", "日本語", "abcdefgh", "abcdefgé", "\U0001F600xyzabcd\U0001F600", "ИНВЕНТАРЬ/Dömäin.cfg"} {
		for pad := range 9 {
			in := strings.Repeat("x", pad) + s + strings.Repeat("日", pad)
			if got, want := runeCount([]byte(in)), utf8.RuneCountInString(in); got != want {
				t.Errorf("runeCount(%q) = %d, want %d", in, got, want)
			}
		}
	}
}

func FuzzRuneCount(f *testing.F) {
	f.Add([]byte("ИНВЕНТАРЬ/Dömäin.cfg \U0001F600"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if !utf8.Valid(b) {
			return // the reader's text is checked or decoded first
		}
		if got, want := runeCount(b), utf8.RuneCount(b); got != want {
			t.Fatalf("runeCount(%q) = %d, want %d", b, got, want)
		}
	})
}
