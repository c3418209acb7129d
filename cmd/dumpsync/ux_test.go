package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/dumpsync/dumpsync/internal/apply"
	"github.com/dumpsync/dumpsync/internal/applycmd"
	"github.com/dumpsync/dumpsync/internal/record"
)

// runTTY runs dumpsync with in as stdin and the given terminal-ness of stdin
// and stderr, without confined's default --within.
func runTTY(in string, inTTY, errTTY bool, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	s := &Streams{In: strings.NewReader(in), Out: &out, Err: &errb, InTTY: inTTY, ErrTTY: errTTY}
	code = run(args, s, func() time.Time { return testNow })
	return code, out.String(), errb.String()
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) []string {
	l := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if len(l) < n {
		return l
	}
	return l[len(l)-n:]
}

// TestApplyRequiresWithin: apply (plan or undo file) without --within is a
// usage error with a hint showing the flag, and changes nothing.
func TestApplyRequiresWithin(t *testing.T) {
	isolate(t)
	l := newSmallSite(t)
	planPath := writeFile(t, "plan.json", planWholeSite(t, l, "json"))
	before := snapshot(t, l.Dir)
	for _, args := range [][]string{
		{"apply", planPath},
		{"apply", planPath, "--what-if"},
		{"apply", planPath, "--yes"},
		{"apply", "-"},
	} {
		code, out, errs := runTTY("", false, false, args...)
		if code != 2 || out != "" ||
			!strings.Contains(errs, "dumpsync: apply: --within is required") ||
			!regexp.MustCompile(`(?m)^dumpsync: hint: .*dumpsync apply plan\.json --within \\\\sms01\\SMS_ABC`).MatchString(errs) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2 and a hint with --within", args, code, out, errs)
		}
	}
	sameTree(t, "apply without --within", snapshot(t, l.Dir), before)

	// An undo file needs --within too.
	undo := filepath.Join(t.TempDir(), "undo.json")
	if code, _, errs := runCLI(t, "apply", planPath, "--within", l.Dir, "--undo", undo); code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, errs)
	}
	after := snapshot(t, l.Dir)
	if code, _, errs := runTTY("", false, false, "apply", undo, "--no-undo"); code != 2 || !strings.Contains(errs, "--within is required") {
		t.Errorf("undo without --within: exit %d, stderr %q", code, errs)
	}
	sameTree(t, "undo without --within", snapshot(t, l.Dir), after)
}

