package planread

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"runtime"
	"strings"
	"testing"
)

const box = "/srv/sms/ABC/LOGON.SRV/Invencfg.box"

func removeRow() Row {
	return Row{Action: RemoveEntry, Path: osPath(box + "/Resync.cfg"), SmsId: "ABC00007", Offset: ptr[int64](96),
		Record: ptr(hexRecord), Size: ptr[int64](480), Sha256: ptr(hexSha), Cutoff: ptr[int64](1775124000)}
}

func deleteRow() Row {
	return Row{Action: DeleteFile, Path: osPath(box + "/ABC00012.cfg"), SmsId: "ABC00012", Size: ptr[int64](1234),
		Sha256: ptr(hexSha), Cutoff: ptr[int64](1775124000)}
}

func restoreEntryRow() Row {
	r := removeRow()
	r.Action, r.Size = RestoreEntry, ptr[int64](384)
	return r
}

var restoreContent = []byte("[ABC00012]\r\nInventory=1\r\n")

func restoreFileRow() Row {
	sum := sha256.Sum256(restoreContent)
	return Row{Action: RestoreFile, Path: osPath(box + "/ABC00012.cfg"), SmsId: "ABC00012", Size: ptr(int64(len(restoreContent))),
		Sha256: ptr(hex.EncodeToString(sum[:])), Content: ptr(base64.StdEncoding.EncodeToString(restoreContent))}
}

type wantErr struct {
	n     int
	field string
	msg   string // a part of Msg
}

