package main

import (
	"os"
	"strconv"

	"github.com/rogpeppe/go-internal/testscript"
)

// ftype FILE link|fifo|chardev|socket|dir|file
//
// checks the type of FILE itself (not following a link).
func cmdFtype(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: ftype FILE link|fifo|chardev|socket|dir|file")
	}
	fi, err := os.Lstat(ts.MkAbs(args[0]))
	ts.Check(err)
	m := fi.Mode()
	got := "file"
	switch {
	case m&os.ModeSymlink != 0:
		got = "link"
	case m&os.ModeNamedPipe != 0:
		got = "fifo"
	case m&os.ModeCharDevice != 0:
		got = "chardev"
	case m&os.ModeSocket != 0:
		got = "socket"
	case m.IsDir():
		got = "dir"
	case !m.IsRegular():
		got = m.Type().String()
	}
	if got != args[1] {
		ts.Fatalf("%s is a %s, want %s", args[0], got, args[1])
	}
}

// mode FILE OCTAL
//
// checks FILE's permission bits.
func cmdMode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: mode FILE OCTAL")
	}
	want, err := strconv.ParseUint(args[1], 8, 32)
	ts.Check(err)
	fi, err := os.Stat(ts.MkAbs(args[0]))
	ts.Check(err)
	if got := fi.Mode().Perm(); got != os.FileMode(want) {
		ts.Fatalf("%s has mode %#o, want %#o", args[0], got, want)
	}
}
