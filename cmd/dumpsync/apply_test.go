package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dumpsync/dumpsync/internal/apply"
	"github.com/dumpsync/dumpsync/internal/record"
	"github.com/dumpsync/dumpsync/internal/sample"
)

// ---- helpers ----

// TestMain points the user cache folder at a temporary folder for the whole
// package, so that no test writes an undo file into the real one.
// isolateCache points the user cache folder (where default undo files go)
// at a temporary folder for the whole test binary, testscript's re-executed
// dumpsync included, so no test writes into the real cache. TestMain is in
// script_test.go. The folder is left in the temp dir: testscript.Main exits.
func isolateCache() {
	// A script that sets DUMPSYNC_TEST_CACHE chooses its own (this also runs
	// in the dumpsync processes the scripts start).
	dir := os.Getenv("DUMPSYNC_TEST_CACHE")
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "dumpsync-test-cache-"); err != nil {
			panic(err)
		}
	}
	cacheEnv := "XDG_CACHE_HOME"
	if runtime.GOOS == "windows" {
		cacheEnv = "LocalAppData"
	}
	os.Setenv(cacheEnv, dir)
}

// isolate points the user cache folder (where default undo files go) at a
// fresh temporary folder and returns it.
func isolate(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if runtime.GOOS == "windows" {
		t.Setenv("LocalAppData", dir)
	} else {
		t.Setenv("XDG_CACHE_HOME", dir)
	}
	if got, err := os.UserCacheDir(); err != nil || got != dir {
		t.Fatalf("os.UserCacheDir() = %q, %v; want %q", got, err, dir)
	}
	return dir
}

// runStdin runs dumpsync with in as stdin.
func runStdin(t *testing.T, in []byte, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	s := &Streams{In: bytes.NewReader(in), Out: &out, Err: &errb}
	code = run(confined(args, in), s, func() time.Time { return testNow })
	return code, out.String(), errb.String()
}

// newSite generates the bundled sample's site (seed 1) in a fresh folder.
func newSite(t *testing.T) *sample.Layout {
	return genSite(t, sample.DefaultConfig(1, sample.DefaultNow))
}

// newSmallSite is the sample with one logon server: fewer Resync.cfg
// rewrites, for tests that repeat apply many times.
func newSmallSite(t *testing.T) *sample.Layout {
	c := sample.DefaultConfig(1, sample.DefaultNow)
	c.LogonServers = 1
	return genSite(t, c)
}