func TestValidate(t *testing.T) {
	with := func(r Row, f func(*Row)) Row { f(&r); return r }
	cases := []struct {
		name   string
		rows   []Row
		within []string
		want   []wantErr
		kept   int // rows returned; 0 = all
	}{
		{"valid plan", []Row{removeRow(), deleteRow()}, nil, nil, 0},
		{"valid undo", []Row{restoreEntryRow(), restoreFileRow()}, nil, nil, 0},
		{"missing Action", []Row{with(removeRow(), func(r *Row) { r.Action = "" })}, nil, []wantErr{{1, "Action", "missing"}}, 0},
		{"unknown Action", []Row{with(removeRow(), func(r *Row) { r.Action = "Nuke" })}, nil, []wantErr{{1, "Action", `unknown action "Nuke"`}}, 0},
		{"read problem reported once", []Row{with(removeRow(), func(r *Row) { r.Size = nil; r.bad = []fieldProblem{{"Size", "not an integer: 12.5"}} })},
			nil, []wantErr{{1, "Size", "not an integer: 12.5"}}, 0},
		{"missing Path", []Row{with(removeRow(), func(r *Row) { r.Path = "" })}, nil, []wantErr{{1, "Path", "missing (required for RemoveEntry)"}}, 0},
		{"relative Path", []Row{with(removeRow(), func(r *Row) { r.Path = "Invencfg.box/Resync.cfg" })}, nil, []wantErr{{1, "Path", "not a clean absolute path"}}, 0},
		{"Path with ..", []Row{with(removeRow(), func(r *Row) { r.Path = osPath("/srv/sms/../Invencfg.box/Resync.cfg") })}, nil, []wantErr{{1, "Path", "not a clean absolute path"}}, 0},
		{"Path with doubled separator", []Row{with(removeRow(), func(r *Row) { r.Path = osPath("/srv//Resync.cfg") })}, nil, []wantErr{{1, "Path", "not a clean absolute path"}}, 0},
		{"Path outside --within", []Row{removeRow()}, []string{osPath("/srv/other"), osPath("/srv/sms/AB")}, []wantErr{{1, "Path", "is outside --within"}}, 0},
		{"Path with ? (written as ASCII)", []Row{with(removeRow(), func(r *Row) { r.Path = osPath("/srv/sms/Donn?es/Resync.cfg") })}, []string{osPath("/srv/sms/Données")},
			[]wantErr{{1, "Path", "holds '?', which no Windows name can: a character lost when the plan was written as ASCII"}}, 0},
		{"DeleteFile Path with ?", []Row{with(deleteRow(), func(r *Row) { r.Path = osPath("/srv/sms/?/Invencfg.box/ABC00012.cfg") })}, nil,
			[]wantErr{{1, "Path", "export it with -Encoding UTF8"}}, 0},
		{"Path of UTF-8 read as ANSI", []Row{with(removeRow(), func(r *Row) { r.Path = osPath("/srv/sms/DonnÃ©es/Resync.cfg") })}, []string{osPath("/srv/sms/Données")},
			[]wantErr{{1, "Path", "is outside --within " + osPath("/srv/sms/Données") + "; it is " + quote(osPath("/srv/sms/Données/Resync.cfg")) +
				" with its UTF-8 read as Windows 1252 (ANSI): Windows PowerShell 5.1 reads a file without a BOM as ANSI (Import-Csv, Get-Content); read the plan with -Encoding UTF8"}}, 0},
		{"Path of UTF-8 read as OEM", []Row{with(deleteRow(), func(r *Row) { r.Path = osPath("/srv/sms/Donn├®es/Invencfg.box/ABC00012.cfg") })}, []string{osPath("/srv/sms/Données")},
			[]wantErr{{1, "Path", "with its UTF-8 read as IBM Code Page 850 (the console's OEM code page): PowerShell reads a program's output in the console's code page; write the plan with --out FILE"}}, 0},
		{"Path outside --within, not misread", []Row{with(removeRow(), func(r *Row) { r.Path = osPath("/srv/other/DonnÃ©es/Resync.cfg") })}, []string{osPath("/srv/sms")},
			[]wantErr{{1, "Path", "is outside --within " + osPath("/srv/sms")}}, 0},
		{"Path inside one --within", []Row{removeRow()}, []string{osPath("/srv/other"), osPath("/srv/sms/ABC")}, nil, 0},
		{"RemoveEntry not Resync.cfg", []Row{with(removeRow(), func(r *Row) { r.Path = osPath(box + "/Resync.bak") })}, nil, []wantErr{{1, "Path", `must name a Resync.cfg file, not "Resync.bak"`}}, 0},
		{"RemoveEntry Resync.cfg any case", []Row{with(removeRow(), func(r *Row) { r.Path = osPath(box + "/RESYNC.CFG") })}, nil, nil, 0},
		{"RemoveEntry missing Record", []Row{with(removeRow(), func(r *Row) { r.Record = nil })}, nil, []wantErr{{1, "Record", "missing"}}, 0},
		{"RemoveEntry short Record", []Row{with(removeRow(), func(r *Row) { r.Record = ptr("00ff") })}, nil, []wantErr{{1, "Record", "must be 96 hex characters, got 4"}}, 0},
		{"RemoveEntry non-hex Record", []Row{with(removeRow(), func(r *Row) { r.Record = ptr(strings.Repeat("zz", 48)) })}, nil, []wantErr{{1, "Record", "not hex"}}, 0},
		{"RemoveEntry missing Offset", []Row{with(removeRow(), func(r *Row) { r.Offset = nil })}, nil, []wantErr{{1, "Offset", "missing"}}, 0},
		{"RemoveEntry negative Offset", []Row{with(removeRow(), func(r *Row) { r.Offset = ptr[int64](-48) })}, nil, []wantErr{{1, "Offset", "negative (-48)"}}, 0},
		{"RemoveEntry Offset not multiple of 48", []Row{with(removeRow(), func(r *Row) { r.Offset = ptr[int64](100) })}, nil, []wantErr{{1, "Offset", "100 is not a multiple of 48"}}, 0},
		{"RemoveEntry Offset past Size", []Row{with(removeRow(), func(r *Row) { r.Offset = ptr[int64](480) })}, nil, []wantErr{{1, "Offset", "does not fit in Size 480"}}, 0},
		{"RemoveEntry last record fits", []Row{with(removeRow(), func(r *Row) { r.Offset = ptr[int64](432) })}, nil, nil, 0},
		{"RemoveEntry missing Size", []Row{with(removeRow(), func(r *Row) { r.Size = nil })}, nil, []wantErr{{1, "Size", "missing"}}, 0},
		{"negative Size", []Row{with(deleteRow(), func(r *Row) { r.Size = ptr[int64](-1) })}, nil, []wantErr{{1, "Size", "negative (-1)"}}, 0},
		{"RemoveEntry missing Sha256", []Row{with(removeRow(), func(r *Row) { r.Sha256 = nil })}, nil, []wantErr{{1, "Sha256", "missing"}}, 0},
		{"bad Sha256", []Row{with(removeRow(), func(r *Row) { r.Sha256 = ptr("abc") })}, nil, []wantErr{{1, "Sha256", "must be 64 hex characters"}}, 0},
		{"RemoveEntry Cutoff optional, SmsId informational", []Row{with(removeRow(), func(r *Row) { r.Cutoff = nil; r.SmsId = "AB C\x01" })}, nil, nil, 0},
		{"DeleteFile name not SmsId", []Row{with(deleteRow(), func(r *Row) { r.SmsId = "ABC00013" })}, nil, []wantErr{{1, "Path", "must name the file <SmsId>.cfg (ABC00013.cfg)"}}, 0},
		{"DeleteFile name any case", []Row{with(deleteRow(), func(r *Row) { r.SmsId = "abc00012" })}, nil, nil, 0},
		{"DeleteFile not in Invencfg.box", []Row{with(deleteRow(), func(r *Row) { r.Path = osPath("/srv/sms/ABC/ABC00012.cfg") })}, nil, []wantErr{{1, "Path", `in a folder named Invencfg.box, not "ABC"`}}, 0},
		{"DeleteFile box any case", []Row{with(deleteRow(), func(r *Row) { r.Path = osPath("/srv/sms/INVENCFG.BOX/ABC00012.cfg") })}, nil, nil, 0},
		{"DeleteFile invalid SmsId", []Row{with(deleteRow(), func(r *Row) { r.SmsId = "ABC-12"; r.Path = osPath(box + "/ABC-12.cfg") })}, nil, []wantErr{{1, "SmsId", `"ABC-12" is not a valid SMSID`}}, 0},
		{"DeleteFile missing SmsId", []Row{with(deleteRow(), func(r *Row) { r.SmsId = "" })}, nil, []wantErr{{1, "Path", "<SmsId>.cfg"}, {1, "SmsId", "missing"}}, 0},
		{"DeleteFile missing Cutoff", []Row{with(deleteRow(), func(r *Row) { r.Cutoff = nil })}, nil, []wantErr{{1, "Cutoff", "missing (required for DeleteFile)"}}, 0},
		{"DeleteFile missing guard", []Row{with(deleteRow(), func(r *Row) { r.Size, r.Sha256 = nil, nil })}, nil, []wantErr{{1, "Size", "missing"}, {1, "Sha256", "missing"}}, 0},
		{"RestoreEntry not Resync.cfg", []Row{with(restoreEntryRow(), func(r *Row) { r.Path = osPath(box + "/x.cfg") })}, nil, []wantErr{{1, "Path", "RestoreEntry must name a Resync.cfg"}}, 0},
		{"RestoreEntry at end of file", []Row{with(restoreEntryRow(), func(r *Row) { r.Offset = ptr[int64](384) })}, nil, nil, 0},
		{"RestoreEntry beyond end is allowed (records removed from the end go back in turn)", []Row{with(restoreEntryRow(), func(r *Row) { r.Offset = ptr[int64](432) })}, nil, nil, 1},
		{"RestoreEntry Offset not multiple", []Row{with(restoreEntryRow(), func(r *Row) { r.Offset = ptr[int64](47) })}, nil, []wantErr{{1, "Offset", "not a multiple of 48"}}, 0},
		{"RestoreFile missing Content", []Row{with(restoreFileRow(), func(r *Row) { r.Content = nil })}, nil, []wantErr{{1, "Content", "missing"}}, 0},
		{"RestoreFile bad base64", []Row{with(restoreFileRow(), func(r *Row) { r.Content = ptr("@@@") })}, nil, []wantErr{{1, "Content", "not valid base64"}}, 0},
		{"RestoreFile Size mismatch", []Row{with(restoreFileRow(), func(r *Row) { r.Size = ptr[int64](5) })}, nil, []wantErr{{1, "Content", "decodes to 25 bytes, Size is 5"}}, 0},
		{"RestoreFile Sha256 mismatch", []Row{with(restoreFileRow(), func(r *Row) { r.Sha256 = ptr(hexSha) })}, nil, []wantErr{{1, "Content", "SHA-256 of the decoded content is"}}, 0},
		{"RestoreFile invalid SmsId", []Row{with(restoreFileRow(), func(r *Row) { r.SmsId = "A.B"; r.Path = osPath(box + "/A.B.cfg") })}, nil, []wantErr{{1, "SmsId", "not a valid SMSID"}}, 0},
		{"identical duplicates collapse", []Row{removeRow(), deleteRow(), with(removeRow(), func(r *Row) { r.Reason = ptr("again"); r.RequestedAt = ptr("x") }), deleteRow()}, nil, nil, 2},
		{"duplicate with upper-case Record", []Row{removeRow(), with(removeRow(), func(r *Row) { r.Record = ptr(strings.ToUpper(hexRecord)) })}, nil, nil, 1},
		{"same slot, different Record", []Row{removeRow(), deleteRow(), with(removeRow(), func(r *Row) { r.Record = ptr(strings.Repeat("00", 48)) })}, nil,
			[]wantErr{{3, "Record", "conflicts with row 1: same Path and Offset, different Record"}}, 0},
		{"same slot, different Cutoff", []Row{removeRow(), with(removeRow(), func(r *Row) { r.Cutoff = ptr[int64](1) })}, nil, []wantErr{{2, "Cutoff", "conflicts with row 1"}}, 0},
		{"same file, different guard", []Row{removeRow(), with(removeRow(), func(r *Row) { r.Offset = ptr[int64](240); r.Sha256 = ptr(strings.Repeat("ab", 32)) })}, nil,
			[]wantErr{{2, "Sha256", "conflicts with row 1: same Path, different guard"}}, 0},
		{"DeleteFile different Size", []Row{deleteRow(), with(deleteRow(), func(r *Row) { r.Size = ptr[int64](1) })}, nil, []wantErr{{2, "Size", "conflicts with row 1: same Path, different Size"}}, 0},
		{"DeleteFile different Sha256", []Row{deleteRow(), with(deleteRow(), func(r *Row) { r.Sha256 = ptr(strings.Repeat("ab", 32)) })}, nil, []wantErr{{2, "Sha256", "conflicts with row 1"}}, 0},
		{"plan and undo rows do not conflict", []Row{removeRow(), restoreEntryRow()}, nil, nil, 2},
		{"errors of several rows, in order", []Row{with(removeRow(), func(r *Row) { r.Offset = ptr[int64](1) }), deleteRow(), with(deleteRow(), func(r *Row) { r.Action = "x" })}, nil,
			[]wantErr{{1, "Offset", "not a multiple"}, {3, "Action", "unknown"}}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for i := range c.rows {
				c.rows[i].N, c.rows[i].Line = i+1, i+2
			}
			rows, errs := Validate(&Plan{Rows: c.rows}, Options{Within: c.within})
			ok := len(errs) == len(c.want)
			for i := 0; ok && i < len(errs); i++ {
				w := c.want[i]
				ok = errs[i].N == w.n && errs[i].Line == w.n+1 && errs[i].Field == w.field && strings.Contains(errs[i].Msg, w.msg)
			}
			if !ok {
				t.Errorf("errors\ngot  %q\nwant %v", errs, c.want)
			}
			kept := c.kept
			if kept == 0 {
				kept = len(c.rows)
			}
			if len(rows) != kept {
				t.Errorf("%d rows kept, want %d", len(rows), kept)
			}
		})
	}
}

