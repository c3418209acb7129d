// Command dumpsync cleans SMS 1.2 Resync.cfg files and the matching
// Invencfg.box files, plan first, apply second. See README.md.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/alecthomas/kong"
	"golang.org/x/term"

	"github.com/dumpsync/dumpsync/internal/exitcode"
	"github.com/dumpsync/dumpsync/internal/interrupt"
	"github.com/dumpsync/dumpsync/internal/report"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// commit may be set at build time with -ldflags "-X main.commit=..." (the
// release script does); else the toolchain's VCS stamp is used.
var commit = ""

// versionString is the -ldflags version, else what the Go toolchain recorded:
// the module version of `go install module@version`, or the commit of a build
// from a checkout ("dev+0123abcd4567", "-dirty" when it had local changes).
func versionString() string {
	if version != "dev" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return version
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, dirty string
	for _, kv := range bi.Settings {
		switch kv.Key {
		case "vcs.revision":
			rev = kv.Value
		case "vcs.modified":
			if kv.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if len(rev) >= 12 {
		return "dev+" + rev[:12] + dirty
	}
	return version
}

// Streams are the command's standard streams; commands never touch os.Std*.
type Streams struct {
	In     io.Reader
	Out    io.Writer
	Err    io.Writer
	InTTY  bool // stdin is a terminal
	OutTTY bool // stdout is a terminal
	ErrTTY bool // stderr is a terminal
	// Interrupt is closed when the user asks to stop (Ctrl-C, Ctrl-Break,
	// console close, SIGTERM); nil: never. See package interrupt.
	Interrupt <-chan struct{}
}

// Clock gives "now"; --now replaces it.
type Clock func() time.Time

func main() {
	os.Exit(runInterruptible(os.Args[1:], osStreams(), time.Now))
}

// osStreams are the process's standard streams and whether each is a terminal.
func osStreams() *Streams {
	return &Streams{
		In: os.Stdin, Out: os.Stdout, Err: os.Stderr,
		InTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		OutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		ErrTTY: term.IsTerminal(int(os.Stderr.Fd())),
	}
}

// runInterruptible is run with stop requests caught: commands stop where it
// is safe and exit 130 (see package interrupt).
func runInterruptible(args []string, s *Streams, now Clock) int {
	ch, stop := interrupt.Notify(s.Err)
	defer stop()
	s.Interrupt = ch
	return run(args, s, now)
}

// kongExit carries kong's exit requests (after --help, --version) out of the
// parser, so that nothing after them runs.
type kongExit int

// run parses args, runs the command and returns the exit code. It is the
// only place where errors become exit codes.
func run(args []string, s *Streams, now Clock) (code int) {
	var cli CLI
	rep := report.New(s.Err)
	parser, err := kong.New(&cli,
		kong.Name("dumpsync"),
		kong.Description(description),
		kong.Writers(s.Out, s.Err),
		kong.Exit(func(c int) { panic(kongExit(c)) }),
		kong.Vars{"version": versionLine()},
		kong.Bind(s, &cli.Globals, rep),
		kong.BindTo(now, (*Clock)(nil)),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true, NoExpandSubcommands: true}),
		kong.Help(helpPrinter),
		decimalInts(),
	)
	if err != nil {
		rep.Errorf("internal error: %v", err)
		return exitcode.Usage
	}
	defer func() {
		if r := recover(); r != nil {
			c, ok := r.(kongExit)
			if !ok {
				panic(r)
			}
			code = int(c)
		}
	}()
	args, err = windowsArgs(args, longFlags(parser.Model))
	if err != nil {
		return exitCode(rep, err)
	}
	if err := emptyCommand(args); err != nil {
		rep.Error(err)
		rep.Hint("run 'dumpsync --help' for usage and examples")
		return exitcode.Usage
	}
	if err := trailingFlag(args, parser.Model); err != nil {
		rep.Error(err)
		rep.Hint("run 'dumpsync --help' for usage and examples")
		return exitcode.Usage
	}
	args = negativeNumbers(args, numericFlags(parser.Model))
	ctx, err := parser.Parse(legacyArgs(args))
	if err != nil {
		rep.Error(err)
		if h := daysHint(args, parser.Model); h != "" {
			rep.Hint("%s", h)
		} else {
			rep.Hint("%s", helpHint(err))
		}
		return exitcode.Usage
	}
	if err := emptyArgs(ctx); err != nil {
		rep.Error(err)
		rep.Hint("run 'dumpsync --help' for usage and examples")
		return exitcode.Usage
	}
	if cli.Out == "-" {
		cli.Out = "" // stdout, as PLAN - is stdin
	}
	if err := outGuard(ctx, cli.Out); err != nil {
		return exitCode(rep, err)
	}
	rep.Quiet = cli.Quiet
	return exitCode(rep, ctx.Run())
}

// helpHint points at the help of the command a parse error is about
// ('dumpsync apply' without its PLAN: 'dumpsync apply --help'), or at the
// whole tool's when no command was recognised.
func helpHint(err error) string {
	var pe *kong.ParseError
	if errors.As(err, &pe) && pe.Context != nil {
		if sel := pe.Context.Selected(); sel != nil && !sel.Hidden {
			return fmt.Sprintf("run 'dumpsync %s --help' for usage and examples", sel.Name)
		}
	}
	return "run 'dumpsync --help' for usage and examples"
}

// helpPrinter is kong's, with the original syntax's usage line spelled as
// users type it ('dumpsync 90 --help' is the hidden legacy command's help).
func helpPrinter(options kong.HelpOptions, ctx *kong.Context) error {
	if sel := ctx.Selected(); sel == nil || sel.Name != "legacy" {
		return kong.DefaultHelpPrinter(options, ctx)
	}
	var b bytes.Buffer
	w := ctx.Stdout
	ctx.Stdout = &b
	err := kong.DefaultHelpPrinter(options, ctx)
	ctx.Stdout = w
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, strings.Replace(b.String(), legacyUsage, legacyUsageShown, 1))
	return err
}

// exitCode prints err (if any) as one "dumpsync:" line and returns its code.
func exitCode(rep *report.Reporter, err error) int {
	if err == nil {
		return exitcode.OK
	}
	code := exitcode.Attention
	var ee *exitcode.Error
	if errors.As(err, &ee) {
		code = ee.Code
		if ee.Err == nil {
			return code
		}
	}
	rep.Error(err)
	if ee != nil && ee.Hint != "" {
		rep.Hint("%s", ee.Hint)
	}
	return code
}