func genSite(t *testing.T, c sample.Config) *sample.Layout {
	t.Helper()
	l, err := sample.Generate(filepath.Join(t.TempDir(), "site"), c)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// planWholeSite plans the whole site and its logon servers in format f.
func planWholeSite(t *testing.T, l *sample.Layout, f string) []byte {
	t.Helper()
	code, out, errs := runCLI(t, "plan", "--days", "90", "--site", l.Root, "--logon", filepath.Join(l.Dir, "LOGON*", "SMSLOGON"), "-f", f)
	if code != 0 {
		t.Fatalf("plan: exit %d: %s", code, errs)
	}
	return []byte(out)
}

// tree is every file (content) and folder ("<dir>") under a root, by
// slash-separated relative path.
type tree map[string]string

func snapshot(t *testing.T, root string) tree {
	t.Helper()
	m := tree{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			m[rel] = "<dir>"
		case d.Type().IsRegular():
			b, err := os.ReadFile(p)
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed since it was listed: a transient file of a running dumpsync
			}
			if err != nil {
				return err
			}
			m[rel] = string(b)
		default:
			m[rel] = "<" + d.Type().String() + ">"
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// sameTree reports differences between got and want, in a few lines.
func sameTree(t *testing.T, what string, got, want tree) {
	t.Helper()
	var diffs []string
	for k, v := range want {
		g, ok := got[k]
		switch {
		case !ok:
			diffs = append(diffs, "missing "+k)
		case g != v:
			diffs = append(diffs, fmt.Sprintf("differs %s (%d bytes, want %d)", k, len(g), len(v)))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, "unexpected "+k)
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		if len(diffs) > 10 {
			diffs = append(diffs[:10], fmt.Sprintf("... %d more", len(diffs)-10))
		}
		t.Errorf("%s:\n  %s", what, strings.Join(diffs, "\n  "))
	}
}

func (m tree) clone() tree {
	c := tree{}
	for k, v := range m {
		c[k] = v
	}
	return c
}

// expect is orig with the changes of the given plan rows made: their
// records removed from each Resync.cfg and their files deleted.
func expect(t *testing.T, root string, orig tree, p ptable, rows ...int) tree {
	t.Helper()
	want := orig.clone()
	remove := map[string]map[int]bool{}
	for _, i := range rows {
		rel, err := filepath.Rel(root, p.str(i, "Path"))
		if err != nil {
			t.Fatal(err)
		}
		rel = filepath.ToSlash(rel)
		switch p.str(i, "Action") {
		case "RemoveEntry":
			off, _ := strconv.Atoi(p.str(i, "Offset"))
			if remove[rel] == nil {
				remove[rel] = map[int]bool{}
			}
			remove[rel][off] = true
		case "DeleteFile":
			delete(want, rel)
		}
	}
	for rel, offs := range remove {
		var b []byte
		data := orig[rel]
		for off := 0; off < len(data); off += record.Size {
			if !offs[off] {
				b = append(b, data[off:min(off+record.Size, len(data))]...)
			}
		}
		want[rel] = string(b)
	}
	return want
}

func allRows(p ptable) []int {
	var idx []int
	for i := range p.rows {
		idx = append(idx, i)
	}
	return idx
}

// writeFile writes b to a new file in a folder of its own, outside any site.
func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// applyRun runs apply with -f json and returns the decoded results.
func applyRun(t *testing.T, stdin []byte, args ...string) (int, []apply.Result, string) {
	t.Helper()
	code, out, errs := runStdin(t, stdin, append([]string{"apply", "-f", "json"}, args...)...)
	var res []apply.Result
	if strings.TrimSpace(out) != "" {
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("apply output: %v\n%s", err, out)
		}
	}
	return code, res, errs
}

// applyBoth runs apply --what-if and then apply on the same state. The
// what-if run must change and create nothing (in root and in cache) and give
// the same exit code and the same statuses (WhatIf for Applied). It returns
// the real run's outcome.
func applyBoth(t *testing.T, root, cache string, stdin []byte, args ...string) (int, []apply.Result, string) {
	t.Helper()
	before, cacheBefore := snapshot(t, root), snapshot(t, cache)
	wcode, wres, werr := applyRun(t, stdin, append([]string{"--what-if"}, args...)...)
	sameTree(t, "--what-if changed the tree", snapshot(t, root), before)
	sameTree(t, "--what-if changed the cache folder", snapshot(t, cache), cacheBefore)
	code, res, errs := applyRun(t, stdin, args...)
	if wcode != code {
		t.Errorf("--what-if exit %d, real run exit %d\nwhat-if stderr: %s\nstderr: %s", wcode, code, werr, errs)
	}
	if len(wres) != len(res) {
		t.Fatalf("--what-if gave %d results, real run %d", len(wres), len(res))
	}
	for i := range res {
		w, r := wres[i], res[i]
		want := r.Status
		if want == apply.Applied {
			want = apply.WhatIf
		}
		if w.Status != want || w.Action != r.Action || w.Path != r.Path || !reflect.DeepEqual(w.Offset, r.Offset) {
			t.Errorf("result %d: what-if %s %s %s (%s), real %s %s %s (%s)", i+1, w.Action, w.Path, w.Status, w.Detail, r.Action, r.Path, r.Status, r.Detail)
		}
		if w.Status == apply.Skipped && w.Detail != r.Detail {
			t.Errorf("result %d: what-if Skipped %q, real Skipped %q", i+1, w.Detail, r.Detail)
		}
	}
	return code, res, errs
}

func statuses(res []apply.Result) map[string]int {
	m := map[string]int{}
	for _, r := range res {
		m[r.Status]++
	}
	return m
}

func appendFile(t *testing.T, p string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func rel(t *testing.T, root, p string) string {
	r, err := filepath.Rel(root, p)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.ToSlash(r)
}

// ---- plan shapes ----

// TestApplyPowerShellShapes: plan, filter (drop rows, reorder, one row as a
// bare object), re-encode as PowerShell would, apply, compare with the
// expected tree, undo, compare with the original.
func TestApplyPowerShellShapes(t *testing.T) {
	for si, sh := range shapes {
		for _, variant := range []string{"subset", "single"} {
			t.Run(sh.name+"/"+variant, func(t *testing.T) {
				t.Parallel()
				cache, _ := os.UserCacheDir() // TestMain's; with --undo FILE it stays empty
				l := newSmallSite(t)
				if si%5 == 0 {
					l = newSite(t) // three logon servers, one with RESYNC.CFG and INVENCFG.BOX
				}
				orig := snapshot(t, l.Dir)
				var p ptable
				if sh.csv {
					p = parseCSVPlan(t, planWholeSite(t, l, "csv"))
				} else {
					p = parseJSONPlan(t, planWholeSite(t, l, "json"))
				}
				if len(p.rows) < 100 {
					t.Fatalf("plan has %d rows, want the sample's hundreds", len(p.rows))
				}
				var idx []int
				if variant == "subset" {
					// Drop every third row and reverse the rest.
					for i := len(p.rows) - 1; i >= 0; i-- {
						if i%3 != si%3 {
							idx = append(idx, i)
						}
					}
				} else {
					// One row: alternately a RemoveEntry and a DeleteFile.
					want := []string{"RemoveEntry", "DeleteFile"}[si%2]
					for i := range p.rows {
						if p.str(i, "Action") == want {
							idx = []int{i + si}
							for p.str(idx[0], "Action") != want {
								idx[0]--
							}
							break
						}
					}
				}
				q := p.keep(idx...)
				text := sh.write(q)
				undo := filepath.Join(t.TempDir(), "undo.json")
				var code int
				var res []apply.Result
				var errs string
				if si%4 == 3 { // Get-Content plan | dumpsync apply -
					code, res, errs = applyBoth(t, l.Dir, cache, text, "-", "--within", l.Dir, "--undo", undo)
				} else {
					planPath := writeFile(t, "plan.txt", text)
					code, res, errs = applyBoth(t, l.Dir, cache, nil, planPath, "--within", l.Dir, "--undo", undo)
				}
				if code != 0 || len(res) != len(q.rows) || statuses(res)[apply.Applied] != len(q.rows) {
					t.Fatalf("apply: exit %d, %d results %v, want 0 and %d Applied\n%s", code, len(res), statuses(res), len(q.rows), errs)
				}
				for i, r := range res {
					if r.Path != q.str(i, "Path") || r.Action != q.str(i, "Action") {
						t.Errorf("result %d is %s %s, want plan order (%s %s)", i+1, r.Action, r.Path, q.str(i, "Action"), q.str(i, "Path"))
					}
				}
				if !strings.Contains(errs, "undo file: "+undo) {
					t.Errorf("stderr does not name the undo file:\n%s", errs)
				}
				sameTree(t, "after apply", snapshot(t, l.Dir), expect(t, l.Dir, orig, p, idx...))

				code, res, errs = applyRun(t, nil, undo, "--no-undo")
				if code != 0 || statuses(res)[apply.Applied] != len(res) {
					t.Fatalf("undo: exit %d, %v\n%s", code, statuses(res), errs)
				}
				sameTree(t, "after undo", snapshot(t, l.Dir), orig)
				if got := snapshot(t, cache); len(got) > 1 {
					t.Errorf("the cache folder got files with --undo FILE: %v", got)
				}
			})
		}
	}
}

// ---- empty and invalid plans ----

func TestApplyEmptyPlan(t *testing.T) {
	isolate(t)
	for name, in := range map[string][]byte{
		"nothing":          {},
		"utf8 bom only":    {0xEF, 0xBB, 0xBF},
		"utf16le bom":      {0xFF, 0xFE},
		"utf16be bom":      {0xFE, 0xFF},
		"whitespace":       []byte(" \r\n\t\r\n"),
		"empty array":      []byte("[]"),
		"empty array crlf": []byte("[\r\n\r\n]\r\n"),
		"null":             []byte("null\r\n"),
		"empty wrapper":    []byte(`{"value":[],"Count":0}`),
		"csv header only":  exportCSV(ptable{cols: []string{"Action", "Path"}}, ",", true, false),
	} {
		t.Run(name, func(t *testing.T) {
			for _, stdin := range []bool{false, true} {
				var code int
				var out, errs string
				if stdin {
					code, out, errs = runStdin(t, in, "apply", "-")
				} else {
					code, out, errs = runCLI(t, "apply", writeFile(t, "plan.json", in))
				}
				if code != 0 || !strings.Contains(errs, "nothing to do") || out != "[]\n" {
					t.Errorf("stdin=%v: exit %d, stdout %q, stderr %q; want 0, [], 'nothing to do'", stdin, code, out, errs)
				}
			}
		})
	}
}

func TestApplyInvalidPlanChangesNothing(t *testing.T) {
	cache := isolate(t)
	l := newSite(t)
	orig := snapshot(t, l.Dir)
	pc := parseCSVPlan(t, planWholeSite(t, l, "csv"))
	pj := parseJSONPlan(t, planWholeSite(t, l, "json"))
	set := func(p ptable, i int, col string, v any) ptable {
		q := ptable{cols: p.cols}
		for j, r := range p.rows {
			if j == i {
				r = append([]any{}, r...)
				r[p.col(col)] = v
			}
			q.rows = append(q.rows, r)
		}
		return q
	}
	firstFile := 0
	for pc.str(firstFile, "Action") != "DeleteFile" {
		firstFile++
	}
	outside := filepath.Join(filepath.Dir(l.Dir), "elsewhere", "Resync.cfg")
	cases := []struct {
		name string
		text []byte
		args []string
		want []string
	}{
		{"csv bad Sha256 and Offset",
			exportCSV(set(set(pc, 1, "Offset", "13"), 3, "Sha256", "xyz"), ",", true, false), nil,
			[]string{"row 2 (line 4): field Offset", "row 4 (line 6): field Sha256"}},
		{"csv ; bad Size", exportCSV(set(pc, 9, "Size", "1,5"), ";", false, true), nil,
			[]string{"row 10 (line 11): field Size"}},
		{"json missing Path", ps51JSON(set(pj, 2, "Path", nil)), nil, []string{"row 3 (line 32): field Path"}},
		{"json unknown action", ps7JSON(set(pj, 0, "Action", "Delete"), false, false), nil, []string{"row 1 (line 2): field Action"}},
		{"json last row bad SmsId", ps7JSON(set(pj, len(pj.rows)-1, "SmsId", "../x"), false, false), nil,
			[]string{fmt.Sprintf("row %d", len(pj.rows))}},
		{"json DeleteFile without Cutoff", ps7JSON(set(pj, firstFile, "Cutoff", nil), false, false), nil,
			[]string{fmt.Sprintf("row %d", firstFile+1), "field Cutoff"}},
		{"json path outside --within", ps7JSON(set(pj, 4, "Path", outside), false, false), []string{"--within", l.Dir},
			[]string{"row 5", "field Path", "outside --within"}},
		{"json conflicting rows", ps7JSON(ptable{cols: pj.cols, rows: append(append([][]any{}, pj.rows...), set(pj, 0, "Record", strings.Repeat("00", 48)).rows[0])}, false, false), nil,
			[]string{fmt.Sprintf("row %d", len(pj.rows)+1), "conflicts with row 1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, whatIf := range []bool{false, true} {
				args := append([]string{"apply", writeFile(t, "plan", c.text)}, c.args...)
				if whatIf {
					args = append(args, "--what-if")
				}
				code, out, errs := runCLI(t, args...)
				if code != 2 || out != "" {
					t.Errorf("what-if=%v: exit %d, stdout %q; want 2 and nothing\n%s", whatIf, code, out, errs)
				}
				for _, w := range append(c.want, "nothing was changed") {
					if !strings.Contains(errs, w) {
						t.Errorf("what-if=%v: stderr lacks %q:\n%s", whatIf, w, errs)
					}
				}
			}
			sameTree(t, "after an invalid plan", snapshot(t, l.Dir), orig)
			if got := snapshot(t, cache); len(got) > 1 {
				t.Errorf("an invalid plan created files in the cache folder: %v", got)
			}
		})
	}
}

// Identical duplicate rows give one result.
func TestApplyDuplicateRowsOneResult(t *testing.T) {
	cache := isolate(t)
	l := newSite(t)
	orig := snapshot(t, l.Dir)
	p := parseJSONPlan(t, planWholeSite(t, l, "json"))
	idx := []int{0, 1, 0, len(p.rows) - 1, 1, len(p.rows) - 1}
	code, res, errs := applyBoth(t, l.Dir, cache, ps51JSON(p.keep(idx...)), "-", "--no-undo")
	if code != 0 || len(res) != 3 {
		t.Fatalf("exit %d, %d results, want 0 and 3\n%s", code, len(res), errs)
	}
	sameTree(t, "after apply", snapshot(t, l.Dir), expect(t, l.Dir, orig, p, 0, 1, len(p.rows)-1))
}

// ---- stale plans ----

func firstOf(p ptable, action, pathPrefix string) int {
	for i := range p.rows {
		if p.str(i, "Action") == action && strings.HasPrefix(p.str(i, "Path"), pathPrefix) {
			return i
		}
	}
	panic("no row")
}

func rowsWhere(p ptable, f func(i int) bool) []int {
	var idx []int
	for i := range p.rows {
		if f(i) {
			idx = append(idx, i)
		}
	}
	return idx
}

func TestApplyStalePlans(t *testing.T) {
	setup := func(t *testing.T) (cache string, l *sample.Layout, orig tree, p ptable, planPath string, resync0 string) {
		cache = isolate(t)
		l = newSite(t)
		orig = snapshot(t, l.Dir)
		b := planWholeSite(t, l, "json")
		return cache, l, orig, parseJSONPlan(t, b), writeFile(t, "plan.json", b), filepath.Join(l.Domains[0], "Resync.cfg")
	}

	t.Run("records appended after the plan", func(t *testing.T) {
		cache, l, orig, p, planPath, r0 := setup(t)
		extra := record.Make("ABC00001", ago(400), nil)
		fresh := record.Make("ABCFFFFF", ago(1), []byte{1, 2, 3})
		added := append(append([]byte{}, extra.Raw[:]...), fresh.Raw[:]...)
		appendFile(t, r0, added)
		code, res, errs := applyBoth(t, l.Dir, cache, nil, planPath, "--no-undo")
		if code != 0 || statuses(res)[apply.Applied] != len(p.rows) {
			t.Fatalf("exit %d, %v\n%s", code, statuses(res), errs)
		}
		want := expect(t, l.Dir, orig, p, allRows(p)...)
		want[rel(t, l.Dir, r0)] += string(added)
		sameTree(t, "after apply", snapshot(t, l.Dir), want)
	})

	t.Run("Resync.cfg rewritten", func(t *testing.T) {
		cache, l, orig, p, planPath, r0 := setup(t)
		data := []byte(orig[rel(t, l.Dir, r0)])
		// Another tool swapped the first two records: same size, other content.
		swapped := append(append(append([]byte{}, data[48:96]...), data[:48]...), data[96:]...)
		os.WriteFile(r0, swapped, 0o644)
		code, res, errs := applyBoth(t, l.Dir, cache, nil, planPath, "--no-undo")
		if code != 1 {
			t.Fatalf("exit %d, want 1\n%s", code, errs)
		}
		var applied []int
		for i, r := range res {
			switch {
			case r.Action == "RemoveEntry" && r.Path == r0:
				if r.Status != apply.Skipped || r.Detail != "Resync.cfg changed since the plan; make a new plan" {
					t.Errorf("row %d on the rewritten file: %s %q", i+1, r.Status, r.Detail)
				}
			case r.Status != apply.Applied:
				t.Errorf("row %d (%s %s): %s %q, want Applied", i+1, r.Action, r.Path, r.Status, r.Detail)
			default:
				applied = append(applied, i)
			}
		}
		want := expect(t, l.Dir, orig, p, applied...)
		want[rel(t, l.Dir, r0)] = string(swapped)
		sameTree(t, "after apply", snapshot(t, l.Dir), want)
	})

	t.Run("a .cfg changed", func(t *testing.T) {
		cache, l, orig, p, planPath, _ := setup(t)
		a := firstOf(p, "DeleteFile", l.Domains[0])
		b := firstOf(p, "DeleteFile", l.Domains[1])
		pa, pb := p.str(a, "Path"), p.str(b, "Path")
		same := []byte(orig[rel(t, l.Dir, pa)])
		same[len(same)/2] ^= 1 // same size, other content
		os.WriteFile(pa, same, 0o644)
		appendFile(t, pb, []byte("x"))
		code, res, errs := applyBoth(t, l.Dir, cache, nil, planPath, "--no-undo")
		if code != 1 {
			t.Fatalf("exit %d, want 1\n%s", code, errs)
		}
		var applied []int
		for i, r := range res {
			if i == a || i == b {
				if r.Status != apply.Skipped || !strings.Contains(r.Detail, "file changed since the plan") {
					t.Errorf("changed file %s: %s %q", r.Path, r.Status, r.Detail)
				}
				continue
			}
			if r.Status != apply.Applied {
				t.Errorf("row %d: %s %q", i+1, r.Status, r.Detail)
			}
			applied = append(applied, i)
		}
		want := expect(t, l.Dir, orig, p, applied...)
		want[rel(t, l.Dir, pa)] = string(same)
		want[rel(t, l.Dir, pb)] += "x"
		sameTree(t, "after apply", snapshot(t, l.Dir), want)
	})

	t.Run("a fresh request arrived", func(t *testing.T) {
		cache, l, orig, p, planPath, r0 := setup(t)
		files := rowsWhere(p, func(i int) bool {
			return p.str(i, "Action") == "DeleteFile" && strings.HasPrefix(p.str(i, "Path"), l.Domains[0])
		})
		if len(files) < 3 {
			t.Fatalf("only %d DeleteFile rows in %s", len(files), l.Domains[0])
		}
		cutoff, _ := strconv.ParseInt(p.str(files[0], "Cutoff"), 10, 64)
		atCutoff := record.Make(p.str(files[0], "SmsId"), uint32(cutoff), nil) // RequestTime >= Cutoff: fresh
		newer := record.Make(strings.ToLower(p.str(files[1], "SmsId")), ago(0), nil)
		older := record.Make(p.str(files[2], "SmsId"), uint32(cutoff-1), nil) // still stale
		added := append(append(append([]byte{}, atCutoff.Raw[:]...), newer.Raw[:]...), older.Raw[:]...)
		appendFile(t, r0, added)
		code, res, errs := applyBoth(t, l.Dir, cache, nil, planPath, "--no-undo")
		if code != 1 {
			t.Fatalf("exit %d, want 1\n%s", code, errs)
		}
		var applied []int
		for i, r := range res {
			if i == files[0] || i == files[1] {
				if r.Status != apply.Skipped || !strings.Contains(r.Detail, "fresh request") {
					t.Errorf("%s: %s %q, want Skipped for a fresh request", r.Path, r.Status, r.Detail)
				}
				continue
			}
			if r.Status != apply.Applied {
				t.Errorf("row %d %s: %s %q", i+1, r.Path, r.Status, r.Detail)
			}
			applied = append(applied, i)
		}
		want := expect(t, l.Dir, orig, p, applied...)
		want[rel(t, l.Dir, r0)] += string(added)
		sameTree(t, "after apply", snapshot(t, l.Dir), want)
	})

	t.Run("Resync.cfg ends in a partial record", func(t *testing.T) {
		cache, l, orig, p, _, _ := setup(t)
		r1 := filepath.Join(l.Domains[1], "Resync.cfg")
		appendFile(t, r1, []byte("ABC0"))
		files := rowsWhere(p, func(i int) bool {
			return p.str(i, "Action") == "DeleteFile" && strings.HasPrefix(p.str(i, "Path"), l.Domains[1])
		})
		code, res, errs := applyBoth(t, l.Dir, cache, ps7JSON(p.keep(files...), false, false), "-", "--no-undo")
		if code != 1 || statuses(res)[apply.Skipped] != len(files) {
			t.Fatalf("exit %d, %v, want 1 and %d Skipped\n%s", code, statuses(res), len(files), errs)
		}
		for _, r := range res {
			if !strings.Contains(r.Detail, "partial record") {
				t.Errorf("%s: %q", r.Path, r.Detail)
			}
		}
		want := orig.clone()
		want[rel(t, l.Dir, r1)] += "ABC0"
		sameTree(t, "after apply", snapshot(t, l.Dir), want)
	})

	t.Run("second subset and reapply", func(t *testing.T) {
		cache, l, orig, p, planPath, _ := setup(t)
		even := rowsWhere(p, func(i int) bool { return i%2 == 0 })
		odd := rowsWhere(p, func(i int) bool { return i%2 == 1 })
		code, res, errs := applyBoth(t, l.Dir, cache, ps51JSON(p.keep(even...)), "-", "--no-undo")
		if code != 0 || statuses(res)[apply.Applied] != len(even) {
			t.Fatalf("first subset: exit %d, %v\n%s", code, statuses(res), errs)
		}
		touched := map[string]bool{}
		for _, i := range even {
			if p.str(i, "Action") == "RemoveEntry" {
				touched[p.str(i, "Path")] = true
			}
		}
		code, res, errs = applyBoth(t, l.Dir, cache, exportCSV(p.keep(odd...), ";", true, true), "-", "--no-undo")
		if code != 1 {
			t.Errorf("second subset: exit %d, want 1\n%s", code, errs)
		}
		done := append([]int{}, even...)
		for k, r := range res {
			i := odd[k]
			switch {
			case r.Action == "RemoveEntry" && touched[r.Path]:
				if r.Status != apply.Skipped {
					t.Errorf("second subset, %s offset %d of a file the first subset changed: %s %q", r.Path, *r.Offset, r.Status, r.Detail)
				}
			case r.Status != apply.Applied:
				t.Errorf("second subset, %s %s: %s %q, want Applied", r.Action, r.Path, r.Status, r.Detail)
			default:
				done = append(done, i)
			}
		}
		want := expect(t, l.Dir, orig, p, done...)
		sameTree(t, "after both subsets", snapshot(t, l.Dir), want)

		code, res, errs = applyBoth(t, l.Dir, cache, nil, planPath, "--no-undo")
		if code != 1 || statuses(res)[apply.Skipped] != len(p.rows) {
			t.Errorf("reapply: exit %d, %v, want 1 and all Skipped\n%s", code, statuses(res), errs)
		}
		sameTree(t, "after reapplying the whole plan", snapshot(t, l.Dir), want)
	})
}

// Duplicate records of the same SMSID: applying, reapplying or applying
// another subset never removes a different copy.
func TestApplyDuplicateRecordsNeverRemovesAnotherCopy(t *testing.T) {
	cache := isolate(t)
	dir := t.TempDir()
	a := record.Make("ABC01", ago(200), nil)
	a2 := record.Make("ABC01", ago(300), nil)
	b := record.Make("ABC02", ago(200), nil)
	c := record.Make("ABC03", ago(1), nil)
	recs := []record.Entry{a, b, a, c, a, a2, a}
	dom := writeDomain(t, filepath.Join(dir, "Domain.000"), recs, nil)
	resync := filepath.Join(dom, "Resync.cfg")
	orig, _ := os.ReadFile(resync)
	code, out, errs := runCLI(t, "plan", "--days", "90", dom, "-f", "json")
	if code != 0 {
		t.Fatal(errs)
	}
	p := parseJSONPlan(t, []byte(out))
	byOff := map[string]int{}
	for i := range p.rows {
		byOff[p.str(i, "Offset")] = i
	}
	if len(p.rows) != 6 {
		t.Fatalf("plan has %d rows, want 6", len(p.rows))
	}
	content := func() []byte { b, _ := os.ReadFile(resync); return b }
	join := func(es ...record.Entry) []byte {
		var out []byte
		for _, e := range es {
			out = append(out, e.Raw[:]...)
		}
		return out
	}
	// Remove the middle copy of A (offset 96).
	sub1 := ps7JSON(p.keep(byOff["96"]), false, false)
	code, res, _ := applyBoth(t, dir, cache, sub1, "-", "--no-undo")
	if code != 0 || res[0].Status != apply.Applied {
		t.Fatalf("first subset: exit %d %v", code, res)
	}
	want := join(a, b, c, a, a2, a)
	if !bytes.Equal(content(), want) {
		t.Fatalf("after the first subset the file is not A B C A A2 A")
	}
	// Reapply: Skipped, not the next copy of A.
	for _, again := range [][]byte{sub1, ps7JSON(p.keep(byOff["0"], byOff["192"], byOff["288"]), false, false)} {
		code, res, _ = applyBoth(t, dir, cache, again, "-", "--no-undo")
		if code != 1 || statuses(res)[apply.Skipped] != len(res) {
			t.Errorf("applying the same plan again: exit %d %v, want all Skipped", code, statuses(res))
		}
		if !bytes.Equal(content(), want) {
			t.Fatalf("applying the same plan again changed the file")
		}
	}
	// SMS appends another A: the file is as long as planned again, but not
	// the planned content; still nothing is removed.
	appendFile(t, resync, a.Raw[:])
	want = append(want, a.Raw[:]...)
	if len(want) != len(orig) {
		t.Fatalf("test setup: %d bytes, want %d", len(want), len(orig))
	}
	code, res, _ = applyBoth(t, dir, cache, ps51JSON(p), "-", "--no-undo")
	if code != 1 || statuses(res)[apply.Skipped] != len(res) {
		t.Errorf("whole plan after an append: exit %d %v, want all Skipped", code, statuses(res))
	}
	if !bytes.Equal(content(), want) {
		t.Errorf("the whole plan after an append changed the file")
	}
}

// ---- links (not on Windows: Wine has no symlinks or junctions) ----

func TestApplyNeverDeletesThroughLinks(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Wine has no symbolic links or junctions (see go-test-windows)")
	}
	cache := isolate(t)
	l := newSite(t)
	p := parseJSONPlan(t, planWholeSite(t, l, "json"))
	fa := firstOf(p, "DeleteFile", l.Domains[0])
	fb := firstOf(p, "DeleteFile", l.Domains[1])
	pa, pb := p.str(fa, "Path"), p.str(fb, "Path")
	// pa becomes a link to a file with the same content.
	elsewhere := t.TempDir()
	target := filepath.Join(elsewhere, "target.cfg")
	b, _ := os.ReadFile(pa)
	os.WriteFile(target, b, 0o644)
	os.Remove(pa)
	if err := os.Symlink(target, pa); err != nil {
		t.Fatal(err)
	}
	// Domain 1's Invencfg.box becomes a link to a copy of it.
	box := filepath.Dir(pb)
	moved := filepath.Join(elsewhere, "Invencfg.box")
	if err := os.Rename(box, moved); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(moved, box); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, elsewhere)
	code, res, errs := applyBoth(t, l.Dir, cache, ps7JSON(p.keep(fa, fb), false, false), "-", "--no-undo")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, errs)
	}
	if res[0].Status != apply.Skipped || !strings.Contains(res[0].Detail, "not a regular file") {
		t.Errorf("linked file: %s %q", res[0].Status, res[0].Detail)
	}
	if res[1].Status != apply.Skipped || !strings.Contains(res[1].Detail, "not a plain folder") {
		t.Errorf("linked Invencfg.box: %s %q", res[1].Status, res[1].Detail)
	}
	sameTree(t, "link targets", snapshot(t, elsewhere), before)
	if _, err := os.Lstat(pa); err != nil {
		t.Errorf("the link itself was removed: %v", err)
	}
}

