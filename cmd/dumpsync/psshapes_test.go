package main

// PowerShell shapes of a plan, built in Go from dumpsync's own output: what
// a filter in Windows PowerShell 5.1 or PowerShell 7 writes back (see
// /work/shared/POWERSHELL.md). No PowerShell runs in CI, so these helpers
// reproduce each writer's layout, escaping, encoding and line endings.

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"golang.org/x/text/encoding/charmap"

	"github.com/dumpsync/dumpsync/internal/output"
	"github.com/dumpsync/dumpsync/internal/plan"
	"github.com/dumpsync/dumpsync/internal/sample"
)

// ptable is a plan as PowerShell holds it: objects with properties in column
// order. A value is nil (JSON null), a string, or a json.Number.
type ptable struct {
	cols []string
	rows [][]any
}

func (p ptable) col(name string) int {
	for i, c := range p.cols {
		if strings.EqualFold(c, name) {
			return i
		}
	}
	panic("no column " + name)
}

// str is row i's value of column name as text ("" for null).
func (p ptable) str(i int, name string) string {
	switch v := p.rows[i][p.col(name)].(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	}
	panic("bad value")
}

// keep returns the rows at idx, in that order.
func (p ptable) keep(idx ...int) ptable {
	q := ptable{cols: p.cols}
	for _, i := range idx {
		q.rows = append(q.rows, p.rows[i])
	}
	return q
}

// parseJSONPlan reads dumpsync's JSON plan (ConvertFrom-Json).
func parseJSONPlan(t testing.TB, b []byte) ptable {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var objs []map[string]any
	if err := d.Decode(&objs); err != nil {
		t.Fatalf("plan JSON: %v\n%s", err, b)
	}
	p := ptable{cols: output.Columns(plan.Row{})}
	for _, o := range objs {
		row := make([]any, len(p.cols))
		for i, c := range p.cols {
			row[i] = o[c]
		}
		p.rows = append(p.rows, row)
	}
	return p
}

// parseCSVPlan reads dumpsync's CSV plan (Import-Csv: every value a string).
func parseCSVPlan(t testing.TB, b []byte) ptable {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("plan CSV: %v\n%s", err, b)
	}
	p := ptable{cols: recs[0]}
	for _, r := range recs[1:] {
		row := make([]any, len(r))
		for i, v := range r {
			row[i] = v
		}
		p.rows = append(p.rows, row)
	}
	return p
}

// escape51 writes s as a JSON string the way 5.1's ConvertTo-Json does:
// ' < > & as \u escapes.
func escape51(s string) string {
	b, _ := json.Marshal(s) // escapes < > & already
	return strings.ReplaceAll(string(b), "'", `\u0027`)
}

// date51 is 5.1's form of a DateTime: "\/Date(ms)\/". ConvertFrom-Json in
// 7.x turned RequestedAt into a DateTime, which 5.1 would write this way.
func date51(s string) string {
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return escape51(s)
	}
	return fmt.Sprintf(`"\/Date(%d)\/"`, tm.UnixMilli())
}

// ps51JSON is `... | ConvertTo-Json` in Windows PowerShell 5.1: 4-space
// indent, two spaces after the colon, CRLF, \u0027-style escapes, dates as
// \/Date(ms)\/, and a bare object when one row is left.
func ps51JSON(p ptable) []byte {
	var b strings.Builder
	obj := func(row []any, indent string) {
		b.WriteString(indent + "{\r\n")
		for i, c := range p.cols {
			v := "null"
			switch x := row[i].(type) {
			case string:
				if c == "RequestedAt" {
					v = date51(x)
				} else {
					v = escape51(x)
				}
			case json.Number:
				v = x.String()
			}
			sep := ","
			if i == len(p.cols)-1 {
				sep = ""
			}
			fmt.Fprintf(&b, "%s    %q:  %s%s\r\n", indent, c, v, sep)
		}
		b.WriteString(indent + "}")
	}
	if len(p.rows) == 1 {
		obj(p.rows[0], "")
		return []byte(b.String())
	}
	b.WriteString("[\r\n")
	for i, r := range p.rows {
		obj(r, "    ")
		if i < len(p.rows)-1 {
			b.WriteString(",")
		}
		b.WriteString("\r\n")
	}
	b.WriteString("]")
	return []byte(b.String())
}

func objects(p ptable, lower, allStrings bool) []json.RawMessage {
	var out []json.RawMessage
	for _, r := range p.rows {
		var b bytes.Buffer
		b.WriteByte('{')
		for i, c := range p.cols {
			if i > 0 {
				b.WriteByte(',')
			}
			if lower {
				c = strings.ToLower(c)
			}
			k, _ := json.Marshal(c)
			b.Write(k)
			b.WriteByte(':')
			v := r[i]
			if n, ok := v.(json.Number); ok && allStrings {
				v = n.String()
			}
			if v == nil && allStrings {
				v = ""
			}
			x, _ := json.Marshal(v)
			b.Write(x)
		}
		b.WriteByte('}')
		out = append(out, b.Bytes())
	}
	return out
}

