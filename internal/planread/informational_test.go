package planread

import (
	"strings"
	"testing"
)

// RequestTime, RequestedAt, AgeDays and ModTime are informational: whatever
// form PowerShell left them in, they never make a row invalid.
func TestInformationalFieldsInAnyForm(t *testing.T) {
	for _, v := range []string{`"\/Date(1700000000000)\/"`, `"01.10.2026 14:00:00"`, `"2026-10-01T14:00:00.0000000+02:00"`, `12.5`, `"abc"`} {
		for _, field := range []string{"RequestTime", "ModTime", "AgeDays"} {
			in := `{"Action":"DeleteFile","Path":` + quote(osPath("/srv/d/Invencfg.box/ABC00001.cfg")) + `,"SmsId":"ABC00001","Size":3,` +
				`"Sha256":"` + strings.Repeat("a", 64) + `","Cutoff":5,"` + field + `":` + v + `}`
			p, err := Read(strings.NewReader(in), "plan.json")
			if err != nil {
				t.Fatalf("%s=%s: %v", field, v, err)
			}
			if _, errs := Validate(p, Options{}); len(errs) != 0 {
				t.Errorf("%s=%s: %v", field, v, errs)
			}
		}
	}
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `\`, `\\`) + `"` }