// TestApplySummary: apply ends with one summary line, terminal or not; exit
// 1 adds the most frequent reasons, with counts; --quiet drops both.
func TestApplySummary(t *testing.T) {
	cache := isolate(t)
	l := newSmallSite(t)
	plan := planWholeSite(t, l, "json")
	p := parseJSONPlan(t, plan)
	planPath := writeFile(t, "plan.json", plan)
	entries := len(rowsWhere(p, func(i int) bool { return p.str(i, "Action") == "RemoveEntry" }))
	files := len(p.rows) - entries

	code, _, errs := runCLI(t, "apply", planPath, "--within", l.Dir, "--what-if")
	if want := fmt.Sprintf("dumpsync: apply: --what-if: %d would be applied, 0 skipped, 0 failed; nothing was changed", len(p.rows)); code != 0 || lastLines(errs, 1)[0] != want {
		t.Errorf("--what-if: exit %d, stderr:\n%s\nwant last line %q", code, errs, want)
	}
	// The plan is told before anything happens.
	if !strings.Contains(errs, fmt.Sprintf("dumpsync: apply: %s: %d rows (%d RemoveEntry, %d DeleteFile)", planPath, len(p.rows), entries, files)) ||
		!strings.Contains(errs, "dumpsync: apply: within "+l.Dir+"\n") {
		t.Errorf("--what-if: no plan preview in stderr:\n%s", errs)
	}

	code, _, errs = runCLI(t, "apply", planPath, "--within", l.Dir)
	undos := snapshot(t, filepath.Join(cache, "dumpsync", "undo"))
	var undo string
	for k := range undos {
		if strings.HasSuffix(k, ".json") {
			undo = filepath.Join(cache, "dumpsync", "undo", k)
		}
	}
	if want := fmt.Sprintf("dumpsync: apply: %d applied, 0 skipped, 0 failed; undo file: %s", len(p.rows), undo); code != 0 || lastLines(errs, 1)[0] != want {
		t.Errorf("apply: exit %d, stderr:\n%s\nwant last line %q", code, errs, want)
	}

	// Again: every row is skipped, and the reasons say why, most frequent first.
	code, _, errs = runCLI(t, "apply", planPath, "--within", l.Dir)
	want := []string{
		fmt.Sprintf("dumpsync: apply: 0 applied, %d skipped, 0 failed; nothing was changed, so no undo file", len(p.rows)),
		fmt.Sprintf("dumpsync:   %d skipped: Resync.cfg changed since the plan; make a new plan", entries),
		fmt.Sprintf("dumpsync:   %d skipped: file no longer exists", files),
	}
	if entries < files {
		want[1], want[2] = want[2], want[1]
	}
	if got := lastLines(errs, 3); code != 1 || !reflect.DeepEqual(got, want) {
		t.Errorf("apply again: exit %d, last lines\n%q\nwant\n%q", code, got, want)
	}

	for _, q := range []string{"-q", "--quiet"} {
		code, _, errs = runCLI(t, q, "apply", planPath, "--within", l.Dir)
		if code != 1 || errs != "" {
			t.Errorf("%s: exit %d, stderr %q; want 1 and nothing", q, code, errs)
		}
	}

	// The undo file: every row restored, and restores journal nothing, so
	// no undo file; the summary must not say that nothing was changed.
	code, _, errs = runCLI(t, "apply", undo, "--within", l.Dir)
	if want := fmt.Sprintf("dumpsync: apply: %d applied, 0 skipped, 0 failed; restores write no undo file", len(p.rows)); code != 0 || lastLines(errs, 1)[0] != want {
		t.Errorf("apply the undo file: exit %d, stderr:\n%s\nwant last line %q", code, errs, want)
	}
}

// TestReason: a Result's Detail becomes a reason that adds up across rows.
func TestReason(t *testing.T) {
	for _, c := range []struct{ status, detail, want string }{
		{apply.Skipped, "Resync.cfg changed since the plan; make a new plan", "Resync.cfg changed since the plan; make a new plan"},
		{apply.Skipped, "file changed since the plan (size 10, planned 20); make a new plan", "file changed since the plan; make a new plan"},
		{apply.Skipped, "a fresh request for ABC0001F arrived since the plan (2026-10-01T00:00:00Z)", "a fresh request arrived since the plan"},
		{apply.Skipped, "cannot read the Resync.cfg beside it: open /x/Resync.cfg: permission denied", "cannot read the Resync.cfg beside it"},
		{apply.Failed, "open /x/Invencfg.box/A.cfg: permission denied", "permission denied"},
		{apply.Failed, "remove C:\\x\\A.cfg: Access is denied.", "Access is denied."},
	} {
		if got := applycmd.Reason(c.status, c.detail); got != c.want {
			t.Errorf("Reason(%s, %q) = %q, want %q", c.status, c.detail, got, c.want)
		}
	}
}

