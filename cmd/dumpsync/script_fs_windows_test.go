//go:build windows

package main

import "github.com/rogpeppe/go-internal/testscript"

// mknull: device nodes are Unix.
func cmdMknull(ts *testscript.TestScript, neg bool, args []string) {
	ts.Fatalf("mknull: device nodes are Unix")
}

func canMknod() bool { return false }
