package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/dumpsync/dumpsync/internal/exitcode"
)

// windowsArgs rewrites what Windows users type by habit into the grammar's
// spelling, before kong sees it (kong would read "-WhatIf" as the short
// flags -W -h ...):
//
//	/?  -?                  --help
//	help [COMMAND]          [COMMAND] --help
//	version                 --version
//	-WhatIf (any case)      --what-if      (-WhatIf:False is dropped)
//	-Confirm                --confirm      (-Confirm:True too)
//	-Confirm:False          --yes          (PowerShell hands -Confirm:$false over as -Confirm:False)
//
// Any other "-Name" that is a long flag given PowerShell's way (-Days,
// -Within, any case) is a usage error whose hint names the real flag. Nothing
// after "--" is touched.
func windowsArgs(args []string, longFlags map[string]string) ([]string, error) {
	out := make([]string, 0, len(args)+1)
	positional := 0
	help := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			out = append(out, args[i:]...)
			break
		}
		name, value, hasValue := strings.Cut(a, ":")
		switch {
		case a == "/?" || a == "-?":
			out = append(out, "--help")
			continue
		case positional == 0 && strings.EqualFold(a, "help"):
			help = true
			positional++ // "help dump": dump is the command, not a PATH
			continue
		case positional == 0 && strings.EqualFold(a, "version"):
			out = append(out, "--version")
			continue
		case strings.EqualFold(name, "-whatif"):
			if !hasValue || psTrue(value) {
				out = append(out, "--what-if")
			} else if !psFalse(value) {
				return nil, exitcode.Usagef("%s: want -WhatIf, -WhatIf:$true or -WhatIf:$false", a)
			}
			continue
		case strings.EqualFold(name, "-confirm"):
			switch {
			case !hasValue || psTrue(value):
				out = append(out, "--confirm")
			case psFalse(value):
				out = append(out, "--yes")
			default:
				return nil, exitcode.Usagef("%s: want -Confirm, -Confirm:$true or -Confirm:$false", a)
			}
			continue
		case psStyle(name):
			if real, ok := longFlags[flagKey(name)]; ok {
				return nil, &exitcode.Error{Code: exitcode.Usage,
					Err:  fmt.Errorf("unknown flag %s", a),
					Hint: fmt.Sprintf("did you mean %s?", real)}
			}
		case !strings.HasPrefix(a, "-"):
			positional++
		case flagsWithValue[a]:
			out = append(out, a)
			if i+1 < len(args) {
				i++
				out = append(out, args[i])
			}
			continue
		}
		out = append(out, a)
	}
	if help {
		out = append(out, "--help")
	}
	return out, nil
}

// psStyle reports whether a is one dash and a word of two letters or more,
// the way PowerShell spells parameters (-Days, -BackupDir).
func psStyle(a string) bool {
	if len(a) < 3 || a[0] != '-' || a[1] == '-' {
		return false
	}
	for _, c := range a[1:] {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
			return false
		}
	}
	return true
}

// flagKey folds a flag's name for comparison: "-BackupDir" and
// "--backup-dir" both give "backupdir".
func flagKey(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, "-", ""))
}

func psTrue(v string) bool  { return strings.EqualFold(v, "true") || strings.EqualFold(v, "$true") }
func psFalse(v string) bool { return strings.EqualFold(v, "false") || strings.EqualFold(v, "$false") }

// longFlags maps the folded name of every flag of the grammar (all
// commands, hidden ones too) to its spelling, "--days".
func longFlags(app *kong.Application) map[string]string {
	m := map[string]string{}
	var walk func(n *kong.Node)
	walk = func(n *kong.Node) {
		for _, f := range n.Flags {
			m[flagKey(f.Name)] = "--" + f.Name
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(app.Node)
	return m
}

// versionLine is what --version and 'version' print: the version, the Go
// toolchain that built it, the commit and the platform.
func versionLine() string {
	c := commit
	if bi, ok := debug.ReadBuildInfo(); ok && c == "" {
		for _, kv := range bi.Settings {
			if kv.Key == "vcs.revision" {
				c = kv.Value
			}
		}
	}
	if c == "" {
		c = "unknown"
	}
	return fmt.Sprintf("dumpsync %s (%s, commit %s, %s/%s)", versionString(), runtime.Version(), c, runtime.GOOS, runtime.GOARCH)
}