// ps7JSON is ConvertTo-Json in 7.x: 2-space indent, LF, no escapes.
// lower and allStrings give a hand-rebuilt @{ path = ... } object and values
// that came through Import-Csv.
func ps7JSON(p ptable, lower, allStrings bool) []byte {
	objs := objects(p, lower, allStrings)
	var v any = objs
	if len(objs) == 1 {
		v = objs[0]
	}
	b, _ := json.MarshalIndent(v, "", "  ")
	return b
}

// ps51Wrapper is `ConvertTo-Json -InputObject $arr` in 5.1: {"value":[...],"Count":N}.
func ps51Wrapper(p ptable) []byte {
	arr := ps51JSON(p)
	if len(p.rows) == 1 {
		arr = append(append([]byte("[\r\n"), arr...), "\r\n]"...)
	}
	return []byte(fmt.Sprintf("{\r\n    \"value\":  %s,\r\n    \"Count\":  %d\r\n}", arr, len(p.rows)))
}

// jsonLines is `ForEach-Object { $_ | ConvertTo-Json -Compress }`, with the
// blank lines (leading, doubled, trailing) people's scripts leave.
func jsonLines(p ptable, eol string) []byte {
	var b bytes.Buffer
	b.WriteString(eol)
	for i, o := range objects(p, false, false) {
		b.Write(o)
		b.WriteString(eol)
		if i%3 == 1 {
			b.WriteString(eol + "  " + eol)
		}
	}
	b.WriteString(eol)
	return b.Bytes()
}

// exportCSV is Export-Csv: every field quoted; with typeLine the 5.1 #TYPE
// first line; sep ';' for -UseCulture in de-DE, where dates are written as
// 01.10.2026 14:00:00. CRLF, as both PowerShells write on Windows.
func exportCSV(p ptable, sep string, typeLine, culture bool) []byte {
	var b strings.Builder
	if typeLine {
		b.WriteString("#TYPE System.Management.Automation.PSCustomObject\r\n")
	}
	q := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
	var hdr []string
	for _, c := range p.cols {
		hdr = append(hdr, q(c))
	}
	b.WriteString(strings.Join(hdr, sep) + "\r\n")
	for i := range p.rows {
		var f []string
		for _, c := range p.cols {
			v := p.str(i, c)
			if culture && c == "RequestedAt" && v != "" {
				if tm, err := time.Parse(time.RFC3339, v); err == nil {
					v = tm.Format("02.01.2006 15:04:05")
				}
			}
			f = append(f, q(v))
		}
		b.WriteString(strings.Join(f, sep) + "\r\n")
	}
	return []byte(b.String())
}

// csvAsNeeded is 7.x `Export-Csv -UseQuotes AsNeeded`, LF, with an extra
// column added by a Select-Object *, @{n='Note';e={...}}.
func csvAsNeeded(p ptable) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(append(append([]string{}, p.cols...), "Note"))
	for i := range p.rows {
		var f []string
		for _, c := range p.cols {
			f = append(f, p.str(i, c))
		}
		w.Write(append(f, "checked by "+strconv.Itoa(i)+", ok"))
	}
	w.Flush()
	return b.Bytes()
}

func utf8BOM(b []byte) []byte { return append([]byte{0xEF, 0xBB, 0xBF}, b...) }

func utf16Text(b []byte, bigEndian bool) []byte {
	u := utf16.Encode([]rune(string(b)))
	out := []byte{0xFF, 0xFE}
	if bigEndian {
		out = []byte{0xFE, 0xFF}
	}
	for _, c := range u {
		if bigEndian {
			out = append(out, byte(c>>8), byte(c))
		} else {
			out = append(out, byte(c), byte(c>>8))
		}
	}
	return out
}

// crlf turns LF line ends into CRLF (Get-Content | dumpsync apply -).
func crlf(b []byte) []byte {
	return bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
}

// shape is one way a filtered plan comes back to apply.
type shape struct {
	name  string
	csv   bool // built from the CSV plan, else from the JSON plan
	write func(ptable) []byte
}