// ---- --backup-dir ----

func TestApplyBackupDir(t *testing.T) {
	cache := isolate(t)
	l := newSite(t)
	orig := snapshot(t, l.Dir)
	p := parseJSONPlan(t, planWholeSite(t, l, "json"))
	planPath := writeFile(t, "plan.json", ps51JSON(p))

	for _, inside := range []string{filepath.Join(l.Domains[0], "bak"), l.Logons[0], filepath.Join(l.Logons[1], "Invencfg.box", "b")} {
		for _, whatIf := range []string{"--no-undo", "--what-if"} {
			code, out, errs := runCLI(t, "apply", planPath, "--backup-dir", inside, whatIf)
			if code != 2 || out != "" || !strings.Contains(errs, "--backup-dir") || !strings.Contains(errs, "inside") {
				t.Errorf("--backup-dir %s %s: exit %d, stdout %q, stderr %q; want 2", inside, whatIf, code, out, errs)
			}
		}
	}
	sameTree(t, "after a rejected --backup-dir", snapshot(t, l.Dir), orig)

	bak := filepath.Join(t.TempDir(), "bak")
	undo := filepath.Join(t.TempDir(), "undo.json")
	code, res, errs := applyBoth(t, l.Dir, cache, nil, planPath, "--backup-dir", bak, "--undo", undo)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	stamp := filepath.Join(bak, "20261101T000000Z")
	var files []int
	for i, r := range res {
		if r.Action != "DeleteFile" {
			continue
		}
		files = append(files, i)
		dest := apply.BackupPath(stamp, r.Path)
		if r.Detail != "moved to "+dest {
			t.Errorf("%s: detail %q, want moved to %s", r.Path, r.Detail, dest)
		}
		got, err := os.ReadFile(dest)
		if err != nil || string(got) != orig[rel(t, l.Dir, r.Path)] {
			t.Errorf("backup %s: %v, or content differs", dest, err)
		}
		if !strings.HasPrefix(dest, stamp) || !strings.HasSuffix(dest, r.Path[len(filepath.VolumeName(r.Path)):]) {
			t.Errorf("backup %s does not keep the whole path of %s", dest, r.Path)
		}
	}
	if n := len(snapshot(t, bak)); n < len(files) {
		t.Errorf("backup folder holds %d entries, want at least the %d files", n, len(files))
	}
	sameTree(t, "after apply", snapshot(t, l.Dir), expect(t, l.Dir, orig, p, allRows(p)...))
	code, _, errs = applyRun(t, nil, undo, "--no-undo")
	if code != 0 {
		t.Fatalf("undo: exit %d\n%s", code, errs)
	}
	sameTree(t, "after undo", snapshot(t, l.Dir), orig)
}

