package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/alecthomas/kong"

	"github.com/dumpsync/dumpsync/internal/exitcode"
	"github.com/dumpsync/dumpsync/internal/interrupt"
	"github.com/dumpsync/dumpsync/internal/output"
)

const description = `Clean SMS 1.2 Resync.cfg files and the Invencfg.box files of clients that no longer need them.

Plan first, apply second: 'dumpsync plan' writes every intended change as a record (JSON, CSV, ...)
that you can review and filter in PowerShell; 'dumpsync apply' carries out exactly those rows, safely.
The original syntax 'dumpsync [days] [/Dump]' works too.

Examples:
  dumpsync dump                                   # list the Resync.cfg of the current folder
  dumpsync dump Domain.* -f csv --out resync.csv  # every domain folder matching Domain.*, as CSV
  dumpsync /Dump                                  # the original syntax: the current folder as a table

Exit codes: 0 success; 1 done, but something needs attention (see stderr); 2 usage error or bad input, nothing changed; 130 interrupted (Ctrl-C).`

// CLI is the kong grammar.
type CLI struct {
	Globals

	Dump       DumpCmd       `cmd:"" help:"List the entries of Resync.cfg files."`
	Plan       PlanCmd       `cmd:"" help:"Decide what is stale across a site and its logon servers; write the plan as records."`
	Apply      ApplyCmd      `cmd:"" help:"Carry out a (filtered) plan safely, with results and an undo file."`
	Check      CheckCmd      `cmd:"" help:"Check Resync.cfg files and their Invencfg.box, or gate a plan export (--plan); one record per finding."`
	Recover    RecoverCmd    `cmd:"" help:"Carry over the records an interrupted apply left in a recovery file beside a Resync.cfg."`
	Stats      StatsCmd      `cmd:"" help:"Count the entries of Resync.cfg files by age, one record per file, to choose plan's --days."`
	Schema     SchemaCmd     `cmd:"" help:"Print the JSON Schema of a record kind: entry, plan, result, finding, undo or stats."`
	Completion CompletionCmd `cmd:"" help:"Print a completion script for powershell, bash, zsh or fish."`
	Complete   CompleteCmd   `cmd:"" name:"__complete" hidden:"" passthrough:"" help:"Completion candidates for the words given (the completion scripts call it)."`
	Legacy     LegacyCmd     `cmd:"" hidden:"" help:"The original syntax: dumpsync [days] [/Dump]."`
}

// Globals are the flags every command takes.
type Globals struct {
	Format   formatFlag       `short:"f" default:"auto" help:"Output format: auto (table on a terminal, else json; with --out, from the file's extension), json, jsonl, csv or table."`
	Out      string           `placeholder:"FILE" help:"Write the records to FILE (atomically) instead of stdout (- is stdout)."`
	Encoding encodingFlag     `default:"utf8" help:"Character encoding of what is written: utf8 (no BOM), utf8bom or utf16le."`
	Wide     bool             `help:"Tables: show every field at full width, not the narrow view (json, jsonl and csv always carry every field)."`
	Now      string           `placeholder:"TIME" help:"Use TIME (RFC 3339, e.g. 2026-11-01T00:00:00Z) as the current time, for reproducible output."`
	Quiet    bool             `short:"q" help:"Write no summary line at the end (errors and warnings are still written)."`
	Version  kong.VersionFlag `help:"Print the version, the Go version and the commit, and exit."`
}

// clock returns "now": --now when given, else the real clock.
func (g *Globals) clock(now Clock) (time.Time, error) {
	if g.Now == "" {
		return now(), nil
	}
	t, err := time.Parse(time.RFC3339, g.Now)
	if err != nil {
		return time.Time{}, exitcode.Usagef("--now: %q is not an RFC 3339 time (like 2026-11-01T00:00:00Z)", g.Now)
	}
	return t, nil
}

// records is an open record stream: an encoder over a sink.
type records struct {
	output.Encoder
	sink *output.Sink
	out  string // --out, if any
	// stop, when set (by a read-only command), makes Encode fail with
	// interrupt.ErrInterrupted once the user asks to stop.
	stop       <-chan struct{}
	unregister func()
}

// Encode writes one record, or stops the command if the user asked to.
func (r *records) Encode(rec any) error {
	if r.stop != nil && interrupt.Requested(r.stop) {
		return interrupt.ErrInterrupted
	}
	return r.Encoder.Encode(rec)
}

// Chunked hands out the encoder's chunked form, for dump's formatting on
// several goroutines.
// Like Encode, each chunk's write stops the command if the user asked to.
func (r *records) Chunked() (output.Chunked, bool) {
	c, ok := output.AsChunked(r.Encoder)
	if !ok {
		return nil, false
	}
	return stoppableChunks{c, r.stop}, true
}

type stoppableChunks struct {
	output.Chunked
	stop <-chan struct{}
}

func (s stoppableChunks) WriteChunk(b []byte, n int) error {
	if s.stop != nil && interrupt.Requested(s.stop) {
		return interrupt.ErrInterrupted
	}
	return s.Chunked.WriteChunk(b, n)
}

// open starts the record output for records shaped like proto. Call it only
// after every usage check, so a usage error writes nothing.
func (g *Globals) open(s *Streams, proto any) (*records, error) {
	return g.openAs(s, proto, output.Format(g.Format))
}

// formatFlag is --format: validated (case-insensitively) as it is parsed.
type formatFlag output.Format

func (f *formatFlag) UnmarshalText(b []byte) error {
	v, err := output.ParseFormat(string(b))
	*f = formatFlag(v)
	return err
}

// encodingFlag is --encoding: validated (case-insensitively) as it is parsed.
type encodingFlag output.Encoding

func (e *encodingFlag) UnmarshalText(b []byte) error {
	v, err := output.ParseEncoding(string(b))
	*e = encodingFlag(v)
	return err
}

func (g *Globals) openAs(s *Streams, proto any, f output.Format) (*records, error) {
	f, err := f.Resolve(g.Out, s.OutTTY)
	if err != nil {
		return nil, exitcode.UsageErr(fmt.Errorf("--out: %w", err))
	}
	sink, err := output.OpenSink(s.Out, g.Out, output.Encoding(g.Encoding))
	if err != nil {
		return nil, exitcode.UsageErr(err)
	}
	enc, err := output.NewEncoder(sink, f, proto, output.Wide(g.Wide))
	if err != nil {
		sink.Abort()
		return nil, err
	}
	// A second Ctrl-C exits at once (unless apply is changing files): the
	// --out temporary file goes with it.
	unregister := interrupt.OnForcedExit(sink.Abort)
	return &records{Encoder: enc, sink: sink, out: g.Out, unregister: unregister}, nil
}

// Close ends the stream; with fail set (the work failed) a --out file is discarded.
//
// An interrupted stream is not ended: a JSON array without its closing
// bracket is recognisably cut short (apply refuses such a plan).
func (r *records) Close(fail error) error {
	r.unregister()
	if errors.Is(fail, interrupt.ErrInterrupted) {
		r.sink.Abort()
		if r.out != "" {
			return fmt.Errorf("%w; %s was not written", fail, r.out)
		}
		return fmt.Errorf("%w; the output is incomplete", fail)
	}
	cerr := r.Encoder.Close()
	if fail != nil {
		r.sink.Abort()
		return fail
	}
	if cerr != nil {
		r.sink.Abort()
		return cerr
	}
	return r.sink.Commit()
}
