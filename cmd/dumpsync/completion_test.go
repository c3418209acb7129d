package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dumpsync/dumpsync/internal/complete"
	goldenfile "github.com/dumpsync/dumpsync/internal/golden"
)

const completeGoldenDir = "../../testdata/golden/complete"

// TestCompleteCallback pins what `dumpsync __complete` answers, built from
// the kong grammar: commands, flags, enum values, files.
func TestCompleteCallback(t *testing.T) {
	cases := [][]string{
		{""},
		{"s"},
		{"schema", ""},
		{"schema", "--ar"},
		{"plan", "--"},
		{"plan", "--format", ""},
		{"plan", "-f", "j"},
		{"plan", "--format=c"},
		{"plan", "--format", "=", "t"}, // bash splits --format=t at =
		{"dump", "--encoding", ""},
		{"apply", ""},
		{"apply", "--undo", ""},
		{"plan", "--site", ""},
		{"check", "--plan", "x", ""},
		{"completion", ""},
		{"stats", "--days"}, // not a stats flag: nothing
		{"plan", `""`},      // Windows PowerShell 5.1's empty word
	}
	var b bytes.Buffer
	for _, words := range cases {
		var out, errb bytes.Buffer
		code := run(append([]string{"__complete"}, words...), &Streams{Out: &out, Err: &errb}, time.Now)
		if code != 0 || errb.Len() != 0 {
			t.Fatalf("%q: exit %d, stderr %q", words, code, errb.String())
		}
		b.WriteString("$ dumpsync __complete " + strings.Join(quoteAll(words), " ") + "\n" + out.String())
	}
	goldenfile.Check(t, filepath.Join(completeGoldenDir, "callback.txt"), b.Bytes(), *update)
}

func quoteAll(words []string) []string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = "'" + w + "'"
	}
	return q
}

// TestCompletionScripts pins each shell's script.
func TestCompletionScripts(t *testing.T) {
	for _, shell := range complete.Shells {
		var out, errb bytes.Buffer
		code := run([]string{"completion", shell}, &Streams{Out: &out, Err: &errb}, time.Now)
		if code != 0 || !strings.Contains(out.String(), "__complete") {
			t.Fatalf("%s: exit %d, stderr %q", shell, code, errb.String())
		}
		goldenfile.Check(t, filepath.Join(completeGoldenDir, "completion."+shell), out.Bytes(), *update)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"completion", "cmd"}, &Streams{Out: &out, Err: &errb}, time.Now); code != 2 || out.Len() != 0 {
		t.Errorf("unknown shell: exit %d, stdout %q", code, out.String())
	}
}