// ---- undo ----

func TestApplyDefaultUndoFile(t *testing.T) {
	cache := isolate(t)
	l := newSite(t)
	orig := snapshot(t, l.Dir)
	p := parseJSONPlan(t, planWholeSite(t, l, "json"))
	planPath := writeFile(t, "plan.json", ps7JSON(p, false, false))

	code, _, errs := applyBoth(t, l.Dir, cache, nil, planPath)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	undo := filepath.Join(cache, "dumpsync", "undo", "20261101T000000Z.json")
	if !strings.Contains(errs, "dumpsync: undo file: "+undo+"\n") {
		t.Errorf("stderr does not name %s:\n%s", undo, errs)
	}
	b, err := os.ReadFile(undo)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != len(p.rows)+2 || lines[0] != "[" || lines[len(lines)-1] != "]" {
		t.Errorf("undo file has %d lines, want [, %d rows, ]", len(lines), len(p.rows))
	}
	for _, line := range lines[1 : len(lines)-1] {
		var r apply.UndoRow
		if err := json.Unmarshal([]byte(strings.TrimSuffix(line, ",")), &r); err != nil {
			t.Fatalf("undo line %q: %v", line, err)
		}
		if r.Action != apply.RestoreEntry && r.Action != apply.RestoreFile {
			t.Errorf("undo row action %q", r.Action)
		}
	}
	// A second apply in the same second gets its own file.
	code, _, errs = applyRun(t, nil, planPath)
	if code != 1 || strings.Contains(errs, "undo file:") {
		t.Errorf("reapply: exit %d, stderr %q; want 1 and no undo file (nothing changed)", code, errs)
	}

	code, res, errs := applyBoth(t, l.Dir, cache, nil, undo, "--no-undo")
	if code != 0 || statuses(res)[apply.Applied] != len(p.rows) {
		t.Fatalf("undo: exit %d %v\n%s", code, statuses(res), errs)
	}
	sameTree(t, "after undo", snapshot(t, l.Dir), orig)
	// Undo twice changes nothing the second time.
	code, res, _ = applyBoth(t, l.Dir, cache, nil, undo, "--no-undo")
	if code != 1 || statuses(res)[apply.Skipped] != len(p.rows) {
		t.Errorf("second undo: exit %d %v, want 1 and all Skipped", code, statuses(res))
	}
	sameTree(t, "after the second undo", snapshot(t, l.Dir), orig)
	if got := snapshot(t, filepath.Join(cache, "dumpsync", "undo")); len(got) != 2 {
		t.Errorf("undo folder holds %v, want the one undo file", got)
	}
}

