package main

import (
	"fmt"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/dumpsync/dumpsync/internal/complete"
	"github.com/dumpsync/dumpsync/internal/exitcode"
	"github.com/dumpsync/dumpsync/internal/output"
)

// CompletionCmd is `dumpsync completion SHELL`.
type CompletionCmd struct {
	Shell string `arg:"" name:"SHELL" enum:"powershell,bash,zsh,fish" help:"powershell, bash, zsh or fish."`
}

// Help is shown by 'dumpsync completion --help'.
func (c *CompletionCmd) Help() string {
	return `Prints a script that makes the shell complete dumpsync's commands, flags, their values
(--format, --encoding, schema kinds) and file names. The script asks dumpsync itself for the
candidates, so it stays right when dumpsync is updated.

Examples:
  dumpsync completion powershell | Out-String | Invoke-Expression     # add this line to $PROFILE
  eval "$(dumpsync completion bash)"                                  # in ~/.bashrc
  dumpsync completion zsh > "${fpath[1]}/_dumpsync"
  dumpsync completion fish > ~/.config/fish/completions/dumpsync.fish`
}

// Run prints the script.
func (c *CompletionCmd) Run(s *Streams) error {
	b, err := complete.Script(c.Shell)
	if err != nil {
		return exitcode.UsageErr(err)
	}
	_, err = s.Out.Write(b)
	return err
}

// CompleteCmd is the hidden `dumpsync __complete WORD...` the scripts call:
// one candidate per line for the last WORD, ":files" for file names.
type CompleteCmd struct {
	Words []string `arg:"" optional:"" name:"WORD"`
}

// Run prints the candidates.
func (c *CompleteCmd) Run(ctx *kong.Context, s *Streams) error {
	for _, w := range complete.Complete(grammar(ctx.Model.Node), c.Words) {
		fmt.Fprintln(s.Out, w)
	}
	return nil
}

// flagValues are the values of flags whose type validates them (kong knows
// no enum for those): the same lists the parsers accept.
var flagValues = map[string][]string{
	"format":   output.Formats,
	"encoding": output.Encodings,
}

// grammar turns kong's model into the completion tree: visible commands,
// flags (with enum values, or files for FILE and DIR placeholders) and
// positional arguments (enum values, else files).
func grammar(n *kong.Node) *complete.Command {
	c := &complete.Command{Name: n.Name}
	for _, f := range n.Flags {
		if f.Hidden {
			continue
		}
		cf := complete.Flag{Name: f.Name, Short: f.Short, Value: !f.IsBool() && !f.IsCounter()}
		switch {
		case f.Enum != "":
			cf.Values = f.EnumSlice()
		case flagValues[f.Name] != nil:
			cf.Values = flagValues[f.Name]
		case f.PlaceHolder == "FILE" || f.PlaceHolder == "DIR":
			cf.File = true
		}
		c.Flags = append(c.Flags, cf)
	}
	for _, p := range n.Positional {
		if p.Enum != "" {
			c.Args = append(c.Args, p.EnumSlice()...)
		} else {
			c.ArgFiles = true
		}
	}
	for _, ch := range n.Children {
		if ch.Hidden || strings.HasPrefix(ch.Name, "_") {
			continue
		}
		c.Commands = append(c.Commands, grammar(ch))
	}
	return c
}
