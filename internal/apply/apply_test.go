package apply

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dumpsync/dumpsync/internal/planread"
)

func TestBackupPath(t *testing.T) {
	type tc struct{ root, path, want string }
	var cases []tc
	if runtime.GOOS == "windows" {
		cases = []tc{
			{`E:\bak\20261125T093000Z`, `C:\SMS\Site.srv\Maincfg.box\Invdom.box\Domain.000\Invencfg.box\ABC00001.cfg`,
				`E:\bak\20261125T093000Z\C\SMS\Site.srv\Maincfg.box\Invdom.box\Domain.000\Invencfg.box\ABC00001.cfg`},
			{`E:\bak\T`, `\\sms01\SMS_ABC\Site.srv\Invencfg.box\ABC00001.cfg`, `E:\bak\T\sms01\SMS_ABC\Site.srv\Invencfg.box\ABC00001.cfg`},
			{`E:\bak\T`, `\\LOGON1\SMSLOGON\Logon.srv\Invencfg.box\ABC00001.cfg`, `E:\bak\T\LOGON1\SMSLOGON\Logon.srv\Invencfg.box\ABC00001.cfg`},
			{`\\backup\share\T`, `D:\a.cfg`, `\\backup\share\T\D\a.cfg`},
			// Long-path forms: no "?" or "C:" element may end up inside the backup folder.
			{`E:\bak\T`, `\\?\C:\SMS\Invencfg.box\ABC00001.cfg`, `E:\bak\T\C\SMS\Invencfg.box\ABC00001.cfg`},
			{`E:\bak\T`, `\\?\UNC\sms01\SMS_ABC\Invencfg.box\ABC00001.cfg`, `E:\bak\T\sms01\SMS_ABC\Invencfg.box\ABC00001.cfg`},
			{`E:\bak\T`, `\\.\C:\SMS\Invencfg.box\ABC00001.cfg`, `E:\bak\T\C\SMS\Invencfg.box\ABC00001.cfg`},
			{`E:\bak\T`, `\\srv\UNC\x.cfg`, `E:\bak\T\srv\UNC\x.cfg`}, // a share named UNC stays
		}
	} else {
		cases = []tc{
			{"/var/bak/20261125T093000Z", "/srv/sms/SMS/Site.srv/Maincfg.box/Invdom.box/Domain.000/Invencfg.box/ABC00001.cfg",
				"/var/bak/20261125T093000Z/srv/sms/SMS/Site.srv/Maincfg.box/Invdom.box/Domain.000/Invencfg.box/ABC00001.cfg"},
			{"/bak", "/a.cfg", "/bak/a.cfg"},
			{"/bak/", "/mnt/LOGON1/SMSLOGON/Logon.srv/Invencfg.box/ABC00001.cfg", "/bak/mnt/LOGON1/SMSLOGON/Logon.srv/Invencfg.box/ABC00001.cfg"},
			// A backslash is an ordinary character in a POSIX file name.
			{"/bak", `/srv/odd\name/x.cfg`, `/bak/srv/odd\name/x.cfg`},
			{"rel/bak", "/srv/x.cfg", "rel/bak/srv/x.cfg"},
		}
	}
	for _, c := range cases {
		if got := BackupPath(c.root, c.path); got != c.want {
			t.Errorf("BackupPath(%q, %q) = %q, want %q", c.root, c.path, got, c.want)
		}
		if got := BackupPath(c.root, c.path); !strings.HasPrefix(got, filepath.Clean(c.root)) {
			t.Errorf("BackupPath(%q, %q) = %q is not under the root", c.root, c.path, got)
		}
	}
}

func i64(v int64) *int64 { return &v }

