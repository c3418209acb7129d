package main

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/dumpsync/dumpsync/internal/record"
	"github.com/dumpsync/dumpsync/internal/sample"
)

var update = flag.Bool("update", false, "rewrite golden files and the expected files inside testdata/script/*.txtar")

func TestMain(m *testing.M) {
	isolateCache()
	testscript.Main(m, map[string]func(){
		"dumpsync": func() {
			os.Exit(runInterruptible(os.Args[1:], osStreams(), time.Now))
		},
	})
}

// TestScript runs testdata/script/*.txtar; -update rewrites the expected
// files they cmp against.
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "../../testdata/script",
		UpdateScripts: *update,
		Condition: func(cond string) (bool, error) {
			if cond == "mknod" {
				return canMknod(), nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"mkresync": cmdMkresync,
			"gensite":  cmdGensite,
			"bom":      cmdBOM,
			"decode":   cmdDecode,
			"norm":     cmdNorm,
			"dos2unix": cmdDos2unix,
			"listdir":  cmdListdir,
			"status":   cmdStatus,
			"ftype":    cmdFtype,
			"mode":     cmdMode,
			"mknull":   cmdMknull,
			"expand":   cmdExpand,
			"utf32":    cmdUTF32,
		},
	})
}

// mkresync [-tail N] FILE [ID:TIME[:EXTRAHEX] ...]
//
// writes a Resync.cfg (creating its folder): one record per argument, ID
// with Go escapes (\x2F, \x00), TIME in decimal Unix seconds, EXTRAHEX the
// start of bytes 20-47; -tail N appends a partial record of N bytes 0xAB.
func cmdMkresync(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! mkresync")
	}
	tail := 0
	if len(args) >= 2 && args[0] == "-tail" {
		n, err := strconv.Atoi(args[1])
		ts.Check(err)
		tail, args = n, args[2:]
	}
	if len(args) < 1 {
		ts.Fatalf("usage: mkresync [-tail N] FILE [ID:TIME[:EXTRAHEX] ...]")
	}
	var b []byte
	for _, a := range args[1:] {
		parts := strings.Split(a, ":")
		if len(parts) < 2 || len(parts) > 3 {
			ts.Fatalf("mkresync: bad record %q (want ID:TIME[:EXTRAHEX])", a)
		}
		id, err := strconv.Unquote(`"` + parts[0] + `"`)
		ts.Check(err)
		t, err := strconv.ParseUint(parts[1], 10, 32)
		ts.Check(err)
		var extra []byte
		if len(parts) == 3 {
			extra, err = hex.DecodeString(parts[2])
			ts.Check(err)
		}
		e := record.Make(id, uint32(t), extra)
		if binary.LittleEndian.Uint32(e.Raw[16:]) != uint32(t) {
			ts.Fatalf("mkresync: time mismatch")
		}
		b = append(b, e.Raw[:]...)
	}
	b = append(b, bytes.Repeat([]byte{0xAB}, tail)...)
	p := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(filepath.Dir(p), 0o777))
	ts.Check(os.WriteFile(p, b, 0o666))
}

// gensite DIR SEED generates a site with package sample: invalid entries
// of every kind (one in three), zero and future times, duplicates, three
// logon servers (the last with upper-case names), orphans.
func cmdGensite(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: gensite DIR SEED")
	}
	seed, err := strconv.ParseUint(args[1], 10, 64)
	ts.Check(err)
	c := sample.DefaultConfig(seed, sample.DefaultNow)
	c.InvalidEvery = 3
	_, err = sample.Generate(ts.MkAbs(args[0]), c)
	ts.Check(err)
}

// bom FILE utf8bom|utf16le|none checks how FILE starts.
func cmdBOM(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: bom FILE utf8bom|utf16le|none")
	}
	b := []byte(ts.ReadFile(args[0]))
	var ok bool
	switch args[1] {
	case "utf8bom":
		ok = bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}) && !bytes.HasPrefix(b[3:], []byte{0xEF, 0xBB, 0xBF})
	case "utf16le":
		ok = bytes.HasPrefix(b, []byte{0xFF, 0xFE}) && len(b)%2 == 0
	case "none":
		ok = !bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}) && !bytes.HasPrefix(b, []byte{0xFF, 0xFE})
	default:
		ts.Fatalf("bom: unknown kind %q", args[1])
	}
	if ok == neg {
		ts.Fatalf("%s: starts with % x; want bom %s (negated: %v)", args[0], b[:min(len(b), 4)], args[1], neg)
	}
}

