// Package planread reads and checks the plan files that dumpsync apply and
// dumpsync check --plan are given: plans exported by dumpsync plan as JSON,
// JSON Lines or CSV, after any round trip through Windows PowerShell 5.1 or
// PowerShell 7 (see POWERSHELL.md), and dumpsync's own undo files.
//
// Read detects the encoding (UTF-8 with or without BOM, UTF-16 with BOM) and
// the format (JSON when the first non-space character is [ or {, else CSV)
// from the content alone, never from the file name. It accepts one JSON array,
// one bare object, the 5.1 {"value":[...],"Count":N} wrapper, or objects one
// after another (JSON Lines), and CSV with , or ; and optional #TYPE lines.
// Field names match case-insensitively and unknown fields are ignored.
// Integer fields may be JSON numbers or strings holding a decimal integer,
// optionally surrounded by spaces or tabs (what Import-Csv and hand edits
// produce); a fraction, an exponent or a + sign is not an integer. An empty
// string or null is null, for every field, so that JSON and CSV agree. A null
// array element or JSON Lines value (PowerShell's $null for a blank line) is
// skipped and not counted in Row.N. Read stops only at input it cannot
// parse at all, or cannot read unambiguously: a key given twice in one row
// (in any case, as PowerShell's ConvertFrom-Json and Import-Csv refuse it),
// and an input that looks like something else (another dumpsync export, a
// Resync.cfg, UTF-32), which it names. A bad value in one field is kept with
// the row and reported by Validate, so dumpsync check can list every problem
// at once.
//
// Stream is the reader underneath Read: it returns the rows one at a time
// and holds only a small window of the input (one row, or one CSV record, at
// a time), so that a caller can check a plan of any size in constant memory.
// There is one reader for every shape and encoding. It is written by hand,
// without unsafe, and a differential fuzz test holds it to encoding/json on
// what is JSON and to the reader it replaced on what every input means.
//
// Validate applies the rules apply relies on (clean absolute paths, record
// offsets, the size and SHA-256 guard, --within roots, conflicting rows) and
// collapses identical duplicates.
//
// The package does not touch the files a plan names: whether a guard still
// matches the disk is for package apply to find out. It does not write plans
// either; that is package output.
package planread