// TestApplyPrompt: on an interactive terminal apply asks before changing
// anything; only y or yes goes on. --yes, --what-if and a non-interactive
// run never ask; -Confirm asks whenever stdin is a terminal.
func TestApplyPrompt(t *testing.T) {
	isolate(t)
	cases := []struct {
		name          string
		answer        string
		inTTY, errTTY bool
		extra         []string
		asks          bool
		code          int
		changes       bool
	}{
		{"no", "n\n", true, true, nil, true, 1, false},
		{"empty answer", "\n", true, true, nil, true, 1, false},
		{"end of input", "", true, true, nil, true, 1, false},
		{"yes", "y\n", true, true, nil, true, 0, true},
		{"YES with CRLF", "YES\r\n", true, true, nil, true, 0, true},
		{"--yes", "", true, true, []string{"--yes"}, false, 0, true},
		{"-y", "", true, true, []string{"-y"}, false, 0, true},
		{"-Confirm:$false", "", true, true, []string{"-Confirm:$false"}, false, 0, true},
		{"-Confirm:False", "", true, true, []string{"-Confirm:False"}, false, 0, true},
		{"--what-if", "", true, true, []string{"--what-if"}, false, 0, false},
		{"-WhatIf", "", true, true, []string{"-WhatIf"}, false, 0, false},
		{"stderr not a terminal", "", true, false, nil, false, 0, true},
		{"stdin not a terminal", "", false, true, nil, false, 0, true},
		{"-Confirm, stderr not a terminal: asks", "no\n", true, false, []string{"-Confirm"}, true, 1, false},
		{"-confirm yes", "yes\n", true, false, []string{"-confirm"}, true, 0, true},
		{"-Confirm without a terminal on stdin", "", false, false, []string{"-Confirm"}, false, 2, false},
		{"-Confirm with --yes", "", true, true, []string{"-Confirm", "--yes"}, false, 2, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dom, planPath := tinyPlan(t)
			before := snapshot(t, dom)
			args := append([]string{"apply", planPath, "--within", dom, "--no-undo", "-f", "json"}, c.extra...)
			code, out, errs := runTTY(c.answer, c.inTTY, c.errTTY, args...)
			asked := strings.Contains(errs, "Apply these changes? [y/N] ")
			if code != c.code || asked != c.asks {
				t.Errorf("exit %d, asked %v; want %d, %v\nstderr:\n%s", code, asked, c.code, c.asks, errs)
			}
			changed := !reflect.DeepEqual(snapshot(t, dom), before)
			if changed != c.changes {
				t.Errorf("changed %v, want %v", changed, c.changes)
			}
			if asked && !c.changes {
				if out != "" || !strings.HasSuffix(errs, "dumpsync: apply: cancelled at the prompt; nothing was changed\n") {
					t.Errorf("after no: stdout %q, stderr %q", out, errs)
				}
			}
			if asked && strings.Index(errs, "rows (") > strings.Index(errs, "Apply these changes?") {
				t.Errorf("asked before saying what the plan holds:\n%s", errs)
			}
		})
	}
}

// tinyPlan makes a domain folder with two stale entries and one .cfg, and
// its plan.
func tinyPlan(t *testing.T) (dom, planPath string) {
	t.Helper()
	dom = writeDomain(t, filepath.Join(t.TempDir(), "Domain.000"),
		[]record.Entry{record.Make("A1", ago(400), nil), record.Make("A2", ago(300), nil)}, nil, "A1.cfg")
	planPath = filepath.Join(t.TempDir(), "plan.json")
	if code, _, errs := runCLI(t, "--now", testNow.Format(time.RFC3339), "plan", "--days", "90", dom, "--out", planPath); code != 0 {
		t.Fatalf("plan: exit %d\n%s", code, errs)
	}
	return dom, planPath
}

// TestApplyPromptPty runs the real binary on a pseudo-terminal (util-linux
// script), answering no and then yes.
func TestApplyPromptPty(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("pseudo-terminal test: Linux only")
	}
	scriptBin, err := exec.LookPath("script")
	if err != nil {
		t.Skip("no script(1)")
	}
	isolate(t)
	// The test binary is dumpsync when it is called so (testscript.Main).
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "dumpsync")
	if err := os.Symlink(self, bin); err != nil {
		t.Skip("no symlink:", err)
	}
	dom, planPath := tinyPlan(t)
	before := snapshot(t, dom)
	outFile := filepath.Join(t.TempDir(), "results.json")
	for _, c := range []struct {
		answer  string
		code    int
		changes bool
	}{{"n", 1, false}, {"y", 0, true}} {
		cmd := exec.Command(scriptBin, "-qec", fmt.Sprintf("%q apply %q --within %q --no-undo --out %q", bin, planPath, dom, outFile), "/dev/null")
		cmd.Stdin = strings.NewReader(c.answer + "\n")
		out, _ := cmd.CombinedOutput()
		code := cmd.ProcessState.ExitCode()
		if code != c.code || !strings.Contains(string(out), "Apply these changes? [y/N]") {
			t.Errorf("answer %s: exit %d, want %d; terminal shows:\n%s", c.answer, code, c.code, out)
		}
		if changed := !reflect.DeepEqual(snapshot(t, dom), before); changed != c.changes {
			t.Errorf("answer %s: changed %v, want %v", c.answer, changed, c.changes)
		}
		if _, err := os.Stat(outFile); (err == nil) != c.changes {
			t.Errorf("answer %s: results file written: %v", c.answer, err == nil)
		}
	}
}

