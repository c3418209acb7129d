package planread

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/dumpsync/dumpsync/internal/paths"
)

// misreadCodePages are the code pages PowerShell may have read a UTF-8 plan
// with: Windows PowerShell 5.1 reads a file without a BOM in the ANSI code
// page (Import-Csv, Get-Content), and every PowerShell reads a program's
// output in the console's OEM code page. Each é of D:\Données then comes
// back as two or three characters (DonnÃ©es, Donn├®es), which a later
// export writes faithfully as UTF-8.
var misreadCodePages = []struct {
	cm  *charmap.Charmap
	how string
}{
	{charmap.Windows1252, "ANSI"},
	{charmap.Windows1250, "ANSI"},
	{charmap.Windows1251, "ANSI"},
	{charmap.CodePage850, "the console's OEM code page"},
	{charmap.CodePage437, "the console's OEM code page"},
	{charmap.CodePage852, "the console's OEM code page"},
	{charmap.CodePage866, "the console's OEM code page"},
}

// misread returns path as it was before its UTF-8 was read in cm: path's
// characters encoded in cm, when they all are in cm, make valid UTF-8 and
// hold a character that is not ASCII. Otherwise ok is false.
func misread(path string, cm *charmap.Charmap) (orig string, ok bool) {
	b := make([]byte, 0, len(path))
	high := false
	for _, r := range path {
		c, ok := cm.EncodeRune(r)
		if !ok {
			return "", false
		}
		high = high || c >= utf8.RuneSelf
		b = append(b, c)
	}
	if !high || !utf8.Valid(b) {
		return "", false
	}
	return string(b), true
}

// MisreadHint explains a Path outside the roots (apply's --within, check's
// --allow-root) that is inside one once its UTF-8 is read back from a code
// page PowerShell may have read it with ("; it is ..."), or returns "".
func MisreadHint(path string, roots []string) string {
	for _, p := range misreadCodePages {
		orig, ok := misread(path, p.cm)
		if !ok || !paths.WithinAny(orig, roots) {
			continue
		}
		hint := "; it is " + strconv.Quote(orig) + " with its UTF-8 read as " + p.cm.String() + " (" + p.how + "): "
		if strings.HasPrefix(p.how, "ANSI") {
			return hint + "Windows PowerShell 5.1 reads a file without a BOM as ANSI (Import-Csv, Get-Content); " +
				"read the plan with -Encoding UTF8, or make it with --encoding utf8bom"
		}
		return hint + "PowerShell reads a program's output in the console's code page; " +
			"write the plan with --out FILE and read the file with -Encoding UTF8"
	}
	return ""
}