func TestApplyNoUndo(t *testing.T) {
	cache := isolate(t)
	l := newSite(t)
	p := planWholeSite(t, l, "json")
	code, _, errs := runCLI(t, "apply", writeFile(t, "p.json", p), "--no-undo")
	if code != 0 || strings.Contains(errs, "undo file:") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
	if got := snapshot(t, cache); len(got) != 1 {
		t.Errorf("--no-undo wrote to the cache folder: %v", got)
	}
	code, _, errs = runCLI(t, "apply", writeFile(t, "p.json", p), "--no-undo", "--undo", "x.json")
	if code != 2 {
		t.Errorf("--undo with --no-undo: exit %d, want 2\n%s", code, errs)
	}
}

// The removed records were the file's last ones: undo puts them back, and
// undo again sees them back and changes nothing.
func TestUndoLastRecordsTwice(t *testing.T) {
	cache := isolate(t)
	dir := t.TempDir()
	recs := []record.Entry{record.Make("ABC03", ago(1), nil), record.Make("ABC01", ago(200), nil), record.Make("ABC02", ago(300), nil)}
	dom := writeDomain(t, filepath.Join(dir, "Domain.000"), recs, nil)
	resync := filepath.Join(dom, "Resync.cfg")
	orig, _ := os.ReadFile(resync)
	_, out, _ := runCLI(t, "plan", "--days", "90", dom, "-f", "json")
	undo := filepath.Join(t.TempDir(), "u.json")
	if code, _, errs := applyBoth(t, dir, cache, []byte(out), "-", "--undo", undo); code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, errs)
	}
	if b, _ := os.ReadFile(resync); !bytes.Equal(b, orig[:48]) {
		t.Fatalf("apply left %d bytes, want the first record", len(b))
	}
	code, res, _ := applyBoth(t, dir, cache, nil, undo, "--no-undo")
	if code != 0 || statuses(res)[apply.Applied] != 2 {
		t.Fatalf("undo: exit %d %v", code, statuses(res))
	}
	if b, _ := os.ReadFile(resync); !bytes.Equal(b, orig) {
		t.Fatalf("undo did not restore the file byte for byte")
	}
	code, res, _ = applyBoth(t, dir, cache, nil, undo, "--no-undo")
	if code != 1 || statuses(res)[apply.Skipped] != 2 {
		t.Errorf("second undo: exit %d %v, want 1 and both Skipped", code, statuses(res))
	}
	if b, _ := os.ReadFile(resync); !bytes.Equal(b, orig) {
		t.Errorf("second undo changed the file (%d bytes, want %d)", len(b), len(orig))
	}
}

