package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/dumpsync/dumpsync/internal/record"
	"github.com/dumpsync/dumpsync/internal/schema"
)

// compileSchema compiles what 'dumpsync schema KIND [--array]' prints.
func compileSchema(t *testing.T, args ...string) *jsonschema.Schema {
	t.Helper()
	code, out, errs := runCLI(t, append([]string{"schema"}, args...)...)
	if code != 0 {
		t.Fatalf("schema %v: exit %d: %s", args, code, errs)
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	url := "mem:///" + strings.Join(args, "-") + ".json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// e2eSite is one domain with every kind of entry, a partial record, and
// .cfg files to delete and to keep.
func e2eSite(t *testing.T) string {
	dir := writeDomain(t, filepath.Join(t.TempDir(), "Domain.000"), []record.Entry{
		record.Make("ABC00001", ago(200), []byte{1, 2, 3}),
		record.Make("ABC00002", ago(1), nil),
		record.Make("ABC\xff00003", ago(300), nil),
		record.Make("ABC00004", 0, nil),
		record.Make("ABC00005", ago(-2), nil),
		record.Make("abc00001", ago(100), nil),
	}, []byte{9}, "ABC00001.cfg", "ABC00002.cfg", "OLD.cfg")
	old := testNow.Add(-365 * 24 * time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "Invencfg.box", "OLD.cfg"), old, old); err != nil {
		t.Fatal(err)
	}
	return dir
}

// wholeE2ESite is e2eSite without its partial record: plan plans nothing in
// a folder whose Resync.cfg ends in one, and apply rewrites no such file.
func wholeE2ESite(t *testing.T) string {
	dir := e2eSite(t)
	rp := filepath.Join(dir, "Resync.cfg")
	if st, err := os.Stat(rp); err != nil || os.Truncate(rp, st.Size()/48*48) != nil {
		t.Fatal("cannot truncate", rp)
	}
	return dir
}

func TestOutputsMatchSchemas(t *testing.T) {
	dir := e2eSite(t)
	whole := wholeE2ESite(t)
	tests := []struct {
		kind string
		args []string
		code int
	}{
		{"entry", []string{"dump", dir}, 1}, // 1: the partial record
		{"entry", []string{"dump", "--raw", dir}, 1},
		{"plan", []string{"plan", "--days", "90", "--orphans", "--include-invalid", whole}, 0},
		{"finding", []string{"check", "--max-age-days", "90", "--max-entries", "1", "--max-bytes", "1", dir}, 1},
	}
	for _, tt := range tests {
		for _, format := range []string{"json", "jsonl"} {
			t.Run(strings.Join(tt.args[:len(tt.args)-1], " ")+" "+format, func(t *testing.T) {
				args := append([]string{"-f", format, "--now", testNow.Format(time.RFC3339)}, tt.args...)
				code, out, errs := runCLI(t, args...)
				if code != tt.code {
					t.Fatalf("exit %d, want %d: %s", code, tt.code, errs)
				}
				rec := compileSchema(t, tt.kind)
				var elems []any
				if format == "json" {
					doc, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
					if err != nil {
						t.Fatal(err)
					}
					if err := compileSchema(t, tt.kind, "--array").Validate(doc); err != nil {
						t.Errorf("array: %v", err)
					}
					elems = doc.([]any)
				} else {
					for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
						doc, err := jsonschema.UnmarshalJSON(strings.NewReader(line))
						if err != nil {
							t.Fatal(err)
						}
						elems = append(elems, doc)
					}
				}
				if len(elems) < 3 {
					t.Errorf("only %d records: %s", len(elems), out)
				}
				for i, e := range elems {
					if err := rec.Validate(e); err != nil {
						t.Errorf("record %d: %v", i, err)
					}
				}
			})
		}
	}
}