func TestValidatePathCase(t *testing.T) {
	a := removeRow()
	b := removeRow()
	b.Path = strings.Replace(b.Path, "LOGON.SRV", "logon.srv", 1)
	b.Record = ptr(strings.Repeat("00", 48))
	a.N, b.N = 1, 2
	rows, errs := Validate(&Plan{Rows: []Row{a, b}}, Options{})
	if runtime.GOOS == "windows" {
		if len(errs) != 1 || errs[0].Field != "Record" {
			t.Errorf("Windows: paths differing in case must conflict: %v", errs)
		}
	} else if len(errs) != 0 || len(rows) != 2 {
		t.Errorf("paths differing in case are different files here: %v", errs)
	}
}

func TestRowError(t *testing.T) {
	for _, c := range []struct {
		e    RowError
		want string
	}{
		{RowError{N: 3, Line: 4, Field: "Offset", Msg: "not a multiple of 48"}, "row 3 (line 4): field Offset: not a multiple of 48"},
		{RowError{N: 3, Field: "Path", Msg: "missing"}, "row 3: field Path: missing"},
		{RowError{N: 1, Line: 2, Msg: "bad"}, "row 1 (line 2): bad"},
	} {
		if got := c.e.Error(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}

// Read and Validate together name the row and line of a bad CSV value.
func TestReadValidateCSV(t *testing.T) {
	in := "#TYPE System.Management.Automation.PSCustomObject\r\n\"Action\",\"Path\",\"Size\",\"Offset\"\r\n\"RemoveEntry\",\"" + osPath(box+"/Resync.cfg") + "\",\"480\",\"12.5\"\r\n"
	p, err := Read(strings.NewReader(in), "plan.csv")
	if err != nil {
		t.Fatal(err)
	}
	_, errs := Validate(p, Options{})
	if len(errs) == 0 || errs[0].Error() != "row 1 (line 3): field Offset: not an integer: \"12.5\"" {
		t.Errorf("errors %q", errs)
	}
}

func TestASCIIMangled(t *testing.T) {
	for _, c := range []struct {
		path string
		want bool
	}{
		{`D:\SMS\Site.srv\Resync.cfg`, false},
		{`\\?\D:\SMS\Resync.cfg`, false},
		{`//?/D:/SMS/Resync.cfg`, false},
		{`\\?\UNC\sms01\SMS_ABC\Resync.cfg`, false},
		{`\\.\D:\SMS\Resync.cfg`, false},
		{`D:\Donn?es\Resync.cfg`, true},
		{`\\?\D:\Donn?es\Resync.cfg`, true},
		{`\\?\?\Resync.cfg`, true},
		{`\/?/D:\x`, true}, // not a prefix
		{`/srv/sms/?`, true},
		{`?`, true},
	} {
		if got := asciiMangled(c.path); got != c.want {
			t.Errorf("asciiMangled(%q) = %v, want %v", c.path, got, c.want)
		}
	}
}

func TestMisread(t *testing.T) {
	within := []string{osPath("/srv/sms/Données"), osPath("/srv/Ελλάδα")}
	for _, c := range []struct {
		path, want string // want: the path read back, "" for no hint
	}{
		{osPath("/srv/sms/DonnÃ©es/Resync.cfg"), osPath("/srv/sms/Données/Resync.cfg")}, // Windows 1252
		{osPath("/srv/sms/Donn├®es/Resync.cfg"), osPath("/srv/sms/Données/Resync.cfg")}, // 850
		{osPath("/srv/sms/Donn├⌐es/Resync.cfg"), osPath("/srv/sms/Données/Resync.cfg")}, // 437
		{osPath("/srv/Î•Î»Î»Î¬Î´Î±/Resync.cfg"), osPath("/srv/Ελλάδα/Resync.cfg")},      // Windows 1252
		{osPath("/srv/sms/Données/Resync.cfg"), ""},                                     // inside: no hint asked, none found
		{osPath("/srv/sms/Donnees/Resync.cfg"), ""},                                     // ASCII: nothing to read back
		{osPath("/srv/sms/DonnÃ©es2/Resync.cfg"), ""},                                   // read back, still outside
		{osPath("/srv/sms/Donn€es/Resync.cfg"), ""},                                     // not valid UTF-8 read back
		{osPath("/srv/sms/Donn\u4e2des/Resync.cfg"), ""},                                // in no code page
	} {
		hint := MisreadHint(c.path, within)
		if c.want == "" {
			if hint != "" {
				t.Errorf("MisreadHint(%q) = %q, want none", c.path, hint)
			}
			continue
		}
		if !strings.HasPrefix(hint, "; it is "+quote(c.want)+" with its UTF-8 read as ") {
			t.Errorf("MisreadHint(%q) = %q, want it to name %q", c.path, hint, c.want)
		}
	}
}
