package main

import (
	"reflect"

	"github.com/alecthomas/kong"

	"github.com/dumpsync/dumpsync/internal/exitcode"
)

// givenArg is a flag or positional argument as given on the command line.
type givenArg struct {
	name   string // "--within", "PATH"
	flag   bool
	values []string // its string values: one, or a repeatable flag's each; none for other kinds
}

// givenArgs lists the flags and positional arguments kong parsed, in order.
func givenArgs(ctx *kong.Context) []givenArg {
	var args []givenArg
	for _, p := range ctx.Path {
		switch {
		case p.Flag != nil:
			args = append(args, givenArg{"--" + p.Flag.Name, true, stringValues(p.Flag.Target)})
		case p.Positional != nil:
			args = append(args, givenArg{p.Positional.Name, false, stringValues(p.Positional.Target)})
		}
	}
	return args
}

// stringValues is v's strings: v itself, or a []string's elements.
func stringValues(v reflect.Value) []string {
	switch {
	case v.Kind() == reflect.String:
		return []string{v.String()}
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
		s := make([]string, v.Len())
		for i := range s {
			s[i] = v.Index(i).String()
		}
		return s
	}
	return nil
}

// emptyArgs rejects a flag value or argument given as an empty string.
// PowerShell 7.3 and later pass an unset or empty variable ($dir) to a native
// command as "", where Windows PowerShell 5.1 drops it; without this check
// `--within $dir` would mean the current folder, `--backup-dir $dir` no
// backup and `--now $t` the real clock, each silently. Completion
// (__complete) is exempt: an empty word is how shells ask for candidates.
func emptyArgs(ctx *kong.Context) error {
	if ctx.Selected() != nil && ctx.Selected().Name == "__complete" {
		return nil
	}
	for _, a := range givenArgs(ctx) {
		for _, v := range a.values {
			if v != "" {
				continue
			}
			what := "argument"
			if a.flag {
				what = "value"
			}
			return exitcode.Usagef("%s: empty %s (an unset variable?); nothing was done", a.name, what)
		}
	}
	return nil
}

// emptyCommand rejects an empty string where the command name belongs
// (`dumpsync $cmd ...` with $cmd unset), which kong would report as an
// unexpected argument with no name.
func emptyCommand(args []string) error {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return nil
		case a == "":
			return exitcode.Usagef("empty argument where the command belongs (an unset variable?); nothing was done")
		case flagsWithValue[a]:
			i++
		case a[0] != '-':
			return nil
		}
	}
	return nil
}