func TestRejectInside(t *testing.T) {
	base := t.TempDir()
	dom := filepath.Join(base, "SMS", "Site.srv", "Maincfg.box", "Invdom.box", "Domain.000")
	logon := filepath.Join(base, "LOGON1", "SMSLOGON", "Logon.srv")
	rows := []planread.Row{
		{N: 1, Action: RemoveEntryAction, Path: filepath.Join(dom, "Resync.cfg"), Offset: i64(0)},
		{N: 2, Action: DeleteFileAction, Path: filepath.Join(logon, "Invencfg.box", "ABC00001.cfg")},
	}
	for _, c := range []struct {
		dir     string
		wantRow int // 0: accepted
	}{
		{filepath.Join(base, "backup"), 0},
		{base, 0}, // a parent of the folders is not inside them
		{filepath.Join(base, "SMS"), 0},
		{filepath.Join(base, "SMS", "Site.srv", "Maincfg.box", "Invdom.box"), 0},
		{filepath.Join(base, "SMS", "Site.srv", "Maincfg.box", "Invdom.box", "Domain.0001"), 0}, // a sibling with a longer name
		{dom, 1},
		{filepath.Join(dom, "backup"), 1},
		{filepath.Join(dom, "Invencfg.box"), 1},
		{logon, 2},
		{filepath.Join(logon, "Invencfg.box", "bak"), 2},
		{filepath.Join(logon, "x", "..", "bak"), 2}, // cleaned first
	} {
		err := RejectInside("--backup-dir", c.dir, rows, nil)
		switch {
		case c.wantRow == 0 && err != nil:
			t.Errorf("RejectInside(%s) = %v, want nil", c.dir, err)
		case c.wantRow != 0 && err == nil:
			t.Errorf("RejectInside(%s) = nil, want an error naming row %d", c.dir, c.wantRow)
		case c.wantRow != 0 && !strings.Contains(err.Error(), fmt.Sprintf("row %d's Path", c.wantRow)):
			t.Errorf("RejectInside(%s) = %v, want it to name row %d", c.dir, err, c.wantRow)
		case c.wantRow != 0 && !strings.Contains(err.Error(), "--backup-dir"):
			t.Errorf("RejectInside(%s) = %v, want it to name the option", c.dir, err)
		}
	}
	// A relative folder is made absolute from the working directory.
	if err := os.MkdirAll(dom, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dom)
	if err := RejectInside("--undo", "undo", rows, nil); err == nil {
		t.Errorf("RejectInside(relative folder inside the domain) = nil, want an error")
	}
	if runtime.GOOS == "windows" {
		if err := RejectInside("--backup-dir", strings.ToUpper(dom), rows, nil); err == nil {
			t.Errorf("RejectInside(upper-cased domain folder) = nil on Windows, want an error")
		}
	}
}

// The undo file and the backup folder may not be inside a --within folder,
// nor reach one (or a row's folder) through a link: their resolved place is
// compared too.
func TestRejectInsideRootsAndLinks(t *testing.T) {
	base, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	sms := filepath.Join(base, "SMS")
	dom := filepath.Join(sms, "Site.srv", "Maincfg.box", "Invdom.box", "Domain.000")
	if err := os.MkdirAll(dom, 0o755); err != nil {
		t.Fatal(err)
	}
	rows := []planread.Row{{N: 1, Action: RemoveEntryAction, Path: filepath.Join(dom, "Resync.cfg"), Offset: i64(0)}}
	roots := []string{sms}
	tests := []struct {
		name, dir string
		want      string // "" accepted, else a part of the error
	}{
		{"outside", filepath.Join(base, "backup"), ""},
		{"a sibling named with a comma", filepath.Join(base, "SMS,old"), ""},
		{"inside --within, outside every row's folder", filepath.Join(sms, "backup"), "inside --within " + sms},
		{"inside a row's folder", filepath.Join(dom, "new", "backup"), "inside --within"},
	}
	if runtime.GOOS != "windows" { // Wine has no symbolic links
		os.Symlink(dom, filepath.Join(base, "to-domain"))
		os.Symlink(sms, filepath.Join(base, "to-sms"))
		os.Symlink(base, filepath.Join(base, "to-base"))
		tests = append(tests,
			struct{ name, dir, want string }{"through a link to the domain", filepath.Join(base, "to-domain"), "inside --within"},
			struct{ name, dir, want string }{"a new folder through a link to the domain", filepath.Join(base, "to-domain", "x", "y"), "inside --within"},
			struct{ name, dir, want string }{"through a link to --within", filepath.Join(base, "to-sms", "undo"), "inside --within"},
			struct{ name, dir, want string }{"through a link that stays outside", filepath.Join(base, "to-base", "backup"), ""},
		)
	}
	for _, tt := range tests {
		err := RejectInside("--undo", tt.dir, rows, roots)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v, want nil", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: %v, want an error with %q", tt.name, err, tt.want)
		}
	}
	// A --within folder that is itself reached through a link: the backup
	// folder under its target is inside it too.
	if runtime.GOOS != "windows" {
		err := RejectInside("--backup-dir", filepath.Join(dom, "bak"), nil, []string{filepath.Join(base, "to-sms")})
		if err == nil || !strings.Contains(err.Error(), "inside --within") {
			t.Errorf("backup under a linked --within folder's target: %v", err)
		}
	}
}

