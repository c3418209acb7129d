package planread

import (
	"bytes"
	stdjson "encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// fieldValues returns a row's fields in the order of fields, nil for null.
func fieldValues(r Row) []any {
	s := func(v string) any {
		if v == "" {
			return nil
		}
		return v
	}
	sp := func(p *string) any {
		if p == nil {
			return nil
		}
		return *p
	}
	ip := func(p *int64) any {
		if p == nil {
			return nil
		}
		return *p
	}
	return []any{s(r.Action), s(r.Path), s(r.SmsId), ip(r.RequestTime), sp(r.RequestedAt), ip(r.AgeDays), ip(r.Cutoff),
		ip(r.Offset), sp(r.Record), ip(r.Size), ip(r.ModTime), sp(r.Sha256), sp(r.Reason), sp(r.Content)}
}

// writeJSON is a tiny plan writer: a JSON array of flat objects.
func writeJSON(rows []Row) []byte {
	var b bytes.Buffer
	b.WriteString("[\n")
	for i, r := range rows {
		if i > 0 {
			b.WriteString(",\n")
		}
		b.WriteByte('{')
		for j, v := range fieldValues(r) {
			if j > 0 {
				b.WriteByte(',')
			}
			k, _ := stdjson.Marshal(fields[j].name)
			val, _ := stdjson.Marshal(v)
			b.Write(k)
			b.WriteByte(':')
			b.Write(val)
		}
		b.WriteByte('}')
	}
	b.WriteString("\n]\n")
	return b.Bytes()
}

// writeCSV is a tiny plan writer in the shape of Export-Csv: every field
// quoted, CRLF, null as an empty field.
func writeCSV(rows []Row) []byte {
	var b bytes.Buffer
	q := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
	for j, f := range fields {
		if j > 0 {
			b.WriteByte(',')
		}
		b.WriteString(q(f.name))
	}
	b.WriteString("\r\n")
	for _, r := range rows {
		for j, v := range fieldValues(r) {
			if j > 0 {
				b.WriteByte(',')
			}
			switch v := v.(type) {
			case string:
				b.WriteString(q(v))
			case int64:
				b.WriteString(q(strconv.FormatInt(v, 10)))
			default:
				b.WriteString(`""`)
			}
		}
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

func stripPos(rows []Row) []Row {
	out := make([]Row, len(rows))
	for i, r := range rows {
		r.N, r.Line = 0, 0
		out[i] = r
	}
	return out
}

func FuzzRead(f *testing.F) {
	ents, err := os.ReadDir(fixtureDir)
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(fixtureDir, e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{"value":[{"Action":"DeleteFile"}],"Count":1}`,
		"[{\"Size\":\"12\"},\n{\"Size\":1.5},",
		"Action;Path\r\n\"RemoveEntry\";\"/a\"\r\n",
		"{\"Reason\":\"\\u0000\"}",
		"null",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Read(bytes.NewReader(data), "fuzz")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz: ") {
				t.Errorf("error does not name the input: %v", err)
			}
			return
		}
		Validate(p, Options{Within: []string{"/srv"}})
		for _, r := range p.Rows {
			if len(r.bad) > 0 {
				return // a bad value cannot be written back as it was
			}
		}
		rows := stripPos(p.Rows)
		j := writeJSON(p.Rows)
		pj, err := Read(bytes.NewReader(j), "json")
		if err != nil {
			t.Fatalf("reading back JSON: %v\n%s", err, j)
		}
		if got := stripPos(pj.Rows); !reflect.DeepEqual(got, rows) && len(rows)+len(got) > 0 {
			t.Fatalf("JSON round trip:\ngot  %+v\nwant %+v\n%s", got, rows, j)
		}
		c := writeCSV(p.Rows)
		if bytes.IndexByte(c, 0) >= 0 {
			return // a CSV plan cannot hold a NUL character
		}
		pc, err := Read(bytes.NewReader(c), "csv")
		if err != nil {
			t.Fatalf("reading back CSV: %v\n%s", err, c)
		}
		if got := stripPos(pc.Rows); !reflect.DeepEqual(got, rows) && len(rows)+len(got) > 0 {
			t.Fatalf("CSV round trip:\ngot  %+v\nwant %+v\n%s", got, rows, c)
		}
	})
}
