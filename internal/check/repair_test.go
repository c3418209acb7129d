package check

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/dumpsync/dumpsync/internal/record"
)

func TestRepairPartialQuotes(t *testing.T) {
	for _, tc := range []struct {
		path string
		want []string
	}{
		{`D:\SMS\Site.srv\Maincfg.box\Invdom.box\Domain.000\Resync.cfg`, []string{
			`PowerShell: $f=[IO.File]::Open('D:\SMS\Site.srv\Maincfg.box\Invdom.box\Domain.000\Resync.cfg','Open'); $f.SetLength(96); $f.Close()`,
			`truncate -s 96 'D:\SMS\Site.srv\Maincfg.box\Invdom.box\Domain.000\Resync.cfg'`,
			`dd if=/dev/null of='D:\SMS\Site.srv\Maincfg.box\Invdom.box\Domain.000\Resync.cfg' bs=1 seek=96`,
			"cut it to 96 bytes",
		}},
		{`/srv/o'brien/Resync.cfg`, []string{
			`Open('/srv/o''brien/Resync.cfg','Open')`,
			`truncate -s 96 '/srv/o'\''brien/Resync.cfg'`,
		}},
		{"/srv/\u2019x/Resync.cfg", []string{"Open('/srv/\u2019\u2019x/Resync.cfg','Open')"}},
	} {
		got := RepairPartial(tc.path, 96)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("RepairPartial(%q):\n%s\nlacks %s", tc.path, got, w)
			}
		}
		if strings.ContainsAny(got, "\n\r") {
			t.Errorf("RepairPartial(%q) is not one line", tc.path)
		}
	}
}

// The shell lines of a PartialRecord finding cut the partial record and
// nothing else: after running them, check finds the file whole.
func TestRepairPartialLinesWork(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the shell lines are for Unix; the PowerShell line is syntax-checked by hand")
	}
	for _, tool := range []string{"truncate", "dd"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found", tool)
		}
		dir := filepath.Join(t.TempDir(), "it's Domain.000")
		recs := []record.Entry{rec("A1", ago(1)), rec("B2", ago(2))}
		path := domain(t, dir, recs, []byte{1, 2, 3, 4, 5}, nil)
		var msg string
		Health([]string{path}, Options{Now: now}, func(f *Finding) error {
			if f.Code == PartialRecord {
				msg = f.Message
			}
			return nil
		}, func(err error) { t.Error(err) })
		i := strings.Index(msg, "shell: ")
		if i < 0 {
			t.Fatalf("no shell line in %q", msg)
		}
		line := msg[i+len("shell: "):]
		if tool == "truncate" {
			line = line[:strings.Index(line, " (or: ")]
		} else {
			line = strings.TrimSuffix(line[strings.Index(line, "(or: ")+len("(or: "):], ")")
		}
		if out, err := exec.Command("sh", "-c", line).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", line, err, out)
		}
		b, _ := os.ReadFile(path)
		if len(b) != 96 || string(b) != string(append(recs[0].Raw[:], recs[1].Raw[:]...)) {
			t.Errorf("%s: the file is %d bytes, want the 96 bytes of the whole records", line, len(b))
		}
	}
}
