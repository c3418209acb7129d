package safefs

import "golang.org/x/sys/unix"

// dirFlags opens folders for walking only: O_PATH needs no read permission.
const dirFlags = unix.O_PATH