// TestWrapperWarning: a plan in the 5.1 {"value":[...],"Count":N} wrapper is
// still read, with a warning naming the trap, by apply and check --plan.
func TestWrapperWarning(t *testing.T) {
	isolate(t)
	l := newSmallSite(t)
	p := parseJSONPlan(t, planWholeSite(t, l, "json"))
	wrapped := writeFile(t, "wrapped.json", ps51Wrapper(p))
	plain := writeFile(t, "plain.json", ps51JSON(p))
	trap := regexp.MustCompile(`(?m)^dumpsync: .*wrapped\.json: warning: .*\{"value":\[\.\.\.\],"Count":N\} wrapper of Windows PowerShell 5\.1.*ConvertFrom-Json \| Where-Object.*3424.*\n^dumpsync: hint: .*\(dumpsync plan \.\.\. \| ConvertFrom-Json\) \| Where-Object`)
	for _, args := range [][]string{
		{"apply", wrapped, "--within", l.Dir, "--what-if"},
		{"check", "--plan", wrapped},
	} {
		code, _, errs := runCLI(t, append([]string{"-f", "json"}, args...)...)
		if code != 0 || !trap.MatchString(errs) {
			t.Errorf("%v: exit %d, stderr:\n%s\nwant the 5.1 trap warning", args, code, errs)
		}
		args[1] = plain
		if args[0] == "check" {
			args[2] = plain
		}
		if _, _, errs := runCLI(t, append([]string{"-f", "json"}, args...)...); strings.Contains(errs, "wrapper") {
			t.Errorf("%v: warned about a plan that is not wrapped:\n%s", args, errs)
		}
	}
}

// TestSummaries: every command ends with one "dumpsync: COMMAND:" line,
// and exit 1 adds the most frequent reasons.
func TestSummaries(t *testing.T) {
	dir := t.TempDir()
	old := writeDomain(t, filepath.Join(dir, "old"), []record.Entry{
		record.Make("A1", ago(400), nil), record.Make("A2", ago(500), nil), record.Make("A3", 0, nil), record.Make("A4", ago(1), nil),
	}, nil, "A1.cfg")
	for _, c := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"schema", "plan"}, 0, []string{`^dumpsync: schema: plan: one record with 13 properties$`}},
		{[]string{"schema", "undo", "--array"}, 0, []string{`^dumpsync: schema: undo: an array of records with 8 properties$`}},
		{[]string{"dump", old}, 0, []string{`^dumpsync: dump: 4 entries \(0 invalid\) in 1 file$`}},
		{[]string{"check", old}, 0, []string{`^dumpsync: check: 0 errors, 1 warning, 3 infos in 1 file$`}},
		{[]string{"check", old, "--max-age-days", "365", "--strict"}, 1, []string{
			`^dumpsync: check: 2 errors, 1 warning, 3 infos in 1 file$`,
			`^dumpsync:   2 TooOld \(Error\)$`,
			`^dumpsync:   1 ZeroTime \(Warning\)$`,
		}},
		{[]string{"recover", old}, 0, []string{`^dumpsync: recover: no recovery file beside 1 Resync\.cfg; nothing changed$`}},
		{[]string{"plan", "--days", "90", old}, 0, []string{`^dumpsync: plan: 2 entries to remove from 1 Resync\.cfg, 1 \.cfg files to delete \(1 domains, 0 logon servers\)$`}},
	} {
		code, _, errs := runCLI(t, append([]string{"-f", "json", "--now", testNow.Format(time.RFC3339)}, c.args...)...)
		got := lastLines(errs, len(c.want))
		if code != c.code || len(got) != len(c.want) {
			t.Errorf("%v: exit %d, stderr %q", c.args, code, errs)
			continue
		}
		for i, w := range c.want {
			if !regexp.MustCompile(w).MatchString(got[i]) {
				t.Errorf("%v: line %q does not match %s\nstderr:\n%s", c.args, got[i], w, errs)
			}
		}
	}
}

