package main

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/dumpsync/dumpsync/internal/check"
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
	eachFlag(app, func(f *kong.Flag) { m[flagKey(f.Name)] = "--" + f.Name })
	return m
}

// eachFlag calls fn for every flag of the grammar, all commands, hidden
// ones too.
func eachFlag(app *kong.Application, fn func(*kong.Flag)) {
	var walk func(n *kong.Node)
	walk = func(n *kong.Node) {
		for _, f := range n.Flags {
			fn(f)
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(app.Node)
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

// numericFlags are the flags (all commands) whose value is a whole number:
// "--days", "--max-entries", ...
func numericFlags(app *kong.Application) map[string]bool {
	limit := reflect.TypeOf(check.Limit{})
	m := map[string]bool{}
	eachFlag(app, func(f *kong.Flag) {
		switch t := f.Target.Type(); t.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			m["--"+f.Name] = true
		default:
			if t == limit {
				m["--"+f.Name] = true
			}
		}
	})
	return m
}

// negativeNumbers joins a negative number to the numeric flag before it
// ("--days -5" becomes "--days=-5"): kong reads "-5" as short flags and says
// 'expected int value but got "-5" (short flag)'; joined, the flag's own
// check says what is wrong, as it does for "--days=-5". Nothing after "--"
// is touched.
func negativeNumbers(args []string, numeric map[string]bool) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...)
		}
		if numeric[a] && i+1 < len(args) && isNegativeNumber(args[i+1]) {
			out = append(out, a+"="+args[i+1])
			i++
			continue
		}
		out = append(out, a)
	}
	return out
}

func isNegativeNumber(s string) bool {
	if len(s) < 2 || s[0] != '-' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// daysHint is the hint for a plan without --days whose arguments hold a
// whole number that is not a folder: 'dumpsync plan 90' is the original
// syntax's 'dumpsync 90' in the new one. "" when it does not apply.
func daysHint(args []string, app *kong.Application) string {
	valued := map[string]bool{} // the flags whose next argument is their value
	eachFlag(app, func(f *kong.Flag) {
		if !f.IsBool() && !f.IsCounter() {
			valued["--"+f.Name] = true
			if f.Short != 0 {
				valued["-"+string(f.Short)] = true
			}
		}
	})
	var words []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			words = append(words, args[i+1:]...)
			i = len(args)
		case a == "--days" || strings.HasPrefix(a, "--days="):
			return ""
		case valued[a]:
			i++
		case !strings.HasPrefix(a, "-") || a == "-":
			words = append(words, a)
		}
	}
	if len(words) < 2 || words[0] != "plan" {
		return ""
	}
	for _, w := range words[1:] {
		if _, err := strconv.ParseUint(w, 10, 31); err != nil {
			continue
		}
		if _, err := os.Stat(w); err == nil {
			continue // a folder named 90 is a DOMAIN
		}
		return fmt.Sprintf("the days are given with --days: dumpsync plan --days %s ...", w)
	}
	return ""
}

// decimalInts reads every whole-number flag in base 10, as people write
// numbers and as the original syntax reads its days: kong's own reading
// (strconv's base 0) takes "--days 030" as octal, 24 days, so a
// zero-padded number would plan removing requests newer than asked, and
// "0x10" or "1_000" would pass. A leading zero is now just a zero; any
// other spelling is refused.
func decimalInts() kong.Option {
	mapper := kong.MapperFunc(func(ctx *kong.DecodeContext, target reflect.Value) error {
		t, err := ctx.Scan.PopValue("number")
		if err != nil {
			return err
		}
		s := fmt.Sprint(t.Value) // a default or an environment value may be typed already
		n, err := strconv.ParseInt(s, 10, target.Type().Bits())
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return fmt.Errorf("%q is too large", s)
			}
			return fmt.Errorf("%q is not a whole number", s)
		}
		target.SetInt(n)
		return nil
	})
	return kong.OptionFunc(func(k *kong.Kong) error {
		for _, kind := range []reflect.Kind{reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64} {
			if err := kong.KindMapper(kind, mapper).Apply(k); err != nil {
				return err
			}
		}
		return nil
	})
}

// trailingFlag is the error for a command line that ends with a flag that
// takes a value ("dumpsync check --plan"), which kong words as 'expected
// string value but got "EOL" (<EOL>)'; nil otherwise. Nothing after "--"
// counts, and the completion scripts' hidden command, whose words end
// anywhere, is not one.
func trailingFlag(args []string, app *kong.Application) error {
	if len(args) == 0 || args[0] == "__complete" || slices.Contains(args, "--") {
		return nil
	}
	last := args[len(args)-1]
	if !strings.HasPrefix(last, "-") || strings.Contains(last, "=") {
		return nil
	}
	// spelled is the first flag of that name that takes a value; if any
	// flag of the name (in another command) takes none, kong decides.
	var spelled string
	noValue := false
	eachFlag(app, func(f *kong.Flag) {
		switch {
		case last != "--"+f.Name && (f.Short == 0 || last != "-"+string(f.Short)):
		case f.IsBool() || f.IsCounter():
			noValue = true
		case spelled == "":
			ph := cmp.Or(f.PlaceHolder, "VALUE")
			spelled = "--" + f.Name + "=" + ph
		}
	})
	if noValue || spelled == "" {
		return nil
	}
	return fmt.Errorf("%s: missing value at the end of the command line (%s)", last, spelled)
}