func TestUndoAfterChanges(t *testing.T) {
	cache := isolate(t)
	l := newSite(t)
	orig := snapshot(t, l.Dir)
	p := parseJSONPlan(t, planWholeSite(t, l, "json"))
	undo := filepath.Join(t.TempDir(), "u.json")
	if code, _, errs := applyRun(t, ps51JSON(p), "-", "--undo", undo); code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, errs)
	}
	after := snapshot(t, l.Dir)
	r0 := filepath.Join(l.Domains[0], "Resync.cfg")
	r1 := filepath.Join(l.Domains[1], "Resync.cfg")
	// SMS appended to r0: the removed records go back to their offsets, the
	// appended ones stay after them.
	added := record.Make("ABC99999", ago(0), nil)
	appendFile(t, r0, added.Raw[:])
	// r1 was rewritten by someone else (its last record dropped): the
	// records cannot go back to their offsets and are appended.
	cur := []byte(after[rel(t, l.Dir, r1)])
	rewritten := cur[:len(cur)-48]
	os.WriteFile(r1, rewritten, 0o644)
	// One deleted file is back with other content: not overwritten.
	f := firstOf(p, "DeleteFile", l.Domains[0])
	pf := p.str(f, "Path")
	os.WriteFile(pf, []byte("new"), 0o644)

	code, res, errs := applyBoth(t, l.Dir, cache, nil, undo, "--no-undo")
	if code != 1 {
		t.Fatalf("undo: exit %d\n%s", code, errs)
	}
	var r1recs []byte
	for _, r := range res {
		switch {
		case r.Path == pf:
			if r.Status != apply.Skipped || !strings.Contains(r.Detail, "exists") {
				t.Errorf("RestoreFile over an existing file: %s %q", r.Status, r.Detail)
			}
		case r.Status != apply.Applied:
			t.Errorf("%s %s: %s %q", r.Action, r.Path, r.Status, r.Detail)
		case r.Path == r1:
			if !strings.Contains(r.Detail, "appended") {
				t.Errorf("RestoreEntry on a rewritten file: %q, want appended", r.Detail)
			}
			rec, _ := record.ParseHex(*r.Record)
			r1recs = append(r1recs, rec.Raw[:]...)
		}
	}
	want := orig.clone()
	want[rel(t, l.Dir, r0)] += string(added.Raw[:])
	want[rel(t, l.Dir, r1)] = string(rewritten) + string(r1recs)
	want[rel(t, l.Dir, pf)] = "new"
	sameTree(t, "after undo", snapshot(t, l.Dir), want)
}