var shapes = []shape{
	{"ps51-json-utf16le", false, func(p ptable) []byte { return utf16Text(ps51JSON(p), false) }},
	{"ps51-json-utf8bom", false, func(p ptable) []byte { return utf8BOM(ps51JSON(p)) }},
	{"ps51-wrapper", false, ps51Wrapper},
	{"ps7-json", false, func(p ptable) []byte { return ps7JSON(p, false, false) }},
	{"ps7-json-utf16be", false, func(p ptable) []byte { return utf16Text(ps7JSON(p, false, false), true) }},
	{"ps7-lowercase-strings-crlf", false, func(p ptable) []byte { return crlf(ps7JSON(p, true, true)) }},
	{"jsonl-blank-lines", false, func(p ptable) []byte { return jsonLines(p, "\n") }},
	{"jsonl-crlf-utf16le", false, func(p ptable) []byte { return utf16Text(jsonLines(p, "\r\n"), false) }},
	{"ps51-export-csv", true, func(p ptable) []byte { return exportCSV(p, ",", true, false) }},
	{"ps51-export-csv-utf16le", true, func(p ptable) []byte { return utf16Text(exportCSV(p, ",", true, false), false) }},
	{"ps7-de-DE-semicolon-csv", true, func(p ptable) []byte { return utf8BOM(exportCSV(p, ";", false, true)) }},
	{"ps7-asneeded-extra-column-csv", true, csvAsNeeded},
	{"ps51-json-from-csv", true, ps51JSON}, // Import-Csv | ConvertTo-Json: numbers as strings
}

// accentedSite is a sample site (one domain, one logon server) under a
// folder named "Données", and a snapshot of it.
func accentedSite(t *testing.T) (*sample.Layout, tree) {
	t.Helper()
	isolate(t)
	c := sample.DefaultConfig(1, sample.DefaultNow)
	c.LogonServers = 1
	l, err := sample.Generate(filepath.Join(t.TempDir(), "Données"), c)
	if err != nil {
		t.Fatal(err)
	}
	return l, snapshot(t, l.Dir)
}

// TestApplyASCIIPlan: Windows PowerShell 5.1 writes '?' for every character
// ASCII lacks (Export-Csv and Set-Content by default, pipes into programs).
// A plan for a site under "Données" written so is rejected with that
// reason, and nothing changes.
func TestApplyASCIIPlan(t *testing.T) {
	l, orig := accentedSite(t)
	p := parseCSVPlan(t, planWholeSite(t, l, "csv"))
	ascii := bytes.ReplaceAll(exportCSV(p, ",", true, false), []byte("é"), []byte("?"))
	planPath := writeFile(t, "plan.csv", ascii)
	code, out, errs := runCLI(t, "apply", planPath, "--within", l.Dir, "--yes")
	if code != 2 || out != "" || !strings.Contains(errs, "Donn?es") ||
		!strings.Contains(errs, "holds '?', which no Windows name can: a character lost when the plan was written as ASCII") ||
		strings.Contains(errs, "outside --within") {
		t.Errorf("apply of a plan written as ASCII: exit %d, stdout %q, stderr:\n%s", code, out, errs)
	}
	sameTree(t, "apply of a plan written as ASCII", snapshot(t, l.Dir), orig)
}

// TestApplyANSIReadPlan: a CSV plan read by Windows PowerShell 5.1's
// Import-Csv without -Encoding UTF8 (as ANSI: é becomes Ã©) and exported
// with -Encoding UTF8 names paths that are not the site's. apply refuses
// them, as outside --within, and names the path each should have been and
// why; nothing changes.
func TestApplyANSIReadPlan(t *testing.T) {
	l, orig := accentedSite(t)
	ansi, err := charmap.Windows1252.NewDecoder().Bytes(planWholeSite(t, l, "csv"))
	if err != nil {
		t.Fatal(err)
	}
	p := parseCSVPlan(t, ansi)
	planPath := writeFile(t, "plan.csv", append([]byte("\uFEFF"), exportCSV(p, ",", true, false)...))
	code, out, errs := runCLI(t, "apply", planPath, "--within", l.Dir, "--yes")
	want := "; it is " + strings.TrimSuffix(strconv.Quote(l.Dir+string(filepath.Separator)), `"`) // the site's path, as %q writes it
	if code != 2 || out != "" || !strings.Contains(errs, "DonnÃ©es") || !strings.Contains(errs, "outside --within") ||
		!strings.Contains(errs, want) || !strings.Contains(errs, " with its UTF-8 read as Windows 1252 (ANSI): "+
		"Windows PowerShell 5.1 reads a file without a BOM as ANSI (Import-Csv, Get-Content); read the plan with -Encoding UTF8") {
		t.Errorf("apply of a plan read as ANSI: exit %d, stdout %q, stderr:\n%s\nwant in it: %s", code, out, errs, want)
	}
	sameTree(t, "apply of a plan read as ANSI", snapshot(t, l.Dir), orig)
}
