//go:build !windows

package main

import (
	"os"
	"path/filepath"
	"syscall"

	"github.com/rogpeppe/go-internal/testscript"
)

// mknull FILE
//
// makes FILE a character device like /dev/null (1,3). Guard it with the
// [mknod] condition.
func cmdMknull(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: mknull FILE")
	}
	ts.Check(syscall.Mknod(ts.MkAbs(args[0]), syscall.S_IFCHR|0o666, 1<<8|3))
}

// canMknod is the [mknod] condition: device nodes can be made here (root
// with CAP_MKNOD).
func canMknod() bool {
	dir, err := os.MkdirTemp("", "mknod")
	if err != nil {
		return false
	}
	defer os.RemoveAll(dir)
	return syscall.Mknod(filepath.Join(dir, "null"), syscall.S_IFCHR|0o666, 1<<8|3) == nil
}
