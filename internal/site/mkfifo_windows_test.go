package site

import "testing"

// mkfifo is never called on Windows, which has no FIFOs in folders.
func mkfifo(t *testing.T, _ string) { t.Fatal("no FIFOs on Windows") }