func TestUndoCutShort(t *testing.T) {
	cache := isolate(t)
	for _, partialLine := range []bool{true, false} {
		l := newSmallSite(t)
		p := parseJSONPlan(t, planWholeSite(t, l, "json"))
		undo := filepath.Join(t.TempDir(), "u.json")
		if code, _, errs := applyRun(t, ps51JSON(p), "-", "--undo", undo); code != 0 {
			t.Fatalf("apply: exit %d\n%s", code, errs)
		}
		after := snapshot(t, l.Dir)
		b, _ := os.ReadFile(undo)
		lines := strings.SplitAfter(string(b), "\n")
		// Cut the journal after n complete rows, maybe in the middle of
		// row n+1, as a crash would. Its first rows are those of
		// Domain.000's Resync.cfg.
		const n = 5
		cut := strings.Join(lines[:1+n], "")
		if partialLine {
			cut += lines[1+n][:len(lines[1+n])/2]
		}
		path := writeFile(t, "cut.json", []byte(cut))
		code, res, errs := applyBoth(t, l.Dir, cache, nil, path, "--no-undo")
		if code != 0 || len(res) != n || statuses(res)[apply.Applied] != n {
			t.Fatalf("cut undo: exit %d, %d results %v, want 0 and %d Applied\n%s", code, len(res), statuses(res), n, errs)
		}
		if !strings.Contains(errs, "cut short") {
			t.Errorf("stderr does not say the file was cut short:\n%s", errs)
		}
		r0 := filepath.Join(l.Domains[0], "Resync.cfg")
		data := []byte(after[rel(t, l.Dir, r0)])
		for _, r := range res {
			if r.Action != apply.RestoreEntry || r.Path != r0 {
				t.Fatalf("test setup: the first undo rows are not Domain.000's: %s %s", r.Action, r.Path)
			}
			rec, _ := record.ParseHex(*r.Record)
			off := int(*r.Offset)
			data = append(data[:off], append(rec.Raw[:], data[off:]...)...)
		}
		want := after.clone()
		want[rel(t, l.Dir, r0)] = string(data)
		sameTree(t, "after the cut undo", snapshot(t, l.Dir), want)

		// The whole undo file now: the n rows are back at their offsets and
		// Skipped; the file no longer matches the undo guard, so the other
		// records of Domain.000 are appended; everything else goes back.
		code, res, errs = applyBoth(t, l.Dir, cache, nil, undo, "--no-undo")
		if code != 1 || statuses(res)[apply.Skipped] != n || statuses(res)[apply.Applied] != len(res)-n {
			t.Errorf("whole undo after the cut one: exit %d, %v, want 1 and %d Skipped\n%s", code, statuses(res), n, errs)
		}
		for _, r := range res[n:] {
			if r.Path == r0 && !strings.Contains(r.Detail, "appended") {
				t.Errorf("whole undo after the cut one, %s offset %d: %q, want appended", r.Path, *r.Offset, r.Detail)
			}
		}
	}
}