// TestWindowsHabits: /?, -?, help [COMMAND], version and PowerShell-style
// flags do what a Windows user means.
func TestWindowsHabits(t *testing.T) {
	for _, c := range []struct {
		args         []string
		code         int
		stdout, errs string // regexps; "" = must be empty
	}{
		{[]string{"/?"}, 0, `(?m)^Usage: dumpsync <command>`, ""},
		{[]string{"-?"}, 0, `(?m)^Usage: dumpsync <command>`, ""},
		{[]string{"help"}, 0, `(?m)^Usage: dumpsync <command>`, ""},
		{[]string{"HELP", "plan"}, 0, `(?m)^Usage: dumpsync plan --days=N`, ""},
		{[]string{"help", "apply"}, 0, `(?m)^Usage: dumpsync apply <PLAN>`, ""},
		{[]string{"apply", "/?"}, 0, `(?m)^Usage: dumpsync apply <PLAN>`, ""},
		{[]string{"version"}, 0, `^dumpsync \S+ \(go1\.[^,]+, commit \S+, \S+/\S+\)\n$`, ""},
		{[]string{"--version"}, 0, `^dumpsync \S+ \(go1\.[^,]+, commit \S+, \S+/\S+\)\n$`, ""},
		{[]string{"plan", "-Days", "90"}, 2, "", `^dumpsync: unknown flag -Days\ndumpsync: hint: did you mean --days\?\n$`},
		{[]string{"plan", "--days", "9", "-SITE", "x"}, 2, "", `(?m)^dumpsync: hint: did you mean --site\?$`},
		{[]string{"apply", "p.json", "-Within", "x"}, 2, "", `(?m)^dumpsync: hint: did you mean --within\?$`},
		{[]string{"apply", "p.json", "-BackupDir", "x"}, 2, "", `(?m)^dumpsync: hint: did you mean --backup-dir\?$`},
		{[]string{"-Quiet", "dump"}, 2, "", `(?m)^dumpsync: hint: did you mean --quiet\?$`},
		{[]string{"apply", "p.json", "-Confirm:maybe"}, 2, "", `(?m)^dumpsync: -Confirm:maybe: want -Confirm`},
	} {
		code, out, errs := runTTY("", false, false, c.args...)
		if code != c.code || !matches(c.stdout, out) || !matches(c.errs, errs) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want %d, %s, %s", c.args, code, out, errs, c.code, c.stdout, c.errs)
		}
	}
}

func matches(re, s string) bool {
	if re == "" {
		return s == ""
	}
	return regexp.MustCompile(re).MatchString(s)
}

