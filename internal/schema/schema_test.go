package schema

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/dumpsync/dumpsync/internal/apply"
	"github.com/dumpsync/dumpsync/internal/check"
	"github.com/dumpsync/dumpsync/internal/dump"
	goldenfile "github.com/dumpsync/dumpsync/internal/golden"
	"github.com/dumpsync/dumpsync/internal/output"
	"github.com/dumpsync/dumpsync/internal/plan"
	"github.com/dumpsync/dumpsync/internal/record"
	"github.com/dumpsync/dumpsync/internal/stats"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var now = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// compile compiles the schema of a kind (or its array schema).
func compile(t *testing.T, k Kind, array bool) *jsonschema.Schema {
	t.Helper()
	b, err := k.JSON(array)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	url := "mem:///" + k.Name + ".json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatalf("%s: %v", k.Name, err)
	}
	return s
}

func kind(t *testing.T, name string) Kind {
	t.Helper()
	k, err := Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// schemaDoc is the part of a generated schema the structural tests read.
type schemaDoc struct {
	Schema      string                     `json:"$schema"`
	Title       string                     `json:"title"`
	Description string                     `json:"description"`
	Type        string                     `json:"type"`
	Properties  map[string]json.RawMessage `json:"properties"`
	Required    []string                   `json:"required"`
	AddProps    *bool                      `json:"additionalProperties"`
}

type propDoc struct {
	Description string `json:"description"`
	Type        any    `json:"type"`
}

func parse(t *testing.T, k Kind) (schemaDoc, []string) {
	t.Helper()
	b, err := k.JSON(false)
	if err != nil {
		t.Fatal(err)
	}
	var d schemaDoc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	// The property order, which a map loses.
	dec := json.NewDecoder(bytes.NewReader(b))
	var order []string
	depth, inProps := 0, false
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch tok := tok.(type) {
		case json.Delim:
			if tok == '{' || tok == '[' {
				depth++
			} else {
				depth--
				if inProps && depth == 1 {
					inProps = false
				}
			}
		case string:
			if depth == 1 && tok == "properties" {
				inProps = true
				continue
			}
			if inProps && depth == 2 {
				order = append(order, tok)
				// skip the property's schema
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return d, order
}

func TestPropertiesAreColumns(t *testing.T) {
	for _, k := range Kinds {
		t.Run(k.Name, func(t *testing.T) {
			_, order := parse(t, k)
			if want := output.Columns(k.Proto); !reflect.DeepEqual(order, want) {
				t.Errorf("properties %v\n   columns %v", order, want)
			}
		})
	}
}

func TestShape(t *testing.T) {
	for _, k := range Kinds {
		t.Run(k.Name, func(t *testing.T) {
			d, order := parse(t, k)
			if d.Schema != "https://json-schema.org/draft/2020-12/schema" {
				t.Errorf("$schema %q", d.Schema)
			}
			if d.Type != "object" || d.AddProps == nil || *d.AddProps || d.Title == "" || d.Description == "" {
				t.Errorf("type %q, additionalProperties %v, title %q, description %q", d.Type, d.AddProps, d.Title, d.Description)
			}
			var want []string
			for _, name := range order {
				if name != "Extra" {
					want = append(want, name)
				}
			}
			if !reflect.DeepEqual(d.Required, want) {
				t.Errorf("required %v, want %v", d.Required, want)
			}
			types := map[string]reflect.Type{}
			for _, f := range fields(reflect.TypeOf(k.Proto)) {
				types[f.Name] = f.Type
			}
			for name, raw := range d.Properties {
				var p propDoc
				if err := json.Unmarshal(raw, &p); err != nil {
					t.Fatal(err)
				}
				if strings.TrimSpace(p.Description) == "" {
					t.Errorf("%s has no description", name)
				}
				_, nullable := p.Type.([]any)
				if ptr := types[name].Kind() == reflect.Pointer; ptr != nullable {
					t.Errorf("%s: type %v for Go type %s", name, p.Type, types[name])
				}
			}
		})
	}
}

func TestLookup(t *testing.T) {
	if k, err := Lookup("PLAN"); err != nil || k.Name != "plan" {
		t.Errorf("Lookup(PLAN) = %v, %v", k.Name, err)
	}
	if _, err := Lookup("row"); err == nil || !strings.Contains(err.Error(), "entry, plan, result, finding, undo") {
		t.Errorf("Lookup(row): %v", err)
	}
}

func TestGolden(t *testing.T) {
	for _, k := range Kinds {
		for _, array := range []bool{false, true} {
			name := k.Name
			if array {
				name += ".array"
			}
			t.Run(name, func(t *testing.T) {
				b, err := k.JSON(array)
				if err != nil {
					t.Fatal(err)
				}
				golden(t, filepath.Join("..", "..", "testdata", "golden", "schema", name+".json"), b)
			})
		}
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	goldenfile.Check(t, path, got, *update)
}

// encode writes recs with the JSON or JSON Lines encoder.
func encode[T any](t *testing.T, f output.Format, recs []T) []byte {
	t.Helper()
	var buf bytes.Buffer
	var zero T
	enc, err := output.NewEncoder(&buf, f, zero)
	if err != nil {
		t.Fatal(err)
	}
	for i := range recs {
		if err := enc.Encode(&recs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// validate checks a JSON or JSON Lines output: each element against the
// record schema, and a JSON array as a whole against the array schema. It
// returns how many records it checked.
func validate(t *testing.T, k Kind, f output.Format, b []byte) int {
	t.Helper()
	rec := compile(t, k, false)
	var elems []any
	if f == output.JSON {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if err := compile(t, k, true).Validate(doc); err != nil {
			t.Errorf("%s array: %v", k.Name, err)
		}
		elems = doc.([]any)
	} else {
		for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			if line == "" {
				continue
			}
			doc, err := jsonschema.UnmarshalJSON(strings.NewReader(line))
			if err != nil {
				t.Fatal(err)
			}
			elems = append(elems, doc)
		}
	}
	for i, e := range elems {
		if err := rec.Validate(e); err != nil {
			t.Errorf("%s record %d: %v", k.Name, i, err)
		}
	}
	return len(elems)
}

// smallSite makes one domain with valid, invalid, zero-time, future, stale and
// partial entries, and .cfg files to delete and to keep.
func smallSite(t *testing.T) (dir, resync string) {
	dir = t.TempDir()
	n := uint32(now.Unix())
	var b []byte
	for _, e := range []record.Entry{
		record.Make("ABC00001", n-200*86400, []byte{0xde, 0xad}),
		record.Make("ABC00002", n-1*86400, nil),
		record.Make("ABC\xe900003", n-300*86400, nil),
		record.Make("ABC00004", 0, nil),
		record.Make("ABC00005", n+86400, nil),
		record.Make("ABC00001", n-150*86400, nil),
	} {
		b = append(b, e.Raw[:]...)
	}
	resync = filepath.Join(dir, "Resync.cfg")
	if err := os.WriteFile(resync, append(b, 7, 7), 0o644); err != nil {
		t.Fatal(err)
	}
	box := filepath.Join(dir, "Invencfg.box")
	if err := os.MkdirAll(box, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"ABC00001.cfg", "ABC00002.cfg", "ORPHAN.cfg"} {
		if err := os.WriteFile(filepath.Join(box, c), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := now.Add(-400 * 24 * time.Hour)
	if err := os.Chtimes(filepath.Join(box, "ORPHAN.cfg"), old, old); err != nil {
		t.Fatal(err)
	}
	return dir, resync
}

func TestOutputsValidate(t *testing.T) {
	_, resync := smallSite(t)
	warn := func(err error) { t.Logf("warn: %v", err) }

	var entries []dump.RawEntry
	var plain []dump.Entry
	collect := encoderFunc(func(rec any) error {
		switch r := rec.(type) {
		case *dump.RawEntry:
			entries = append(entries, *r)
		case *dump.Entry:
			plain = append(plain, *r)
		}
		return nil
	})
	if _, err := dump.Files([]string{resync}, dump.Options{Now: now, Raw: true}, collect, warn); err != nil {
		t.Fatal(err)
	}
	if _, err := dump.Files([]string{resync}, dump.Options{Now: now}, collect, warn); err != nil {
		t.Fatal(err)
	}

	// plan plans nothing beside a partial record: it plans a second site
	// without it.
	wholeDir, wholeResync := smallSite(t)
	if err := os.Truncate(wholeResync, 288); err != nil {
		t.Fatal(err)
	}
	var rows []plan.Row
	p := &plan.Planner{Opt: plan.Options{Days: 90, Now: now, Orphans: true, IncludeInvalid: true, Parallel: 1}, Warn: warn}
	if _, err := p.Run([]string{wholeDir}, nil, func(r *plan.Row) error { rows = append(rows, *r); return nil }); err != nil {
		t.Fatal(err)
	}

	var findings []check.Finding
	opt := check.Options{Now: now, MaxAgeDays: check.Limit{N: 90, Set: true}, MaxEntries: check.Limit{N: 1, Set: true}, MaxBytes: check.Limit{N: 1, Set: true}}
	if _, err := check.Health([]string{resync}, opt, func(f *check.Finding) error { findings = append(findings, *f); return nil }, warn); err != nil {
		t.Fatal(err)
	}
	// A plan-mode finding has no Path.
	findings = append(findings, check.Finding{Severity: check.Error, Code: "TooManyDeletions", Message: "plan deletes 3 files (more than --max-delete 2)"})

	var files []stats.File
	empty := filepath.Join(t.TempDir(), "Resync.cfg") // no dates: Oldest and Newest are null
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	collectStats := encoderFunc(func(rec any) error { files = append(files, *rec.(*stats.File)); return nil })
	if _, err := stats.Files([]string{resync, empty}, now, collectStats, warn); err != nil {
		t.Fatal(err)
	}

	results := handMadeResults()
	undo := handMadeUndo()

	for _, f := range []output.Format{output.JSON, output.JSONL} {
		t.Run(string(f), func(t *testing.T) {
			counts := map[string]int{
				"entry (raw)":   validate(t, kind(t, "entry"), f, encode(t, f, entries)),
				"entry (plain)": validate(t, kind(t, "entry"), f, encode(t, f, plain)),
				"plan":          validate(t, kind(t, "plan"), f, encode(t, f, rows)),
				"finding":       validate(t, kind(t, "finding"), f, encode(t, f, findings)),
				"result":        validate(t, kind(t, "result"), f, encode(t, f, results)),
				"undo":          validate(t, kind(t, "undo"), f, encode(t, f, undo)),
				"stats":         validate(t, kind(t, "stats"), f, encode(t, f, files)),
			}
			for name, n := range counts {
				if n < 2 {
					t.Errorf("%s: only %d records validated; the site should make more", name, n)
				}
			}
		})
	}
	var actions = map[string]bool{}
	for _, r := range rows {
		actions[r.Action] = true
	}
	if !actions[plan.RemoveEntry] || !actions[plan.DeleteFile] {
		t.Errorf("the plan should have both actions: %v", actions)
	}
}

type encoderFunc func(rec any) error

func (f encoderFunc) Encode(rec any) error { return f(rec) }

func handMadeResults() []apply.Result {
	s := func(v string) *string { return &v }
	i := func(v int64) *int64 { return &v }
	return []apply.Result{
		{Action: plan.RemoveEntry, Path: `C:\SMS\Site.srv\Maincfg.box\Invdom.box\Domain.000\Resync.cfg`, SmsId: s("ABC00001"),
			RequestTime: i(1700000000), RequestedAt: s("2023-11-14T22:13:20Z"), AgeDays: i(1082), Cutoff: i(1754265600),
			Offset: i(0), Record: s(strings.Repeat("ab", 48)), Size: i(480), ModTime: i(1760000000), Sha256: s(strings.Repeat("0f", 32)),
			Reason: s("request 1082 days old (> 90)"), Status: apply.Applied, Detail: "removed"},
		{Action: plan.DeleteFile, Path: `C:\SMS\Domain.000\Invencfg.box\ABC00001.cfg`, SmsId: s("ABC00001"),
			Size: i(12), Sha256: s(strings.Repeat("aa", 32)), Status: apply.Skipped, Detail: "the file changed since the plan"},
		{Action: apply.RestoreFile, Path: `C:\x.cfg`, Status: apply.Failed, Detail: "access denied"},
		{Action: apply.RestoreEntry, Path: `C:\Resync.cfg`, Status: apply.WhatIf, Detail: "would restore"},
	}
}

func handMadeUndo() []apply.UndoRow {
	s := func(v string) *string { return &v }
	i := func(v int64) *int64 { return &v }
	return []apply.UndoRow{
		{Action: apply.RestoreEntry, Path: `C:\SMS\Domain.000\Resync.cfg`, SmsId: "ABC00001", Offset: i(48),
			Record: s(strings.Repeat("cd", 48)), Size: 432, Sha256: strings.Repeat("11", 32)},
		{Action: apply.RestoreFile, Path: `C:\SMS\Domain.000\Invencfg.box\ABC00001.cfg`, SmsId: "ABC00001",
			Size: 3, Sha256: strings.Repeat("22", 32), Content: s("YWJj")},
	}
}

// The schemas must reject what the records can never be.
func TestRejects(t *testing.T) {
	tests := []struct {
		kind, doc string
	}{
		{"entry", `{"Path":"p","Index":0,"Offset":0,"SmsId":"A","RequestTime":4294967296,"RequestedAt":null,"AgeDays":null,"Valid":true,"Problem":null}`},
		{"entry", `{"Path":"p","Index":0,"Offset":0,"SmsId":"A","RequestTime":-1,"RequestedAt":null,"AgeDays":null,"Valid":true,"Problem":null}`},
		{"entry", `{"Path":"p","Index":0,"Offset":0,"SmsId":"A","RequestTime":0,"RequestedAt":null,"AgeDays":null,"Valid":true}`},
		{"entry", `{"Path":"p","Index":0,"Offset":0,"SmsId":"A","RequestTime":0,"RequestedAt":null,"AgeDays":null,"Valid":true,"Problem":null,"Other":1}`},
		{"entry", `{"Path":"p","Index":0,"Offset":0,"SmsId":"A","RequestTime":0,"RequestedAt":null,"AgeDays":null,"Valid":true,"Problem":null,"Extra":null}`},
		{"plan", `{"Action":"Remove","Path":"p","SmsId":"A","RequestTime":null,"RequestedAt":null,"AgeDays":null,"Cutoff":0,"Offset":null,"Record":null,"Size":0,"ModTime":0,"Sha256":"","Reason":""}`},
		{"plan", `{"Action":"DeleteFile","Path":null,"SmsId":"A","RequestTime":null,"RequestedAt":null,"AgeDays":null,"Cutoff":0,"Offset":null,"Record":null,"Size":0,"ModTime":0,"Sha256":"","Reason":""}`},
		{"finding", `{"Severity":"Fatal","Code":"X","Path":null,"SmsId":null,"Offset":null,"Message":""}`},
		{"finding", `{"Severity":"Info","Code":"X","Path":null,"SmsId":null,"Offset":"1","Message":""}`},
		{"undo", `{"Action":"RemoveEntry","Path":"p","SmsId":"A","Offset":null,"Record":null,"Size":0,"Sha256":"","Content":null}`},
		{"result", `{"Action":"RemoveEntry","Path":"p","SmsId":null,"RequestTime":null,"RequestedAt":null,"AgeDays":null,"Cutoff":null,"Offset":null,"Record":null,"Size":null,"ModTime":null,"Sha256":null,"Reason":null,"Status":"Done","Detail":""}`},
	}
	for _, tt := range tests {
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(tt.doc))
		if err != nil {
			t.Fatal(err)
		}
		if err := compile(t, kind(t, tt.kind), false).Validate(doc); err == nil {
			t.Errorf("%s schema accepts %s", tt.kind, tt.doc)
		}
	}
}
