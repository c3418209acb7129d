package main

import (
	"reflect"

	"github.com/alecthomas/kong"

	"github.com/dumpsync/dumpsync/internal/exitcode"
)

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
	for _, p := range ctx.Path {
		var name string
		var v reflect.Value
		switch {
		case p.Flag != nil:
			name, v = "--"+p.Flag.Name, p.Flag.Target
		case p.Positional != nil:
			name, v = p.Positional.Name, p.Positional.Target
		default:
			continue
		}
		if hasEmpty(v) {
			what := "value"
			if p.Positional != nil {
				what = "argument"
			}
			return exitcode.Usagef("%s: empty %s (an unset variable?); nothing was done", name, what)
		}
	}
	return nil
}

// hasEmpty reports whether v is an empty string, or a slice of strings
// holding one.
func hasEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		return v.Len() == 0
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.String {
			return false
		}
		for i := 0; i < v.Len(); i++ {
			if v.Index(i).Len() == 0 {
				return true
			}
		}
	}
	return false
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