func undoRow(i int) *UndoRow {
	off := int64(48 * i)
	rec := strings.Repeat("ab", 48)
	path := filepath.Join(os.TempDir(), "Domain.000", "Resync.cfg")
	return &UndoRow{Action: RestoreEntry, Path: path, SmsId: fmt.Sprintf("ABC%05X", i),
		Offset: &off, Record: &rec, Size: 480, Sha256: strings.Repeat("0f", 32)}
}

func readPlan(t *testing.T, b []byte) *planread.Plan {
	t.Helper()
	p, err := planread.Read(bytes.NewReader(b), "undo")
	if err != nil {
		t.Fatalf("planread.Read(%q): %v", b, err)
	}
	return p
}

func TestJournalDurableLineByLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "dir", "undo.json")
	var created []string
	j := NewJournal(path, func(p string) { created = append(created, p) })
	if j.Path() != path {
		t.Fatalf("Path() = %q, want %q", j.Path(), path)
	}
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Fatalf("journal file exists before the first row: %v", err)
	}
	const n = 5
	for i := 1; i <= n; i++ {
		if err := j.Add(undoRow(i)); err != nil {
			t.Fatal(err)
		}
		// What a crash right now would leave: every row so far, on its own line.
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := bytes.Count(b, []byte("\n")); got != i {
			t.Errorf("after %d rows the file has %d lines, want %d (one per row after the [)", i, got, i)
		}
		p := readPlan(t, b)
		if !p.Truncated || len(p.Rows) != i {
			t.Fatalf("after %d rows: Truncated=%v rows=%d, want true and %d", i, p.Truncated, len(p.Rows), i)
		}
		if r := p.Rows[i-1]; r.Action != RestoreEntry || r.SmsId != undoRow(i).SmsId || *r.Offset != int64(48*i) {
			t.Errorf("row %d read back as %+v", i, r)
		}
		rows, errs := planread.Validate(p, planread.Options{})
		if len(errs) > 0 || len(rows) != i {
			t.Errorf("after %d rows: Validate gave %d rows, errors %v", i, len(rows), errs)
		}
	}
	if len(created) != 1 || created[0] != path {
		t.Errorf("created callback: %q, want once with %q", created, path)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if p := readPlan(t, b); p.Truncated || len(p.Rows) != n {
		t.Errorf("closed journal: Truncated=%v rows=%d, want false and %d", p.Truncated, len(p.Rows), n)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != n+2 || lines[0] != "[" || lines[len(lines)-1] != "]" {
		t.Errorf("closed journal is not [, one row per line, ]:\n%s", b)
	}

	// A journal cut anywhere inside row N+1 (a crash mid-write) reads as the
	// N complete rows before it.
	starts := []int{}
	for i, c := range b {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	for k := 1; k < n; k++ {
		rowStart, rowEnd := starts[k], starts[k+1]
		for _, cut := range []int{rowStart - 1, rowStart, rowStart + 1, (rowStart + rowEnd) / 2, rowEnd - 3} {
			p := readPlan(t, b[:cut])
			if !p.Truncated || len(p.Rows) != k {
				t.Errorf("journal cut at byte %d (inside row %d): Truncated=%v rows=%d, want true and %d", cut, k+1, p.Truncated, len(p.Rows), k)
			}
		}
	}
	// Several rows at once (one Resync.cfg rewrite), then none.
	jb := NewJournal(filepath.Join(filepath.Dir(path), "batch.json"), nil)
	if err := jb.Add(undoRow(1), undoRow(2), undoRow(3)); err != nil {
		t.Fatal(err)
	}
	if err := jb.Add(); err != nil {
		t.Fatal(err)
	}
	bb, _ := os.ReadFile(jb.Path())
	if p := readPlan(t, bb); !p.Truncated || len(p.Rows) != 3 {
		t.Errorf("after Add of 3 rows: Truncated=%v rows=%d, want true and 3", p.Truncated, len(p.Rows))
	}
	jb.Close()

	// The same name is never overwritten.
	j2 := NewJournal(path, nil)
	if err := j2.Add(undoRow(1)); err == nil {
		t.Errorf("second journal on an existing file: Add succeeded, want an error")
	}
}

func TestJournalWithoutRowsCreatesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "undo", "x.json")
	j := NewJournal(path, func(string) { t.Error("created called without a row") })
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Dir(path)); !os.IsNotExist(err) {
		t.Errorf("a journal without rows created %s", filepath.Dir(path))
	}
}

