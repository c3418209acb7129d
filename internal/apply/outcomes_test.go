package apply

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestOutcomesRoundTrip: the outcomes of rows put folder by folder (in any
// order of folders) come back in plan order, whether they repeat a Detail
// ("removed"), each have their own (as text, or numbered: "restored at
// offset N", as every row of an undo file has; a number too large for a
// slot kept as text), in runs of the same outcome and not, Details longer
// than a block among them; in memory,
// in the temporary file, and after the file failed part way (the rest in
// memory).
func TestOutcomesRoundTrip(t *testing.T) {
	const n = 20000
	want := make([]outcome, n)
	for i := range want {
		switch {
		case i >= 12000 && i < 13000: // a run of one outcome, as a rewrite gives
			want[i] = outcome{status: Applied, detail: "removed"}
		case i >= 13000 && i < 14000: // a run of numbered ones, as an undo gives
			want[i] = outcome{status: Applied, detail: "restored at offset ", n: 48*int64(i) + 1}
		case i >= 14000 && i < 14010: // the same text, another status
			want[i] = outcome{status: WhatIf, detail: "restored at offset ", n: 48*int64(i) + 1}
		case i%1000 == 999:
			want[i] = outcome{status: Failed, detail: strings.Repeat(fmt.Sprintf("long %d ", i), 20000)} // > detailBlock
		case i%7 == 0:
			want[i] = outcome{status: Applied, detail: "removed"}
		case i%11 == 0:
			want[i] = outcome{} // not reached
		case i%13 == 0:
			want[i] = outcome{status: Skipped, detail: ""}
		case i%3 == 0:
			want[i] = outcome{status: Applied, detail: "restored at offset ", n: 48*int64(i) + 1}
		case i%5 == 0:
			want[i] = outcome{status: WhatIf, detail: "would be restored at offset ", n: 48*int64(i) + 1}
		case i == 9998:
			want[i] = outcome{status: Applied, detail: "restored at offset ", n: maxNumber + 2}
		default:
			want[i] = outcome{status: Applied, detail: fmt.Sprintf("restored at offset %d", 48*i)}
		}
	}
	// Folders of 3000 rows, the last one carried out first (as a
	// dependent folder comes after the site).
	var folders [][2]int
	for from := 0; from < n; from += 3000 {
		folders = append(folders, [2]int{from, min(3000, n-from)})
	}
	folders = append(folders[len(folders)-1:], folders[:len(folders)-1]...)
	for _, mode := range []string{"memory", "file", "file fails"} {
		t.Run(mode, func(t *testing.T) {
			o, err := newOutcomes(n, mode != "memory")
			if err != nil {
				t.Fatal(err)
			}
			defer o.close()
			for k, f := range folders {
				if mode == "file fails" && k == 2 {
					// Writes fail from here on (a file open only for reading
					// in its place): the outcomes move to memory.
					// (The file has no name: it is reopened through /proc,
					// which only Linux has. Under Wine a Windows handle's
					// number names some other descriptor there.)
					if runtime.GOOS != "linux" {
						t.Skip("no /proc/self/fd on", runtime.GOOS)
					}
					ro, err := os.Open(fmt.Sprintf("/proc/self/fd/%d", o.f.Fd()))
					if err != nil {
						t.Skip("cannot reopen the temporary file for reading:", err)
					}
					o.f.Close()
					o.f = ro
				}
				if err := o.put(f[0], f[1], slices.Values(want[f[0]:f[0]+f[1]])); err != nil {
					t.Fatal(err)
				}
			}
			if mode == "file fails" && o.f != nil {
				t.Fatal("the outcomes did not move to memory when the file failed")
			}
			r := o.reader()
			for i := range want {
				got, err := r.next()
				if err != nil {
					t.Fatalf("row %d: %v", i, err)
				}
				if got.status != want[i].status || got.text() != want[i].text() {
					t.Fatalf("row %d: %q %.40q, want %q %.40q", i, got.status, got.text(), want[i].status, want[i].text())
				}
			}
		})
	}
}

// BenchmarkOutcomesOwnDetails puts and reads back the outcomes of 500 000
// rows that each have a Detail of their own, in the temporary file: as
// text, and numbered (as an undo file's rows are); in plan order, and with
// the rows of two folders alternating in the plan (the Details are written
// folder by folder, and read in plan order).
func BenchmarkOutcomesOwnDetails(b *testing.B) {
	const n = 500000
	text := make([]outcome, n)
	numbered := make([]outcome, n)
	for i := range text {
		text[i] = outcome{status: Applied, detail: fmt.Sprintf("restored at offset %d", 48*i)}
		numbered[i] = outcome{status: Applied, detail: "restored at offset ", n: 48*int64(i) + 1}
	}
	b.Run("text in order", func(b *testing.B) { benchOutcomes(b, text, false) })
	b.Run("text two folders alternating", func(b *testing.B) { benchOutcomes(b, text, true) })
	b.Run("numbered in order", func(b *testing.B) { benchOutcomes(b, numbered, false) })
	b.Run("numbered two folders alternating", func(b *testing.B) { benchOutcomes(b, numbered, true) })
}

func benchOutcomes(b *testing.B, outs []outcome, alternate bool) {
	n := len(outs)
	for b.Loop() {
		o, err := newOutcomes(n, true)
		if err != nil {
			b.Fatal(err)
		}
		if alternate {
			// Folder A holds the even rows, folder B the odd ones: each is
			// put row by row, A's first.
			for _, first := range []int{0, 1} {
				for i := first; i < n; i += 2 {
					if err := o.put(i, 1, slices.Values(outs[i:i+1])); err != nil {
						b.Fatal(err)
					}
				}
			}
		} else if err := o.put(0, n, slices.Values(outs)); err != nil {
			b.Fatal(err)
		}
		r := o.reader()
		for range n {
			if _, err := r.next(); err != nil {
				b.Fatal(err)
			}
		}
		o.close()
	}
}
