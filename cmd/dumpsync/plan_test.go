package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dumpsync/dumpsync/internal/planread"
	"github.com/dumpsync/dumpsync/internal/sample"
)

// The golden plans live beside the other golden files of the repository.
// Run `go test ./cmd/dumpsync -run TestPlanGolden -update` to rewrite them.
// updatePlanGolden is the package's one -update flag (declared in script_test.go).
var updatePlanGolden = update

const (
	planGoldenDir = "../../testdata/golden/plan"
	planNowFlag   = "2026-11-01T00:00:00Z"
	// planRootLen is the length of the folder the sample site is generated
	// in: a fixed length keeps the table's column widths independent of the
	// temp dir, so that only the prefix has to be replaced.
	planRootLen = 150
)

// planCLI runs dumpsync in-process with buffers for its streams. The clock is
// the sample's now; the tests pass --now anyway, as a user would.
func planCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	s := &Streams{In: bytes.NewReader(nil), Out: &out, Err: &errb}
	code = run(args, s, func() time.Time { return sample.DefaultNow })
	return code, out.String(), errb.String()
}

// planSite generates the bundled sample's site (seed 1) in a fresh folder
// whose absolute path is exactly planRootLen bytes long.
func planSite(t *testing.T, c sample.Config) *sample.Layout {
	t.Helper()
	base, err := filepath.Abs(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	pad := planRootLen - len(base) - 1
	if pad < 1 {
		t.Skipf("temp dir %s is too long for a %d-byte root", base, planRootLen)
	}
	l, err := sample.Generate(filepath.Join(base, strings.Repeat("r", pad)), c)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Dir) != planRootLen {
		t.Fatalf("root %s is %d bytes, want %d", l.Dir, len(l.Dir), planRootLen)
	}
	return l
}

func defaultPlanSite(t *testing.T) *sample.Layout {
	return planSite(t, sample.DefaultConfig(1, sample.DefaultNow))
}

// planArgs is `plan --days 90 --now ... --site ROOT --logon ...` for the
// site's three logon servers, named in the three ways --logon takes them.
func planArgs(l *sample.Layout, extra ...string) []string {
	args := []string{"plan", "--days", "90", "--now", planNowFlag, "--site", l.Root}
	for i, lg := range l.Logons {
		switch i % 3 {
		case 0: // the share root holding Logon.srv
			args = append(args, "--logon", filepath.Dir(lg))
		case 1: // Logon.srv itself
			args = append(args, "--logon", lg)
		default: // a wildcard
			args = append(args, "--logon", filepath.Join(filepath.Dir(filepath.Dir(lg)), "SMS*"))
		}
	}
	return append(args, extra...)
}