// ---- the original syntax: dumpsync DAYS [/Dump] in a domain folder ----

func TestLegacyCleanHere(t *testing.T) {
	cache := isolate(t)
	l := newSite(t)
	orig := snapshot(t, l.Dir)
	t.Chdir(l.Domains[0])
	_, out, _ := runCLI(t, "plan", "--days", "90", "-f", "json")
	p := parseJSONPlan(t, []byte(out))
	if len(p.rows) == 0 {
		t.Fatal("empty plan")
	}

	code, out, errs := runCLI(t, "--now", "2026-11-01T00:00:00Z", "90")
	if code != 0 {
		t.Fatalf("dumpsync 90: exit %d\n%s", code, errs)
	}
	if !strings.Contains(out, "Status") || !strings.Contains(out, "Applied") || strings.HasPrefix(strings.TrimSpace(out), "[") {
		t.Errorf("dumpsync 90 did not write a results table:\n%s", out)
	}
	undo := filepath.Join(cache, "dumpsync", "undo", "20261101T000000Z.json")
	if !strings.Contains(errs, "undo file: "+undo) {
		t.Errorf("stderr does not name the undo file:\n%s", errs)
	}
	sameTree(t, "after dumpsync 90", snapshot(t, l.Dir), expect(t, l.Dir, orig, p, allRows(p)...))

	// Again: nothing is stale any more.
	code, _, errs = runCLI(t, "90")
	if code != 0 || !strings.Contains(errs, "nothing to do") {
		t.Errorf("dumpsync 90 again: exit %d, %q", code, errs)
	}
	if code, _, errs := runCLI(t, "apply", undo, "--no-undo"); code != 0 {
		t.Fatalf("undo: exit %d\n%s", code, errs)
	}
	sameTree(t, "after undo", snapshot(t, l.Dir), orig)

	// /Dump first: the entries, then the results.
	code, out, errs = runCLI(t, "90", "/dump")
	if code != 0 {
		t.Fatalf("dumpsync 90 /dump: exit %d\n%s", code, errs)
	}
	di, ri := strings.Index(out, "RequestedAt"), strings.Index(out, "Status")
	if di < 0 || ri < 0 || di > ri {
		t.Errorf("dumpsync 90 /dump: want the dump table before the results table:\n%.2000s", out)
	}
	sameTree(t, "after dumpsync 90 /dump", snapshot(t, l.Dir), expect(t, l.Dir, orig, p, allRows(p)...))

	if code, _, errs := runCLI(t, "apply", strings.TrimSuffix(undo, ".json")+"-2.json", "--no-undo"); code != 0 {
		t.Fatalf("undo: exit %d\n%s", code, errs)
	}
	sameTree(t, "after the second undo", snapshot(t, l.Dir), orig)

	// --out: the results go to the file, and nothing else is left beside it.
	outDir := t.TempDir()
	code, out, errs = runCLI(t, "--out", filepath.Join(outDir, "results.txt"), "90")
	if code != 0 || out != "" {
		t.Fatalf("dumpsync --out FILE 90: exit %d, stdout %q\n%s", code, out, errs)
	}
	got := snapshot(t, outDir)
	if len(got) != 2 || !strings.Contains(got["results.txt"], "Applied") {
		var names []string
		for k := range got {
			names = append(names, k)
		}
		t.Errorf("dumpsync --out FILE 90 left %v (want only results.txt, with the results)", names)
	}

	if code, _, _ := runCLI(t, "90", "91"); code != 2 {
		t.Errorf("dumpsync 90 91: exit %d, want 2", code)
	}
}

// --what-if must give the exit code the real run would: a usage error of the
// real run (an --undo file that exists) is one for --what-if too.
func TestWhatIfUndoFileExists(t *testing.T) {
	isolate(t)
	l := newSite(t)
	planPath := writeFile(t, "p.json", planWholeSite(t, l, "json"))
	undo := writeFile(t, "u.json", []byte("keep"))
	for _, whatIf := range []bool{false, true} {
		args := []string{"apply", planPath, "--undo", undo}
		if whatIf {
			args = append(args, "--what-if")
		}
		if code, _, errs := runCLI(t, args...); code != 2 || !strings.Contains(errs, "exists") {
			t.Errorf("what-if=%v, --undo of an existing file: exit %d, want 2\n%s", whatIf, code, errs)
		}
	}
	inside := filepath.Join(l.Domains[0], "undo.json")
	if code, _, errs := runCLI(t, "apply", planPath, "--undo", inside, "--what-if"); code != 2 {
		t.Errorf("--what-if, --undo inside a domain folder: exit %d, want 2\n%s", code, errs)
	}
}

// Apply keeps the plan and the outcomes in temporary files while it runs
// (on Windows they stay in the folder until the end): a temporary folder
// inside a --within folder would put them where Maintenance Manager copies
// to every logon server. It is a usage error before anything is read or
// changed, --what-if too.
func TestApplyTempFolderInsideWithin(t *testing.T) {
	isolate(t)
	l := newSite(t)
	planPath := writeFile(t, "p.json", planWholeSite(t, l, "json"))
	for _, tmp := range []string{l.Dir, l.Domains[0], filepath.Join(l.Logons[0], "Invencfg.box")} {
		for _, whatIf := range []bool{false, true} {
			t.Run(rel(t, l.Dir, tmp)+fmt.Sprint(whatIf), func(t *testing.T) {
				before := snapshot(t, l.Dir)
				for _, v := range []string{"TMPDIR", "TMP", "TEMP"} {
					t.Setenv(v, tmp)
				}
				args := []string{"apply", planPath, "--within", l.Dir}
				if whatIf {
					args = append(args, "--what-if")
				}
				code, out, errs := runCLI(t, args...)
				if code != 2 || out != "" || !strings.Contains(errs, "temporary folder") || !strings.Contains(errs, "nothing was changed") {
					t.Errorf("TMP=%s: exit %d, %d bytes on stdout, stderr %q; want exit 2 naming the temporary folder", tmp, code, len(out), errs)
				}
				sameTree(t, "site", snapshot(t, l.Dir), before)
			})
		}
	}
}