// TestWindowsArgs: the rewriting itself; nothing after -- is touched.
func TestWindowsArgs(t *testing.T) {
	flags := map[string]string{"days": "--days", "whatif": "--what-if"}
	for _, c := range []struct{ in, want []string }{
		{[]string{"apply", "p", "-WhatIf"}, []string{"apply", "p", "--what-if"}},
		{[]string{"apply", "p", "-whatif:$true"}, []string{"apply", "p", "--what-if"}},
		{[]string{"apply", "p", "-WHATIF:False"}, []string{"apply", "p"}},
		{[]string{"apply", "p", "-Confirm"}, []string{"apply", "p", "--confirm"}},
		{[]string{"apply", "p", "-Confirm:False"}, []string{"apply", "p", "--yes"}},
		{[]string{"help", "dump"}, []string{"dump", "--help"}},
		{[]string{"-f", "json", "help"}, []string{"-f", "json", "--help"}},
		{[]string{"dump", "help"}, []string{"dump", "help"}}, // a folder named help
		{[]string{"90", "/Dump"}, []string{"90", "/Dump"}},
		{[]string{"dump", "--", "-WhatIf", "/?"}, []string{"dump", "--", "-WhatIf", "/?"}},
	} {
		got, err := windowsArgs(c.in, flags)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("windowsArgs(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

// TestApplyFileInTheWay: a file where the --undo file's folder, the
// --backup-dir or the --out file's folder should be is a usage error that
// names that file, before anything changes (the undo case used to fail
// every row with "not a directory").
func TestApplyFileInTheWay(t *testing.T) {
	isolate(t)
	l := newSmallSite(t)
	planPath := writeFile(t, "plan.json", planWholeSite(t, l, "json"))
	file := writeFile(t, "notes.txt", []byte("x"))
	before := snapshot(t, l.Dir)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--undo", filepath.Join(file, "u.json")}, "dumpsync: --undo " + filepath.Join(file, "u.json") + ": " + file + " is not a folder\n"},
		{[]string{"--undo", filepath.Join(file, "a", "u.json"), "--what-if"}, "dumpsync: --undo " + filepath.Join(file, "a", "u.json") + ": " + file + " is not a folder\n"},
		{[]string{"--backup-dir", filepath.Join(file, "bk")}, "dumpsync: --backup-dir " + filepath.Join(file, "bk") + ": " + file + " is not a folder\n"},
		{[]string{"--backup-dir", file}, "dumpsync: --backup-dir " + file + ": " + file + " is not a folder\n"},
		{[]string{"--out", filepath.Join(file, "r.json")}, "dumpsync: cannot write " + filepath.Join(file, "r.json") + ": " + file + " is not a folder\n"},
	} {
		args := append([]string{"apply", planPath, "--within", l.Dir, "--yes"}, c.args...)
		code, stdout, stderr := runTTY("", false, false, args...)
		if code != 2 || stdout != "" || !strings.HasSuffix(stderr, c.want) {
			t.Errorf("%q: exit %d, stdout %.200q, stderr %q; want exit 2 and %q", c.args, code, stdout, stderr, c.want)
		}
	}
	sameTree(t, "after a file in the way", snapshot(t, l.Dir), before)
}

// TestOneRowMessages: messages about one row say "row", not "rows".
func TestOneRowMessages(t *testing.T) {
	isolate(t)
	l := newSmallSite(t)
	lines := strings.SplitAfter(string(planWholeSite(t, l, "jsonl")), "\n")
	if len(lines) < 21 {
		t.Fatalf("plan has %d rows", len(lines))
	}
	one := writeFile(t, "one.jsonl", []byte(lines[0]))
	if _, _, errs := runTTY("", false, false, "check", "--plan", one); !strings.Contains(errs, "in "+one+" (1 row)\n") {
		t.Errorf("check --plan of one row: stderr %q", errs)
	}
	// 21 rows outside --within: 20 are shown, then "1 more".
	outside := writeFile(t, "outside.jsonl", []byte(strings.Join(lines[:21], "")))
	code, _, errs := runTTY("", false, false, "apply", outside, "--within", t.TempDir(), "--yes")
	if code != 2 || !strings.Contains(errs, "dumpsync: "+outside+": ... and 1 more invalid row\n") {
		t.Errorf("apply of 21 invalid rows: exit %d, stderr %q", code, errs)
	}
	// The preview of a one-row plan.
	if code, _, errs := runTTY("", false, false, "apply", one, "--within", l.Dir, "--what-if"); code != 0 ||
		!strings.Contains(errs, "dumpsync: apply: "+one+": 1 row (1 RemoveEntry) in 1 Resync.cfg and 1 folder\n") {
		t.Errorf("apply --what-if of one row: exit %d, stderr %q", code, errs)
	}
	// The CI gates at 0 (--max-delete 0 is the common one): one row, one
	// file, one entry.
	var del string
	for _, l := range lines {
		if strings.Contains(l, `"Action":"DeleteFile"`) {
			del = l
			break
		}
	}
	if del == "" || !strings.Contains(lines[0], `"Action":"RemoveEntry"`) {
		t.Fatalf("want a RemoveEntry first and a DeleteFile row: %q, %q", lines[0], del)
	}
	cfg := filepath.Join(t.TempDir(), "Resync.cfg")
	if err := os.WriteFile(cfg, mustRead(t, filepath.Join(l.Domains[0], "Resync.cfg"))[:48], 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--plan", one, "--max-remove", "0"}, `"the plan removes 1 entry, more than --max-remove 0"`},
		{[]string{"--plan", writeFile(t, "del.jsonl", []byte(del)), "--max-delete", "0"}, `"the plan deletes 1 file, more than --max-delete 0"`},
		{[]string{"--max-entries", "0", cfg}, `"1 entry (more than --max-entries 0)"`},
	} {
		if code, out, errs := runTTY("", false, false, append([]string{"check", "-f", "jsonl"}, c.args...)...); code != 1 || !strings.Contains(out, c.want) {
			t.Errorf("check %q: exit %d, want %s in %q (stderr %q)", c.args, code, c.want, out, errs)
		}
	}
}

// TestApplyMissingWithinHint: when every row is outside --within because a
// --within folder does not exist (a typo), the error's hint says so.
func TestApplyMissingWithinHint(t *testing.T) {
	isolate(t)
	l := newSmallSite(t)
	planPath := writeFile(t, "plan.json", planWholeSite(t, l, "json"))
	typo := filepath.Join(filepath.Dir(l.Dir), "sitee")
	other := filepath.Join(filepath.Dir(l.Dir), "nowhere")
	for _, c := range []struct {
		within []string
		hint   string
	}{
		{[]string{typo}, "dumpsync: hint: --within " + typo + " does not exist\n"},
		{[]string{typo, other}, "dumpsync: hint: these --within folders do not exist: " + typo + ", " + other + "\n"},
	} {
		args := []string{"apply", planPath, "--yes"}
		for _, w := range c.within {
			args = append(args, "--within", w)
		}
		code, _, errs := runTTY("", false, false, args...)
		if code != 2 || !strings.HasSuffix(errs, "invalid plan; nothing was changed\n"+c.hint) {
			t.Errorf("--within %q: exit %d, stderr ends %q; want the hint %q", c.within, code, lastLines(errs, 2), c.hint)
		}
	}
	// An existing --within that holds no row gets no such hint.
	_, _, errs := runTTY("", false, false, "apply", planPath, "--yes", "--within", t.TempDir())
	if strings.Contains(errs, "hint:") {
		t.Errorf("existing --within: stderr ends %q", lastLines(errs, 2))
	}
}

// TestNumberMistakes: a negative number given after its flag with a space
// (kong takes "-5" for short flags) gets the same message as with "=", and
// 'plan 90', the original syntax's habit, is told about --days. Nothing is
// read or written.
func TestNumberMistakes(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"plan", "--days", "-5", "--site", dir}, "dumpsync: --days: must be 0 or more, got -5\n"},
		{[]string{"plan", "--site", dir, "--days", "-5"}, "dumpsync: --days: must be 0 or more, got -5\n"},
		{[]string{"check", "--max-entries", "-1", dir}, `dumpsync: --max-entries: "-1" is not a whole number of 0 or more` + "\n"},
		{[]string{"check", "--max-age-days", "-90", dir}, `dumpsync: --max-age-days: "-90" is not a whole number of 0 or more` + "\n"},
		{[]string{"check", "--plan", "p.json", "--max-delete", "-1"}, `dumpsync: --max-delete: "-1" is not a whole number of 0 or more` + "\n"},
		{[]string{"plan", "90", "--site", dir}, "dumpsync: hint: the days are given with --days: dumpsync plan --days 90 ...\n"},
		{[]string{"plan", "--site", dir, "30"}, "dumpsync: hint: the days are given with --days: dumpsync plan --days 30 ...\n"},
		// Base 10 only: kong's own reading took these as 16 and 1000.
		{[]string{"plan", "--days", "0x10", "--site", dir}, `dumpsync: --days: "0x10" is not a whole number` + "\n"},
		{[]string{"plan", "--days=1_000", "--site", dir}, `dumpsync: --days: "1_000" is not a whole number` + "\n"},
		{[]string{"plan", "--days", "1.5", "--site", dir}, `dumpsync: --days: "1.5" is not a whole number` + "\n"},
		{[]string{"plan", "--days", "99999999999999999999", "--site", dir}, `dumpsync: --days: "99999999999999999999" is too large` + "\n"},
		{[]string{"plan", "--days", "30", "--parallel", "0x8", "--site", dir}, `dumpsync: --parallel: "0x8" is not a whole number` + "\n"},
		{[]string{"check", "--max-bytes", "0x10", dir}, `dumpsync: --max-bytes: "0x10" is not a whole number of 0 or more` + "\n"},
	} {
		code, out, errs := runTTY("", false, false, c.args...)
		if code != 2 || out != "" || !strings.Contains(errs, c.want) || strings.Contains(errs, "short flag") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.args, code, out, errs, c.want)
		}
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Errorf("the folder changed: %v %v", entries, err)
	}
	// A folder named 90 is a DOMAIN like any other.
	t.Chdir(dir)
	if err := os.Mkdir("90", 0o755); err != nil {
		t.Fatal(err)
	}
	if _, _, errs := runTTY("", false, false, "plan", "90", "--days", "30"); strings.Contains(errs, "hint: the days") {
		t.Errorf("plan 90 --days 30 with a folder 90: %q", errs)
	}
}

