package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The PowerShell module exports exactly the functions README documents, and
// each is defined in the .psm1 (no PowerShell runs here to load it).
func TestPowerShellModuleExports(t *testing.T) {
	psd1, err := os.ReadFile("../../scripts/DumpSync/DumpSync.psd1")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)FunctionsToExport\s*=\s*@\((.*?)\)`).FindSubmatch(psd1)
	if m == nil {
		t.Fatal("DumpSync.psd1 has no FunctionsToExport = @(...)")
	}
	var exported []string
	for _, q := range regexp.MustCompile(`'([^']+)'`).FindAllSubmatch(m[1], -1) {
		exported = append(exported, string(q[1]))
	}
	psm1, err := os.ReadFile("../../scripts/DumpSync/DumpSync.psm1")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range exported {
		if !regexp.MustCompile(`(?m)^function ` + regexp.QuoteMeta(f) + ` \{`).Match(psm1) {
			t.Errorf("%s is exported but not defined in DumpSync.psm1", f)
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(readme), "### The DumpSync module")
	section, _, _ = strings.Cut(section, "\n## ")
	var documented []string
	for _, d := range regexp.MustCompile("(?m)^- `([A-Z][a-z]+-DumpSync[A-Za-z]*)`").FindAllStringSubmatch(section, -1) {
		documented = append(documented, d[1])
	}
	slices.Sort(exported)
	slices.Sort(documented)
	if len(exported) == 0 || !slices.Equal(exported, documented) {
		t.Errorf("DumpSync.psd1 exports %v, README documents %v", exported, documented)
	}
}
