package planread

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
)

// benchPlan returns a plan of n RemoveEntry rows in the layout of
// dumpsync plan -f json: an array with one object per line.
var benchPlan = sync.OnceValue(func() []byte {
	const n = 500000
	var b bytes.Buffer
	b.Grow(n * 480)
	b.WriteString("[\n")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",\n")
		}
		id := fmt.Sprintf("ABC%05X", i)
		fmt.Fprintf(&b, `{"Action":"RemoveEntry","Path":"/srv/sites/Domain.000/Resync.cfg","SmsId":%q,"RequestTime":%d,"RequestedAt":"2025-02-08T11:31:37Z","AgeDays":%d,"Cutoff":1758931200,"Offset":%d,"Record":"%x00000000000000009940a767be975f5cfb61a6b00b74ddfe282b7b4745c675ba440bbdf8b65cf964","Size":48000000,"ModTime":1795604362,"Sha256":"301fe8ebb8329f594d9f83304b0758674b63e7a00a58a8c41e7aa7bb66b188e0","Reason":"request %d days old (> 400)"}`,
			id, 1739014297+i, 400+i%300, 96*i, id, 400+i%300)
	}
	b.WriteString("\n]\n")
	return b.Bytes()
})

func BenchmarkRead(b *testing.B) {
	data := benchPlan()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		p, err := Read(bytes.NewReader(data), "bench")
		if err != nil || len(p.Rows) != 500000 {
			b.Fatal(err, len(p.Rows))
		}
	}
}

func BenchmarkReadFile(b *testing.B) {
	name := filepath.Join(b.TempDir(), "plan.json")
	if err := os.WriteFile(name, benchPlan(), 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(benchPlan())))
	b.ReportAllocs()
	for b.Loop() {
		f, err := os.Open(name)
		if err != nil {
			b.Fatal(err)
		}
		p, err := Read(f, "bench")
		f.Close()
		if err != nil || len(p.Rows) != 500000 {
			b.Fatal(err, len(p.Rows))
		}
	}
}

func BenchmarkValidate(b *testing.B) {
	p, err := Read(bytes.NewReader(benchPlan()), "bench")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		rows, errs := Validate(p, Options{Within: []string{"/srv"}})
		if len(errs) > 0 || len(rows) != 500000 {
			b.Fatal(errs[0], len(rows))
		}
	}
}

// indentedPS51 is the bench plan as Windows PowerShell 5.1's ConvertTo-Json
// indents it: a member per line, two spaces after each colon.
func indentedPS51(lines []byte) string {
	return strings.NewReplacer(`{"`, "{\n        \"", `,"`, ",\n        \"", `":`, `":  `, `"}`, "\"\n    }").Replace(string(lines))
}

// BenchmarkStreamLayouts streams the bench plan (rows dropped as read, as
// apply spools them) as dumpsync writes it (a row per line), on one line
// with spaces (ConvertTo-Json -Compress, Python's json.dump) and indented
// (Windows PowerShell 5.1's ConvertTo-Json), also in UTF-16 (what 5.1's
// Out-File and > write).
func BenchmarkStreamLayouts(b *testing.B) {
	lines := benchPlan()
	oneLine := func() []byte {
		return []byte(strings.NewReplacer(",\n", ", ", "[\n", "[", "\n]", "]", `,"`, `, "`, `":`, `": `).Replace(string(lines)))
	}
	indented := func() string { return indentedPS51(lines) }
	for _, l := range []struct {
		name string
		data func() []byte
	}{
		{"lines", func() []byte { return lines }},
		{"one-line", oneLine},
		{"indented", func() []byte { return []byte(indented()) }},
		{"indented-utf16", func() []byte { return encodeUTF16(indented(), false, nil) }},
	} {
		b.Run(l.name, func(b *testing.B) {
			data := l.data() // made only for the layouts asked for
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				rd := Stream(bytes.NewReader(data), "bench")
				n := 0
				for {
					_, err := rd.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					n++
				}
				if n != 500000 {
					b.Fatal(n, "rows")
				}
			}
		})
	}
}

// BenchmarkDecodeUTF16 decodes the bench plan in 5.1's indented UTF-16
// (little-endian, with a BOM) to UTF-8 as the reader does, without
// parsing it: the decoder's share of BenchmarkStreamLayouts/indented-utf16.
func BenchmarkDecodeUTF16(b *testing.B) {
	data := encodeUTF16(indentedPS51(benchPlan()), false, nil)
	b.SetBytes(int64(len(data)))
	dst := make([]byte, 0, 1<<20)
	for b.Loop() {
		s := &source{r: bytes.NewReader(data)}
		if _, err := s.start(); err != nil {
			b.Fatal(err)
		}
		for {
			_, err := s.read(dst[:0])
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkSpoolPlan checks and spools the bench plan as apply does: the
// input read ahead on one goroutine, the parse on a second, the checks and
// the spool on a third, from a file in dumpsync's layout and in 5.1's
// indented UTF-16, with apply's garbage collector setting while it reads.
// On two cores the three share the machine: only less work in all makes
// this faster (moving values' storing, or the UTF-16 decoding, off the
// parse goroutine did not).
func BenchmarkSpoolPlan(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	for _, l := range []struct {
		name string
		data func() []byte
	}{
		{"lines", benchPlan},
		{"indented-utf16", func() []byte { return encodeUTF16(indentedPS51(benchPlan()), false, nil) }},
	} {
		b.Run(l.name, func(b *testing.B) {
			dir := b.TempDir()
			name := filepath.Join(dir, "plan.json")
			data := l.data()
			if err := os.WriteFile(name, data, 0o644); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				f, err := os.Open(name)
				if err != nil {
					b.Fatal(err)
				}
				sp, err := NewSpool(dir)
				if err != nil {
					b.Fatal(err)
				}
				out, err := SpoolPlan(Stream(f, "bench"), sp, Options{Within: []string{"/srv"}}, nil)
				f.Close()
				if err != nil || out.Read != 500000 || out.ErrCount > 0 {
					b.Fatal(err, out)
				}
				sp.Close()
			}
		})
	}
}
