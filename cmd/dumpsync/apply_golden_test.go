package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	goldenfile "github.com/dumpsync/dumpsync/internal/golden"
	"github.com/dumpsync/dumpsync/internal/record"
)

// TestApplyGolden pins the bytes apply writes, results (JSON, JSON Lines,
// CSV, --what-if) and undo file, for the whole sample (two domains, three
// logon servers, one of them upper-case and one ending in a partial record):
// RemoveEntry and DeleteFile rows, logon DeleteFile rows that depend on the
// site's, a site .cfg kept by a fresh request and a changed .cfg. The same
// plan is applied as written, reversed (every folder and file out of order,
// the dependent logon rows first) and from stdin. Paths are written as
// $ROOT/...; nothing else is normalised.
func TestApplyGolden(t *testing.T) {
	tests := []struct {
		name    string // golden files: <name>.<ext>, <name>.undo.json
		format  string
		reverse bool
		stdin   bool
		whatIf  bool
	}{
		{"results", "json", false, false, false},
		{"results", "jsonl", false, false, false},
		{"results", "csv", false, false, false},
		{"whatif", "json", false, false, true},
		{"reversed", "json", true, false, false},
		// From stdin: the same bytes as from the file.
		{"results", "jsonl", false, true, false},
	}
	for _, tt := range tests {
		name := tt.name + "." + tt.format
		if tt.stdin {
			name += ".stdin"
		}
		t.Run(name, func(t *testing.T) {
			isolate(t)
			l := newSite(t)
			plan := planWholeSite(t, l, "json")
			if tt.reverse {
				plan = reverseJSONPlan(t, plan)
			}
			p := parseJSONPlan(t, plan)
			// A fresh request for the SMSID of the first site DeleteFile row
			// keeps that .cfg; the second site DeleteFile row's .cfg changed.
			kept := firstOf(p, "DeleteFile", l.Domains[0])
			fresh := record.Make(p.str(kept, "SmsId"), ago(1), nil)
			appendFile(t, filepath.Join(l.Domains[0], "Resync.cfg"), fresh.Raw[:])
			changed := -1
			for i := range p.rows {
				if i != kept && p.str(i, "Action") == "DeleteFile" && strings.HasPrefix(p.str(i, "Path"), l.Domains[0]) {
					changed = i
					break
				}
			}
			if changed < 0 {
				t.Fatal("the sample has one site DeleteFile row in Domain.000; the test needs two")
			}
			appendFile(t, p.str(changed, "Path"), []byte("x"))

			undo := filepath.Join(t.TempDir(), "undo.json")
			args := []string{"apply", "-f", tt.format}
			switch {
			case tt.whatIf:
				args = append(args, "--what-if", "--no-undo")
			default:
				args = append(args, "--undo", undo)
			}
			var stdin []byte
			if tt.stdin {
				stdin = plan
				args = append(args, "-")
			} else {
				args = append(args, writeFile(t, "plan.json", plan))
			}
			code, out, errs := runStdin(t, stdin, args...)
			if code != 1 {
				t.Fatalf("exit %d, want 1 (rows skipped)\n%s", code, errs)
			}
			checkApplyGolden(t, tt.name+"."+tt.format, normalizePlan(t, out, l.Dir, tt.format))
			if tt.whatIf {
				return
			}
			b, err := os.ReadFile(undo)
			if err != nil {
				t.Fatal(err)
			}
			checkApplyGolden(t, tt.name+".undo.json", normalizePlan(t, string(b), l.Dir, "json"))
		})
	}
}

// checkApplyGolden compares got with testdata/golden/apply/name, or writes
// it there with -update.
func checkApplyGolden(t *testing.T, name, got string) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("..", "..", "testdata", "golden", "apply", name), []byte(got), *update)
}

// reverseJSONPlan writes the rows of a JSON plan in reverse order, in the
// shape dumpsync plan writes (one row per line).
func reverseJSONPlan(t *testing.T, plan []byte) []byte {
	t.Helper()
	var rows []json.RawMessage
	if err := json.Unmarshal(plan, &rows); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString("[\n")
	for i := len(rows) - 1; i >= 0; i-- {
		b.Write(rows[i])
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]\n")
	return b.Bytes()
}