// decode FILE OUT writes FILE as UTF-8 without BOM (from UTF-16LE when it
// starts with FF FE).
func cmdDecode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: decode FILE OUT")
	}
	b := []byte(ts.ReadFile(args[0]))
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		u := make([]uint16, (len(b)-2)/2)
		for i := range u {
			u[i] = binary.LittleEndian.Uint16(b[2+2*i:])
		}
		b = []byte(string(utf16.Decode(u)))
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		b = b[3:]
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), b, 0o666))
}

var workTail = regexp.MustCompile(`\$WORK[^\s,"]*`)

// norm FILE prints FILE with the work folder written as $WORK and path
// separators after it as /, so expected output is the same on every OS.
func cmdNorm(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: norm FILE")
	}
	s := ts.ReadFile(args[0])
	work := ts.Getenv("WORK")
	s = strings.ReplaceAll(s, strings.ReplaceAll(work, `\`, `\\`), "$WORK") // inside JSON strings
	s = strings.ReplaceAll(s, work, "$WORK")
	s = workTail.ReplaceAllStringFunc(s, func(p string) string {
		return strings.ReplaceAll(strings.ReplaceAll(p, `\\`, `/`), `\`, `/`)
	})
	ts.Stdout().Write([]byte(s))
}

// dos2unix FILE checks that every line of FILE ends in CRLF and rewrites
// them as LF (so that expected text in a txtar can be plain).
func cmdDos2unix(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: dos2unix FILE")
	}
	p := ts.MkAbs(args[0])
	b, err := os.ReadFile(p)
	ts.Check(err)
	if n, m := bytes.Count(b, []byte("\n")), bytes.Count(b, []byte("\r\n")); n != m || !bytes.HasSuffix(b, []byte("\r\n")) {
		ts.Fatalf("%s: %d of %d line ends are CRLF (or the last line is unterminated)", args[0], m, n)
	}
	ts.Check(os.WriteFile(p, bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")), 0o666))
}

// listdir DIR prints the names in DIR, hidden ones included, one a line.
func cmdListdir(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: listdir DIR")
	}
	ents, err := os.ReadDir(ts.MkAbs(args[0]))
	ts.Check(err)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, n := range names {
		ts.Stdout().Write([]byte(n + "\n"))
	}
}

// status N PROG [ARGS...] runs PROG like exec does and checks that it exits
// with status N; its stdout and stderr become the script's.
func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status N PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	path, err := exec.LookPath(args[1])
	ts.Check(err)
	cmd := exec.Command(path, args[2:]...)
	cmd.Dir = ts.MkAbs(".")
	cmd.Stdout, cmd.Stderr = ts.Stdout(), ts.Stderr()
	err = cmd.Run()
	got := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		got = ee.ExitCode()
	case err != nil:
		ts.Fatalf("status: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// expand IN OUT writes IN with $WORK replaced by the work folder (its
// backslashes doubled when OUT is .json or .jsonl), so that a hand-written
// plan can name files the script made.
// workPath is $WORK and the /-separated path after it.
var workPath = regexp.MustCompile(`\$WORK(/[^"\s,;]*)?`)

func cmdExpand(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: expand IN OUT")
	}
	// $WORK/a/b becomes the work folder joined with a and b, with the
	// platform's separators (escaped in JSON), so the paths are clean
	// absolute paths on Windows too.
	sep := string(filepath.Separator)
	if ext := strings.ToLower(filepath.Ext(args[1])); ext == ".json" || ext == ".jsonl" {
		sep = strings.ReplaceAll(sep, `\`, `\\`)
	}
	work := strings.ReplaceAll(ts.Getenv("WORK"), string(filepath.Separator), sep)
	s := workPath.ReplaceAllStringFunc(ts.ReadFile(args[0]), func(m string) string {
		return work + strings.ReplaceAll(m[len("$WORK"):], "/", sep)
	})
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(s), 0o666))
}

// utf32 le|be|le-bom|be-bom IN OUT writes the UTF-8 file IN as UTF-32.
func cmdUTF32(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: utf32 le|be|le-bom|be-bom IN OUT")
	}
	order, bom := binary.AppendByteOrder(binary.LittleEndian), false
	switch args[0] {
	case "le":
	case "be":
		order = binary.BigEndian
	case "le-bom":
		bom = true
	case "be-bom":
		order, bom = binary.BigEndian, true
	default:
		ts.Fatalf("utf32: unknown kind %q", args[0])
	}
	var b []byte
	if bom {
		b = order.AppendUint32(b, 0xFEFF)
	}
	for _, r := range ts.ReadFile(args[1]) {
		b = order.AppendUint32(b, uint32(r))
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[2]), b, 0o666))
}