func TestDefaultUndoPath(t *testing.T) {
	cache := t.TempDir()
	setCacheDir(t, cache)
	now := time.Date(2026, 11, 25, 9, 30, 0, 0, time.FixedZone("CET", 3600))
	p, err := DefaultUndoPath(now)
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(cache, "dumpsync", "undo", "20261125T083000Z.json")
	if p != want {
		t.Fatalf("DefaultUndoPath = %q, want %q", p, want)
	}
	if _, err := os.Lstat(filepath.Join(cache, "dumpsync")); !os.IsNotExist(err) {
		t.Errorf("DefaultUndoPath created something: %v", err)
	}
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, nil, 0o644)
	if p2, _ := DefaultUndoPath(now); p2 != strings.TrimSuffix(want, ".json")+"-2.json" {
		t.Errorf("DefaultUndoPath with the name taken = %q", p2)
	}
}

// TestDefaultUndoPathInTheWay: something in the way of the undo folder is
// reported at once. Before the fix a file named undo made DefaultUndoPath
// loop forever (Lstat's "not a directory" is not "not exist").
func TestDefaultUndoPathInTheWay(t *testing.T) {
	cases := []struct {
		name  string
		setup func(cache string)
		want  string
	}{
		{"undo is a file", func(c string) {
			os.MkdirAll(filepath.Join(c, "dumpsync"), 0o755)
			os.WriteFile(filepath.Join(c, "dumpsync", "undo"), nil, 0o644)
		}, "undo: not a folder"},
		{"dumpsync is a file", func(c string) {
			os.WriteFile(filepath.Join(c, "dumpsync"), nil, 0o644)
		}, "dumpsync: not a folder"},
		{"every name taken", func(c string) {
			d := filepath.Join(c, "dumpsync", "undo")
			os.MkdirAll(d, 0o755)
			os.WriteFile(filepath.Join(d, "20261125T083000Z.json"), nil, 0o644)
			for i := 2; i <= maxUndoNames; i++ {
				os.WriteFile(filepath.Join(d, fmt.Sprintf("20261125T083000Z-%d.json", i)), nil, 0o644)
			}
		}, "all exist"},
	}
	now := time.Date(2026, 11, 25, 8, 30, 0, 0, time.UTC)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cache := t.TempDir()
			setCacheDir(t, cache)
			c.setup(cache)
			type result struct {
				p   string
				err error
			}
			done := make(chan result, 1)
			go func() {
				p, err := DefaultUndoPath(now)
				done <- result{p, err}
			}()
			select {
			case r := <-done:
				if r.err == nil || !strings.Contains(r.err.Error(), c.want) || !strings.Contains(r.err.Error(), "--no-undo") {
					t.Fatalf("DefaultUndoPath = %q, %v; want an error with %q", r.p, r.err, c.want)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("DefaultUndoPath did not return")
			}
		})
	}
}