// TestDaysLeadingZero: a zero-padded number of days is that many days, in
// the new syntax as in the original one. kong's own reading took "010" as
// octal, 8 days: a plan removing requests two days newer than asked.
func TestDaysLeadingZero(t *testing.T) {
	isolate(t)
	sample, err := filepath.Abs("../../testdata/sample/SMS")
	if err != nil {
		t.Fatal(err)
	}
	plan := func(days string) (string, string) {
		code, out, errs := runCLI(t, "plan", "--days", days, "--site", sample, "-f", "jsonl")
		if code != 0 {
			t.Fatalf("plan --days %s: exit %d: %s", days, code, errs)
		}
		return out, errs
	}
	ten, tenSummary := plan("10")
	eight, _ := plan("8")
	if ten == eight {
		t.Fatal("the sample plans the same at 8 and 10 days: the test shows nothing")
	}
	for _, days := range []string{"010", "0010", "+10"} {
		if out, summary := plan(days); out != ten || summary != tenSummary {
			t.Errorf("plan --days %s is not the plan of --days 10:\n%s\nwant:\n%s", days, summary, tenSummary)
		}
	}
}

// TestWhereResync: a site or a logon server's share given to dump, check or
// stats as a PATH is refused (exit 2) with where its Resync.cfg files are.
func TestWhereResync(t *testing.T) {
	isolate(t)
	sample, err := filepath.Abs("../../testdata/sample")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"dump", filepath.Join(sample, "SMS")}, "; it is a site: its Resync.cfg files are in its domain folders, " +
			filepath.Join(sample, "SMS", "Site.srv", "Maincfg.box", "Invdom.box", "Domain.*") + "\n"},
		{[]string{"check", filepath.Join(sample, "LOGON3", "SMSLOGON")}, "; it is a logon server's share: its Resync.cfg is " +
			filepath.Join(sample, "LOGON3", "SMSLOGON", "Logon.srv", "RESYNC.CFG") + "\n"},
		{[]string{"stats", filepath.Join(sample, "SMS", "Site.srv")}, "; it is a site: its Resync.cfg files are in its domain folders, "},
	} {
		code, out, errs := runCLI(t, c.args...)
		if code != 2 || out != "" || !strings.Contains(errs, c.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.args, code, out, errs, c.want)
		}
	}
}

