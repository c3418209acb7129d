// Package complete answers shell completion requests from a description of
// the command grammar, and holds the completion scripts of each shell. The
// scripts only call `dumpsync __complete WORD...` back, so completion never
// falls out of step with the grammar. It knows nothing of kong: the command
// builds the Command tree from kong's model.
package complete

import (
	"embed"
	"fmt"
	"sort"
	"strings"
)

// Files is the candidate that asks the shell to complete file names.
const Files = ":files"

// Command is one command of the grammar.
type Command struct {
	Name     string
	Flags    []Flag
	Commands []*Command
	// Args are the values of the positional arguments when they are an
	// enum (schema KIND); when nil and ArgFiles is set, file names.
	Args     []string
	ArgFiles bool
}

// Flag is one flag.
type Flag struct {
	Name   string // without --
	Short  rune   // 0: none
	Value  bool   // takes a value
	Values []string
	File   bool // the value is a file or folder
}

// Complete returns the candidates for the last of words (the word being
// completed, possibly empty); words are what follows the program name. A
// word "=" (bash splits --format=json there) joins the flag before it.
func Complete(root *Command, words []string) []string {
	if len(words) == 0 {
		words = []string{""}
	}
	cur := words[len(words)-1]
	if cur == `""` { // Windows PowerShell 5.1 cannot pass an empty argument; the script passes "" instead
		cur = ""
	}
	cmd := root
	flags := root.Flags
	var pending *Flag // a flag whose value is the next word
	for _, w := range words[:len(words)-1] {
		if w == "=" {
			continue
		}
		if pending != nil {
			pending = nil
			continue
		}
		if strings.HasPrefix(w, "-") {
			name, _, hasValue := strings.Cut(w, "=")
			if f := lookup(flags, name); f != nil && f.Value && !hasValue {
				pending = f
			}
			continue
		}
		for _, c := range cmd.Commands {
			if c.Name == w {
				cmd = c
				flags = append(append([]Flag(nil), flags...), c.Flags...)
				break
			}
		}
	}
	var out []string
	switch {
	case pending != nil:
		out = values(pending, cur, "")
	case strings.HasPrefix(cur, "--") && strings.Contains(cur, "="):
		name, v, _ := strings.Cut(cur, "=")
		if f := lookup(flags, name); f != nil {
			out = values(f, v, name+"=")
		}
	case strings.HasPrefix(cur, "-"):
		for _, f := range flags {
			out = append(out, "--"+f.Name)
		}
		sort.Strings(out)
		out = prefixed(out, cur)
	default:
		for _, c := range cmd.Commands {
			out = append(out, c.Name)
		}
		out = append(out, cmd.Args...)
		out = prefixed(out, cur)
		if cmd.ArgFiles {
			out = append(out, Files)
		}
	}
	return out
}

func lookup(flags []Flag, name string) *Flag {
	for i, f := range flags {
		if name == "--"+f.Name || (f.Short != 0 && name == "-"+string(f.Short)) {
			return &flags[i]
		}
	}
	return nil
}

func values(f *Flag, cur, prefix string) []string {
	if f.File {
		return []string{Files}
	}
	var out []string
	for _, v := range prefixed(f.Values, cur) {
		out = append(out, prefix+v)
	}
	return out
}

func prefixed(list []string, prefix string) []string {
	var out []string
	for _, s := range list {
		if strings.HasPrefix(strings.ToLower(s), strings.ToLower(prefix)) {
			out = append(out, s)
		}
	}
	return out
}

//go:embed scripts
var scripts embed.FS

// Shells lists the shells Script knows.
var Shells = []string{"bash", "fish", "powershell", "zsh"}

// Script returns the completion script of a shell.
func Script(shell string) ([]byte, error) {
	ext := map[string]string{"bash": "bash", "zsh": "zsh", "fish": "fish", "powershell": "ps1"}[shell]
	if ext == "" {
		return nil, fmt.Errorf("unknown shell %q (want one of %s)", shell, strings.Join(Shells, ", "))
	}
	return scripts.ReadFile("scripts/dumpsync." + ext)
}
