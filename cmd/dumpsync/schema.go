package main

import (
	"github.com/dumpsync/dumpsync/internal/exitcode"
	"github.com/dumpsync/dumpsync/internal/output"
	"github.com/dumpsync/dumpsync/internal/report"
	"github.com/dumpsync/dumpsync/internal/schema"
)

// SchemaCmd is `dumpsync schema`.
type SchemaCmd struct {
	Kind  string `arg:"" name:"KIND" enum:"entry,plan,result,finding,undo,stats" help:"The record kind: entry (dump), plan (plan), result (apply), finding (check), undo (apply's undo file) or stats (stats)."`
	Array bool   `help:"Print the schema of a whole -f json output (an array of records) instead of one record."`
}

// Help is shown by 'dumpsync schema --help'.
func (c *SchemaCmd) Help() string {
	return `Prints the JSON Schema (draft 2020-12) of one record of the given kind, as indented JSON
(--format does not apply; --out and --encoding do). Every property is described, all are
required (a field that does not apply is null) except entry's Extra, which only --raw adds,
and no other property is allowed. -f json writes an array of such records and -f jsonl one
per line: validate each element, or validate the whole array against 'schema KIND --array'.

Examples:
  dumpsync schema plan --out plan.schema.json
  dumpsync schema plan --array --out plans.schema.json
  # PowerShell 7.4+: check each exported row before applying
  $schema = dumpsync schema plan | Out-String
  (Get-Content plan.json -Raw | ConvertFrom-Json) | ForEach-Object { $_ | ConvertTo-Json -Compress | Test-Json -Schema $schema }`
}

// Run prints the schema.
func (c *SchemaCmd) Run(g *Globals, s *Streams, rep *report.Reporter) error {
	k, err := schema.Lookup(c.Kind)
	if err != nil {
		return exitcode.UsageErr(err)
	}
	b, err := k.JSON(c.Array)
	if err != nil {
		return err
	}
	sink, err := output.OpenSink(s.Out, g.Out, output.Encoding(g.Encoding))
	if err != nil {
		return exitcode.UsageErr(err)
	}
	if _, err := sink.Write(b); err != nil {
		sink.Abort()
		return err
	}
	if err := sink.Commit(); err != nil {
		return err
	}
	what := "one record"
	if c.Array {
		what = "an array of records"
	}
	rep.Summary("schema", "%s: %s with %d properties", k.Name, what, k.Record().Properties.Len())
	return nil
}