// TestParseErrorHints: a command line that ends with a flag that takes a
// value says so (kong said 'expected string value but got "EOL"'), and a
// parse error about a command points at that command's help.
func TestParseErrorHints(t *testing.T) {
	isolate(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"check", "--plan"}, "dumpsync: --plan: missing value at the end of the command line (--plan=FILE)\n"},
		{[]string{"dump", "-f"}, "dumpsync: -f: missing value at the end of the command line (--format=VALUE)\n"},
		{[]string{"plan", "--days"}, "dumpsync: --days: missing value at the end of the command line (--days=N)\n"},
		{[]string{"apply", "plan.json", "--within"}, "dumpsync: --within: missing value at the end of the command line (--within=DIR)\n"},
		{[]string{"apply"}, "dumpsync: hint: run 'dumpsync apply --help' for usage and examples\n"},
		{[]string{"schema", "bogus"}, "dumpsync: hint: run 'dumpsync schema --help' for usage and examples\n"},
		{[]string{"frobnicate"}, "dumpsync: hint: run 'dumpsync --help' for usage and examples\n"},
	} {
		code, out, errs := runTTY("", false, false, c.args...)
		if code != 2 || out != "" || !strings.Contains(errs, c.want) || strings.Contains(errs, "EOL") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.args, code, out, errs, c.want)
		}
	}
	// A flag that takes no value, last, is not one of them.
	if _, _, errs := runTTY("", false, false, "dump", t.TempDir(), "--wide"); strings.Contains(errs, "missing value") {
		t.Errorf("dump DIR --wide: %q", errs)
	}
}