// normalizePlan replaces the site's folder with $ROOT and, on Windows, the
// path separators with /, so that golden files are the same everywhere.
func normalizePlan(t *testing.T, out, root, format string) string {
	t.Helper()
	sep := `\`
	if format == "json" || format == "jsonl" {
		b, err := json.Marshal(root)
		if err != nil {
			t.Fatal(err)
		}
		root = string(b[1 : len(b)-1])
		sep = `\\`
	}
	out = strings.ReplaceAll(out, root, "$ROOT")
	if format == "table" {
		// A path shortened in the middle starts with the first characters
		// of the temp folder: mask them, keeping the columns aligned.
		out = shortenedHead.ReplaceAllStringFunc(out, func(m string) string {
			return strings.Repeat("~", utf8.RuneCountInString(m)-1) + "…"
		})
	}
	if runtime.GOOS == "windows" {
		out = strings.ReplaceAll(out, sep, "/")
	}
	return out
}

var shortenedHead = regexp.MustCompile(`[^\s]*[/\\][^\s]*…`)

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(planGoldenDir, name)
	if *updatePlanGolden {
		if err := os.MkdirAll(planGoldenDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got == string(want) {
		return
	}
	gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
	for i := 0; i < max(len(gl), len(wl)); i++ {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Fatalf("%s differs at line %d (%d lines, want %d):\n got: %q\nwant: %q", name, i+1, len(gl), len(wl), g, w)
		}
	}
	t.Fatalf("%s differs", name)
}

var planSummary = regexp.MustCompile(`^dumpsync: plan: ([0-9,]+) entries to remove from (\d+) Resync\.cfg, ([0-9,]+) \.cfg files to delete \((\d+) domains, (\d+) logon servers\)\n$`)

// checkPlanSummary checks that stderr is plan's summary line alone and, for
// JSON, that its counts are the output's.
func checkPlanSummary(t *testing.T, stderr, out, format string) {
	t.Helper()
	m := planSummary.FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("stderr is not one plan summary line:\n%s", stderr)
	}
	if format != "json" {
		return
	}
	entries, files, resync := 0, 0, map[any]bool{}
	for _, r := range planRows(t, out) {
		switch r["Action"] {
		case "RemoveEntry":
			entries++
			resync[r["Path"]] = true
		case "DeleteFile":
			files++
		}
	}
	want := []string{strconv.Itoa(entries), strconv.Itoa(len(resync)), strconv.Itoa(files)}
	for i, w := range want {
		if got := strings.ReplaceAll(m[i+1], ",", ""); got != w {
			t.Errorf("summary %q: count %d is %s, the output has %s", strings.TrimSpace(stderr), i+1, got, w)
		}
	}
}

func TestPlanGolden(t *testing.T) {
	l := defaultPlanSite(t)
	tests := []struct {
		golden string
		format string
		extra  []string
	}{
		{"plan.json", "json", nil},
		{"plan.jsonl", "jsonl", nil},
		{"plan.csv", "csv", nil},
		{"plan.txt", "table", nil},
		{"plan.wide.txt", "table", []string{"--wide"}},
		{"orphans.json", "json", []string{"--orphans"}},
		{"logon-all-cfg.json", "json", []string{"--logon-all-cfg"}},
		{"include-invalid.json", "json", []string{"--include-invalid"}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			code, out, errs := planCLI(t, planArgs(l, append([]string{"-f", tt.format}, tt.extra...)...)...)
			if code != 0 {
				t.Fatalf("exit %d, stderr:\n%s", code, errs)
			}
			checkPlanSummary(t, errs, out, tt.format)
			checkGolden(t, tt.golden, normalizePlan(t, out, l.Dir, tt.format))
		})
	}
}

// planRows decodes a JSON plan.
func planRows(t *testing.T, out string) []map[string]any {
	t.Helper()
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("plan is not a JSON array: %v\n%s", err, out)
	}
	return rows
}

func TestPlanUsageErrors(t *testing.T) {
	l := defaultPlanSite(t)
	missing := filepath.Join(l.Dir, "no-such-folder")
	tests := []struct {
		name string
		args []string
		err  string
	}{
		{"missing DOMAIN", []string{"plan", "--days", "90", l.Domains[0], missing}, "no such folder"},
		{"DOMAIN without Resync.cfg", []string{"plan", "--days", "90", l.Root}, "not a domain folder"},
		{"missing --site", []string{"plan", "--days", "90", "--site", missing, "--logon", filepath.Dir(l.Logons[0])}, "--site"},
		{"--site without Invdom.box", []string{"plan", "--days", "90", "--site", l.Domains[0]}, "--site"},
		{"missing --logon", []string{"plan", "--days", "90", "--site", l.Root, "--logon", missing}, "--logon"},
		{"--logon without Logon.srv", []string{"plan", "--days", "90", "--logon", l.Root}, "--logon"},
		{"missing --logon among others", []string{"plan", "--days", "90", "--logon", filepath.Dir(l.Logons[0]), "--logon", missing}, "no-such-folder"},
		{"--days missing", []string{"plan", l.Domains[0]}, "--days"},
		{"--days -1", []string{"plan", "--days", "-1", l.Domains[0]}, "--days"},
		{"--days not a number", []string{"plan", "--days", "x", l.Domains[0]}, "--days"},
		{"--parallel 0", []string{"plan", "--days", "90", "--parallel", "0", l.Domains[0]}, "--parallel"},
		{"--now bad", []string{"plan", "--days", "90", "--now", "yesterday", l.Domains[0]}, "--now"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, f := range []string{"json", "csv", "table"} {
				code, out, errs := planCLI(t, append(tt.args, "-f", f)...)
				if code != 2 {
					t.Errorf("-f %s: exit %d, want 2; stderr:\n%s", f, code, errs)
				}
				if out != "" {
					t.Errorf("-f %s: stdout must be empty, got:\n%s", f, out)
				}
				if !strings.Contains(errs, tt.err) {
					t.Errorf("-f %s: stderr does not mention %q:\n%s", f, tt.err, errs)
				}
			}
		})
	}
}

// A DOMAIN argument defaults to the current folder.
func TestPlanDefaultDomain(t *testing.T) {
	l := defaultPlanSite(t)
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(l.Domains[1]); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	code, here, errs := planCLI(t, "plan", "--days", "90", "--now", planNowFlag, "-f", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	_, named, _ := planCLI(t, "plan", "--days", "90", "--now", planNowFlag, "-f", "json", l.Domains[1])
	if here != named || len(planRows(t, here)) == 0 {
		t.Errorf("plan in the domain folder differs from plan DOMAIN:\n%s\n---\n%s", here, named)
	}
}

// A logon server found by a wildcard that cannot be read is a warning that
// does not stop the others (exit 1); one named that does not exist is a
// usage error (TestPlanUsageErrors).
func TestPlanUnreadableLogon(t *testing.T) {
	l := defaultPlanSite(t)
	// LOGON9 is there, but holds no Logon.srv: as a server that is down.
	if err := os.MkdirAll(filepath.Join(l.Dir, "LOGON9", "SMSLOGON"), 0o755); err != nil {
		t.Fatal(err)
	}
	args := []string{"plan", "--days", "90", "--now", planNowFlag, "-f", "json", "--site", l.Root}
	var reachable []string
	for _, lg := range l.Logons {
		reachable = append(reachable, "--logon", lg)
	}
	code, want, errs := planCLI(t, append(args, reachable...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	code, got, errs := planCLI(t, append(args, "--logon", filepath.Join(l.Dir, "LOGON*", "SMSLOGON"))...)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(errs, "LOGON9") || !strings.Contains(errs, "cannot be read") {
		t.Errorf("stderr does not report the logon server:\n%s", errs)
	}
	if got != want {
		t.Errorf("the rest was not planned as without the unreadable server:\n%s\n---\n%s", got, want)
	}
	// A wildcard that finds only a server that cannot be read: exit 1, an empty plan.
	code, got, _ = planCLI(t, "plan", "--days", "90", "-f", "json", "--logon", filepath.Join(l.Dir, "LOGON9*"))
	if code != 1 || strings.TrimSpace(got) != "[]" {
		t.Errorf("only an unreadable logon server: exit %d, plan %q", code, got)
	}
}

func TestPlanPartialRecord(t *testing.T) {
	c := sample.DefaultConfig(1, sample.DefaultNow)
	c.PartialRecord = true
	l := planSite(t, c)
	code, out, errs := planCLI(t, planArgs(l, "-f", "json")...)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(errs, "partial record") {
		t.Errorf("stderr does not report the partial record:\n%s", errs)
	}
	partial := filepath.Join(l.Logons[l.PartialLogon], "Resync.cfg")
	st, err := os.Stat(partial)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size()%48 == 0 {
		t.Fatalf("%s does not end in a partial record", partial)
	}
	// One warning names the file; nothing is planned in that folder (apply
	// would refuse it all), everything else still is.
	if n := strings.Count(errs, partial); n != 1 {
		t.Errorf("stderr names %s %d times, want once:\n%s", partial, n, errs)
	}
	others := 0
	for _, r := range planRows(t, out) {
		p := r["Path"].(string)
		if strings.HasPrefix(p, l.Logons[l.PartialLogon]+string(filepath.Separator)) {
			t.Errorf("row planned in the folder of the partial copy: %v %s", r["Action"], p)
		} else {
			others++
		}
	}
	if others == 0 {
		t.Error("nothing planned in the other folders")
	}
}

func TestPlanSymlinkedCfg(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links are not what they seem under Wine, and need privileges on Windows")
	}
	l := defaultPlanSite(t)
	code, out, _ := planCLI(t, planArgs(l, "-f", "json")...)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	// A file the plan deletes at the site, replaced by a link to a copy.
	inv := filepath.Join(l.Domains[0], "Invencfg.box")
	var victim string
	for _, r := range planRows(t, out) {
		if r["Action"] == "DeleteFile" && filepath.Dir(r["Path"].(string)) == inv {
			victim = r["Path"].(string)
			break
		}
	}
	if victim == "" {
		t.Fatal("no DeleteFile row in Domain.000")
	}
	outside := filepath.Join(l.Dir, "elsewhere.cfg")
	if err := os.Rename(victim, outside); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, victim); err != nil {
		t.Fatal(err)
	}
	// And a link whose name no entry has, with --orphans.
	stray := filepath.Join(inv, "ABCFFFFF.cfg")
	if err := os.Symlink(outside, stray); err != nil {
		t.Fatal(err)
	}
	code, out, errs := planCLI(t, planArgs(l, "-f", "json", "--orphans")...)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, link := range []string{victim, stray} {
		if strings.Contains(out, link) {
			t.Errorf("the link %s was planned", link)
		}
		if !strings.Contains(errs, link+": skipped: not a regular file") {
			t.Errorf("the link %s was not reported:\n%s", link, errs)
		}
	}
	if strings.Contains(out, outside) {
		t.Errorf("the link's target was planned")
	}
}

func TestPlanParallelIsDeterministic(t *testing.T) {
	c := sample.DefaultConfig(2, sample.DefaultNow)
	c.Domains, c.LogonServers, c.EntriesPerDomain = 4, 5, 300
	l := planSite(t, c)
	for _, f := range []string{"json", "csv"} {
		for _, extra := range [][]string{nil, {"--orphans", "--include-invalid"}} {
			args := planArgs(l, append([]string{"-f", f}, extra...)...)
			code, one, errs := planCLI(t, append(args, "--parallel", "1")...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			for range 2 {
				_, eight, _ := planCLI(t, append(args, "--parallel", "8")...)
				if eight != one {
					t.Fatalf("-f %s %v: --parallel 8 differs from --parallel 1", f, extra)
				}
			}
		}
	}
}

// treeHash fingerprints every file and folder under dir: name, type, size,
// modification time and content.
func treeHash(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		s := fmt.Sprintf("%v %d %d", info.Mode(), info.Size(), info.ModTime().UnixNano())
		if info.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			s += " " + hex.EncodeToString(sum[:])
		}
		if d.IsDir() {
			s = fmt.Sprintf("%v %d", info.Mode(), info.ModTime().UnixNano())
		}
		m[p] = s
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestPlanChangesNothing(t *testing.T) {
	c := sample.DefaultConfig(1, sample.DefaultNow)
	c.PartialRecord = true
	l := planSite(t, c)
	before := treeHash(t, l.Dir)
	out := filepath.Join(t.TempDir(), "plan.json")
	for _, extra := range [][]string{
		{"-f", "json"},
		{"-f", "csv", "--orphans", "--include-invalid", "--logon-all-cfg"},
		{"--out", out, "--encoding", "utf16le"},
	} {
		code, _, errs := planCLI(t, planArgs(l, extra...)...)
		if code != 1 {
			t.Errorf("%v: exit %d, want 1 (partial record): %s", extra, code, errs)
		}
	}
	after := treeHash(t, l.Dir)
	var diffs []string
	for p, h := range before {
		if after[p] != h {
			diffs = append(diffs, fmt.Sprintf("%s: %q -> %q", p, h, after[p]))
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			diffs = append(diffs, p+": new")
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		t.Errorf("plan changed the tree:\n%s", strings.Join(diffs, "\n"))
	}
}

// powershellJSON re-shapes a JSON plan as ConvertTo-Json | Set-Content does
// in Windows PowerShell 5.1: indented by four spaces, CRLF line ends, >, <,
// & and ' as \u escapes, and a single row as a bare object.
func powershellJSON(t *testing.T, plan []byte) []byte {
	t.Helper()
	var rows []json.RawMessage
	if err := json.Unmarshal(plan, &rows); err != nil {
		t.Fatal(err)
	}
	src := plan
	if len(rows) == 1 {
		src = rows[0]
	}
	var b bytes.Buffer
	if err := json.Indent(&b, src, "", "    "); err != nil {
		t.Fatal(err)
	}
	s := strings.NewReplacer("\n", "\r\n", ">", `\u003e`, "<", `\u003c`, "&", `\u0026`, "'", `\u0027`).Replace(b.String())
	return []byte(s + "\r\n")
}

func readValidate(t *testing.T, name string, plan []byte, within string, wantRows int) {
	t.Helper()
	p, err := planread.Read(bytes.NewReader(plan), name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	rows, errs := planread.Validate(p, planread.Options{Within: []string{within}})
	for _, e := range errs {
		t.Errorf("%s: %v", name, e)
	}
	if len(p.Rows) != wantRows || len(rows) != wantRows {
		t.Errorf("%s: read %d rows, %d after Validate, want %d", name, len(p.Rows), len(rows), wantRows)
	}
}

func TestPlanReadBack(t *testing.T) {
	l := defaultPlanSite(t)
	for _, extra := range [][]string{nil, {"--orphans", "--include-invalid"}, {"--logon-all-cfg"}} {
		_, js, _ := planCLI(t, planArgs(l, append([]string{"-f", "json"}, extra...)...)...)
		n := len(planRows(t, js))
		if n == 0 {
			t.Fatal("empty plan")
		}
		readValidate(t, fmt.Sprint("json ", extra), []byte(js), l.Dir, n)
		readValidate(t, fmt.Sprint("powershell json ", extra), powershellJSON(t, []byte(js)), l.Dir, n)
		_, jl, _ := planCLI(t, planArgs(l, append([]string{"-f", "jsonl"}, extra...)...)...)
		readValidate(t, fmt.Sprint("jsonl ", extra), []byte(jl), l.Dir, n)
		_, csv, _ := planCLI(t, planArgs(l, append([]string{"-f", "csv"}, extra...)...)...)
		readValidate(t, fmt.Sprint("csv ", extra), []byte(csv), l.Dir, n)
	}

	// A plan of one row, which PowerShell writes as a bare object.
	code, js, errs := planCLI(t, "plan", "--days", "90", "--now", planNowFlag, "-f", "json", "--logon", l.Logons[0])
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var raws []json.RawMessage
	if err := json.Unmarshal([]byte(js), &raws); err != nil || len(raws) == 0 {
		t.Fatalf("logon-only plan: %v, %d rows", err, len(raws))
	}
	ps := powershellJSON(t, []byte("["+string(raws[0])+"]"))
	if !bytes.HasPrefix(ps, []byte("{\r\n    \"")) {
		t.Fatalf("not a bare object:\n%s", ps)
	}
	readValidate(t, "powershell single object", ps, l.Dir, 1)

	// The same through a file written by --out, in UTF-16.
	out := filepath.Join(t.TempDir(), "plan.json")
	if code, _, errs := planCLI(t, planArgs(l, "--out", out, "--encoding", "utf16le")...); code != 0 {
		t.Fatalf("--out: exit %d: %s", code, errs)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	_, js, _ = planCLI(t, planArgs(l, "-f", "json")...)
	readValidate(t, "utf16le --out", b, l.Dir, len(planRows(t, js)))
}