// setCacheDir points os.UserCacheDir at dir.
func setCacheDir(t *testing.T, dir string) {
	switch runtime.GOOS {
	case "windows":
		t.Setenv("LocalAppData", dir)
	case "darwin", "ios":
		t.Setenv("HOME", dir)
		dir = filepath.Join(dir, "Library", "Caches")
	default:
		t.Setenv("XDG_CACHE_HOME", dir)
	}
	if got, err := os.UserCacheDir(); err != nil || got != dir {
		t.Fatalf("os.UserCacheDir() = %q, %v; want %q", got, err, dir)
	}
}

func TestRetryLocked(t *testing.T) {
	calls := 0
	if err := retryLocked(time.Second, func() error { calls++; return nil }); err != nil || calls != 1 {
		t.Errorf("success: err=%v calls=%d, want nil and 1", err, calls)
	}
	other := errors.New("access denied")
	calls = 0
	if err := retryLocked(time.Second, func() error { calls++; return other }); err != other || calls != 1 {
		t.Errorf("other error: err=%v calls=%d, want it at once after 1 call", err, calls)
	}
	// A sharing violation (ERROR_SHARING_VIOLATION, 32) is retried on
	// Windows only; elsewhere errno 32 is EPIPE, an ordinary error.
	locked := &os.PathError{Op: "remove", Path: "x.cfg", Err: syscall.Errno(32)}
	if !isLocked(locked) {
		if runtime.GOOS == "windows" {
			t.Fatal("isLocked(ERROR_SHARING_VIOLATION) = false on Windows")
		}
		calls = 0
		if err := retryLocked(time.Second, func() error { calls++; return locked }); err != locked || calls != 1 {
			t.Errorf("errno 32 off Windows: err=%v calls=%d, want it at once", err, calls)
		}
		return
	}
	if !isLocked(&os.PathError{Op: "open", Path: "x", Err: syscall.Errno(33)}) {
		t.Error("isLocked(ERROR_LOCK_VIOLATION) = false")
	}
	calls = 0
	err := retryLocked(5*time.Second, func() error {
		calls++
		if calls < 3 {
			return locked
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Errorf("locked twice, then free: err=%v calls=%d, want nil and 3", err, calls)
	}
	calls = 0
	start := time.Now()
	err = retryLocked(300*time.Millisecond, func() error { calls++; return locked })
	if !errors.Is(err, syscall.Errno(32)) || !strings.Contains(err.Error(), "still locked") || calls < 2 {
		t.Errorf("always locked: err=%v calls=%d, want the wrapped error after several calls", err, calls)
	}
	if d := time.Since(start); d < 300*time.Millisecond || d > 5*time.Second {
		t.Errorf("always locked: gave up after %v, want about 300ms", d)
	}
}

// Two applies started in the same second pick the same default undo name;
// the second takes the next free one instead of failing all its rows.
func TestDefaultJournalTakesTheNextFreeName(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "20261125T093000Z.json")
	if err := os.WriteFile(path, []byte("[]"), 0o644); err != nil {
		t.Fatal(err)
	}
	var created string
	j := NewDefaultJournal(path, func(p string) { created = p })
	if err := j.Add(&UndoRow{Action: RestoreFile, Path: "/x/Invencfg.box/A.cfg", SmsId: "A"}); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "20261125T093000Z-2.json"); created != want || j.Path() != want {
		t.Errorf("created %q, Path %q, want %q", created, j.Path(), want)
	}
	if b, _ := os.ReadFile(path); string(b) != "[]" {
		t.Error("the other apply's undo file was changed")
	}
	// An explicit --undo FILE is never renamed.
	if err := NewJournal(path, nil).Add(&UndoRow{Action: RestoreFile}); err == nil {
		t.Error("NewJournal wrote to an existing file")
	}
}
