package safefs

import "testing"

func mkfifo(t *testing.T, p string) { t.Skip("no FIFOs on Windows") }

func mknull(t *testing.T, p string) { t.Skip("no device files on Windows") }
