// Package schema describes each kind of record dumpsync writes as a JSON
// Schema (draft 2020-12), generated from the Go record types so that the
// schema cannot drift from the output: property names and order come from
// the json tags, descriptions from the desc tags, enums and bounds from the
// jsonschema tags. It describes records; it does not validate or write them.
//
// A schema describes one record (an object). With -f json the output is an
// array of such records and with -f jsonl one record per line, so a validator
// checks each element; Kind.JSON(true) wraps the record schema as an array.
package schema

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/invopop/jsonschema"

	"github.com/dumpsync/dumpsync/internal/apply"
	"github.com/dumpsync/dumpsync/internal/check"
	"github.com/dumpsync/dumpsync/internal/dump"
	"github.com/dumpsync/dumpsync/internal/output"
	"github.com/dumpsync/dumpsync/internal/plan"
	"github.com/dumpsync/dumpsync/internal/stats"
)

// Kind is one kind of record.
type Kind struct {
	Name        string   // as `dumpsync schema` takes it
	Def         string   // its name under $defs in the array schema
	Title       string   // the schema's title
	Description string   // the schema's description
	Proto       any      // the Go record type, as the encoders take it
	Optional    []string // properties that may be absent (all others are required)
}

// Kinds lists every kind, in the order the help shows them.
var Kinds = []Kind{
	{Name: "entry", Def: "Entry", Title: "dumpsync entry",
		Description: "One record of 'dumpsync dump': one 48-byte entry of a Resync.cfg. Extra is present only with --raw.",
		Proto:       dump.RawEntry{}, Optional: []string{"Extra"}},
	{Name: "plan", Def: "PlanRow", Title: "dumpsync plan row",
		Description: "One row of 'dumpsync plan': one change that 'dumpsync apply' may carry out.",
		Proto:       plan.Row{}},
	{Name: "result", Def: "Result", Title: "dumpsync apply result",
		Description: "One record of 'dumpsync apply': a plan row as apply carried it out, with Status and Detail.",
		Proto:       apply.Result{}},
	{Name: "finding", Def: "Finding", Title: "dumpsync check finding",
		Description: "One record of 'dumpsync check': one finding about a Resync.cfg, a .cfg file or a plan.",
		Proto:       check.Finding{}},
	{Name: "undo", Def: "UndoRow", Title: "dumpsync undo row",
		Description: "One row of an undo file that 'dumpsync apply' writes and reads back as a plan.",
		Proto:       apply.UndoRow{}},
	{Name: "stats", Def: "Stats", Title: "dumpsync stats record",
		Description: "One record of 'dumpsync stats': the entries of one Resync.cfg counted by validity, client and age.",
		Proto:       stats.File{}},
}

// Names lists the kind names.
func Names() []string {
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = k.Name
	}
	return names
}

// Lookup returns the kind called name (case-insensitively).
func Lookup(name string) (Kind, error) {
	for _, k := range Kinds {
		if strings.EqualFold(k.Name, name) {
			return k, nil
		}
	}
	return Kind{}, fmt.Errorf("unknown record kind %q (want one of %s)", name, strings.Join(Names(), ", "))
}

// Record returns the schema of one record: an object whose properties are the
// record's fields in output order, each described, all required but
// k.Optional, no others allowed; a field that can be null (a Go pointer) has
// the type [T, "null"].
func (k Kind) Record() *jsonschema.Schema {
	r := &jsonschema.Reflector{
		Anonymous:      true, // dumpsync has no URL to name its schemas by
		ExpandedStruct: true,
		DoNotReference: true, // records are flat: no $defs needed
		LookupComment:  fieldDesc,
	}
	t := reflect.TypeOf(k.Proto)
	s := r.ReflectFromType(t)
	s.Title = k.Title
	s.Description = k.Description + " With -f json the output is an array of these records, with -f jsonl one record per line: validate each element, or the whole array against 'dumpsync schema " + k.Name + " --array'."
	for _, f := range fields(t) {
		p, ok := s.Properties.Get(f.Name)
		if !ok {
			panic("schema: no property " + f.Name) // the reflector and fields disagree
		}
		if f.Type.Kind() == reflect.Pointer {
			p.Extras = map[string]any{"type": []string{p.Type, "null"}}
			p.Type = ""
			if len(p.Enum) > 0 {
				p.Enum = append(p.Enum, nil)
			}
		}
	}
	var req []string
	for _, name := range s.Required {
		optional := false
		for _, o := range k.Optional {
			optional = optional || o == name
		}
		if !optional {
			req = append(req, name)
		}
	}
	s.Required = req
	return s
}

// Array returns the schema of a JSON output: an array of records.
func (k Kind) Array() *jsonschema.Schema {
	rec := k.Record()
	rec.Version = ""
	return &jsonschema.Schema{
		Version:     jsonschema.Version,
		Title:       k.Title + "s",
		Description: "What -f json writes: an array of " + k.Def + " records.",
		Type:        "array",
		Items:       &jsonschema.Schema{Ref: "#/$defs/" + k.Def},
		Definitions: jsonschema.Definitions{k.Def: rec},
	}
}

// JSON returns the record schema (or with array, the array schema) as
// indented JSON ending in a newline.
func (k Kind) JSON(array bool) ([]byte, error) {
	s := k.Record()
	if array {
		s = k.Array()
	}
	return pretty(s)
}

// fieldDesc is the reflector's description lookup: a field's desc tag.
func fieldDesc(t reflect.Type, field string) string {
	if field == "" {
		return ""
	}
	f, ok := t.FieldByName(field)
	if !ok {
		return ""
	}
	return f.Tag.Get("desc")
}

// fields lists a record type's fields exactly as the encoders write them.
func fields(t reflect.Type) []output.Field {
	fs, err := output.FieldsOf(t)
	if err != nil {
		panic(err)
	}
	return fs
}