func TestSchemaKindsAreTheEnum(t *testing.T) {
	f, _ := reflect.TypeOf(SchemaCmd{}).FieldByName("Kind")
	if got, want := f.Tag.Get("enum"), strings.Join(schema.Names(), ","); got != want {
		t.Errorf("SchemaCmd.Kind enum %q, schema kinds %q", got, want)
	}
}

func TestSchemaCommand(t *testing.T) {
	for _, name := range schema.Names() {
		k, _ := schema.Lookup(name)
		want, err := k.JSON(false)
		if err != nil {
			t.Fatal(err)
		}
		// --format does not apply to a schema.
		code, out, errs := runCLI(t, "-f", "csv", "schema", name)
		if code != 0 || out != string(want) {
			t.Errorf("schema %s: exit %d, stderr %q, output differs: %v", name, code, errs, out != string(want))
		}
	}
	if code, _, errs := runCLI(t, "schema", "row"); code != 2 || !strings.Contains(errs, "must be one of") {
		t.Errorf("schema row: exit %d: %s", code, errs)
	}
	if code, _, _ := runCLI(t, "schema"); code != 2 {
		t.Errorf("schema without KIND: exit %d", code)
	}
	out := filepath.Join(t.TempDir(), "plan.schema.json")
	if code, stdout, errs := runCLI(t, "schema", "plan", "--array", "--out", out, "--encoding", "utf8bom"); code != 0 || stdout != "" {
		t.Fatalf("--out: exit %d, stdout %q: %s", code, stdout, errs)
	}
	b, err := os.ReadFile(out)
	if err != nil || !bytes.HasPrefix(b, []byte("\xef\xbb\xbf{")) || !bytes.Contains(b, []byte(`"type": "array"`)) {
		t.Errorf("--out file: %v %.40q", err, b)
	}
	code, help, _ := runCLI(t, "schema", "--help")
	if code != 0 || !strings.Contains(help, "Examples:") || !strings.Contains(help, "--array") {
		t.Errorf("schema --help: exit %d:\n%s", code, help)
	}
}

// validateAll validates a JSON array output element by element and whole.
func validateAll(t *testing.T, kind, out string) int {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
	if err != nil {
		t.Fatalf("%s: %v\n%s", kind, err, out)
	}
	if err := compileSchema(t, kind, "--array").Validate(doc); err != nil {
		t.Errorf("%s array: %v", kind, err)
	}
	rec := compileSchema(t, kind)
	for i, e := range doc.([]any) {
		if err := rec.Validate(e); err != nil {
			t.Errorf("%s record %d: %v", kind, i, err)
		}
	}
	return len(doc.([]any))
}

func TestApplyOutputsMatchSchemas(t *testing.T) {
	dir := wholeE2ESite(t)
	work := t.TempDir()
	planFile := filepath.Join(work, "plan.json")
	now := "--now=" + testNow.Format(time.RFC3339)
	if code, _, errs := runCLI(t, now, "plan", "--days", "90", "--orphans", "--include-invalid", dir, "--out", planFile); code != 0 {
		t.Fatalf("plan: exit %d: %s", code, errs)
	}
	undo := filepath.Join(work, "undo.json")
	for _, args := range [][]string{
		{"apply", planFile, "--what-if", "--within", dir},
		{"apply", planFile, "--within", dir, "--undo", undo},
		{"apply", planFile, "--within", dir, "--no-undo"}, // everything Skipped now
		{"apply", undo, "--no-undo", "--within", dir},
	} {
		code, out, errs := runCLI(t, append([]string{"-f", "json"}, args...)...)
		t.Logf("%v: exit %d: %s", args, code, errs)
		if n := validateAll(t, "result", out); n < 3 {
			t.Errorf("%v: only %d results: %s", args, n, errs)
		}
	}
	b, err := os.ReadFile(undo)
	if err != nil {
		t.Fatal(err)
	}
	if n := validateAll(t, "undo", string(b)); n < 3 {
		t.Errorf("undo file has %d rows", n)
	}
}
