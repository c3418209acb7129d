package planread

// validateLegacy is Validate as it was before it was made fast: string keys,
// a map per row. The tests compare the two.

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/dumpsync/dumpsync/internal/paths"
	"github.com/dumpsync/dumpsync/internal/record"
)

func validateLegacy(p *Plan, opt Options) (rows []Row, errs []RowError) {
	seenTarget := map[string]int{} // target key -> index in rows
	seenGuard := map[string]int{}  // kind+path -> index in rows
	for _, r := range p.Rows {
		var rowErrs []RowError
		add := func(field, format string, args ...any) {
			rowErrs = append(rowErrs, RowError{N: r.N, Line: r.Line, Field: field, Msg: fmt.Sprintf(format, args...)})
		}
		checkRowLegacy(&r, opt, add)

		dup := false
		if kind := legacyActionKind(r.Action); kind != "" && r.Path != "" {
			pk := kind + "\x00" + pathKey(r.Path)
			tk := pk
			if isEntry(r.Action) && r.Offset != nil {
				tk += fmt.Sprintf("\x00%d", *r.Offset)
			}
			if i, ok := seenTarget[tk]; ok {
				if f := differingField(&rows[i], &r); f == "" {
					dup = true
				} else {
					add(f, "conflicts with row %d: same %s, different %s", rows[i].N, targetName(&r), f)
				}
			} else if i, ok := seenGuard[pk]; ok && !sameGuard(&rows[i], &r) {
				add(guardField(&rows[i], &r), "conflicts with row %d: same Path, different guard (Size %s, Sha256 %s there; %s, %s here)",
					rows[i].N, intText(rows[i].Size), strText(rows[i].Sha256), intText(r.Size), strText(r.Sha256))
			}
			if !dup {
				if _, ok := seenTarget[tk]; !ok {
					seenTarget[tk] = len(rows)
				}
				if _, ok := seenGuard[pk]; !ok {
					seenGuard[pk] = len(rows)
				}
			}
		}
		errs = append(errs, rowErrs...)
		if !dup {
			rows = append(rows, r)
		}
	}
	return rows, errs
}

func checkRowLegacy(r *Row, opt Options, add func(field, format string, args ...any)) {
	bad := map[string]bool{}
	for _, b := range r.bad {
		bad[b.Field] = true
		add(b.Field, "%s", b.Msg)
	}
	// required reports a missing field unless it was already reported as bad.
	required := func(name string, present bool) bool {
		if !present && !bad[name] {
			add(name, "missing (required for %s)", r.Action)
		}
		return present
	}

	switch r.Action {
	case RemoveEntry, DeleteFile, RestoreEntry, RestoreFile:
	case "":
		if !bad["Action"] {
			add("Action", "missing")
		}
		return
	default:
		add("Action", "unknown action %q (want %s, %s, %s or %s)", clip(r.Action), RemoveEntry, DeleteFile, RestoreEntry, RestoreFile)
		return
	}

	pathOK := false
	if required("Path", r.Path != "") {
		switch {
		case asciiMangled(r.Path):
			add("Path", "%q %s", r.Path, asciiMangledMsg)
		case !paths.IsCleanAbs(r.Path):
			add("Path", "%q is not a clean absolute path (no . or .. elements, doubled or trailing separators)", r.Path)
		case len(opt.Within) > 0 && !paths.WithinAny(r.Path, opt.Within):
			add("Path", "%q is outside --within %s%s", r.Path, strings.Join(opt.Within, ", "), MisreadHint(r.Path, opt.Within))
		default:
			pathOK = true
		}
	}
	base := baseName(r.Path)

	if isEntry(r.Action) {
		if pathOK && !strings.EqualFold(base, resyncName) {
			add("Path", "%s must name a %s file, not %q", r.Action, resyncName, base)
		}
		if required("Record", r.Record != nil) {
			if _, err := record.ParseHex(*r.Record); err != nil {
				add("Record", "%v", err)
			}
		}
		if required("Offset", r.Offset != nil) {
			switch {
			case *r.Offset < 0:
				add("Offset", "negative (%d)", *r.Offset)
			case *r.Offset%record.Size != 0:
				add("Offset", "%d is not a multiple of %d", *r.Offset, record.Size)
			}
		}
	} else {
		if pathOK {
			if !strings.EqualFold(base, r.SmsId+".cfg") {
				add("Path", "%s must name the file <SmsId>.cfg (%s.cfg), not %q", r.Action, r.SmsId, base)
			}
			if parent := baseName(filepath.Dir(r.Path)); !strings.EqualFold(parent, boxName) {
				add("Path", "%s must name a file in a folder named %s, not %q", r.Action, boxName, parent)
			}
		}
		if required("SmsId", r.SmsId != "") && !record.ValidSMSID(r.SmsId) {
			add("SmsId", "%q is not a valid SMSID (1 to %d letters and digits)", clip(r.SmsId), record.MaxIDLen)
		}
	}

	sizeOK := false
	if required("Size", r.Size != nil) {
		if *r.Size < 0 {
			add("Size", "negative (%d)", *r.Size)
		} else {
			sizeOK = true
		}
	}
	if required("Sha256", r.Sha256 != nil) && !isHex(*r.Sha256, sha256.Size) {
		add("Sha256", "must be %d hex characters, got %q", 2*sha256.Size, clip(*r.Sha256))
	}

	switch r.Action {
	case RemoveEntry:
		// The record must lie inside the file the guard describes.
		if sizeOK && r.Offset != nil && *r.Offset >= 0 && *r.Offset > *r.Size-record.Size {
			add("Offset", "the record at %d does not fit in Size %d (Offset+%d > Size)", *r.Offset, *r.Size, record.Size)
		}
	case RestoreEntry:
		// The guard is the file as apply left it, after all its removals, so
		// an original Offset may lie beyond Size: several records removed
		// from the end go back one after another. Nothing to check here.
	case DeleteFile:
		required("Cutoff", r.Cutoff != nil)
	case RestoreFile:
		if required("Content", r.Content != nil) {
			data, err := base64.StdEncoding.DecodeString(*r.Content)
			switch {
			case err != nil:
				add("Content", "not valid base64: %v", err)
			case sizeOK && int64(len(data)) != *r.Size:
				add("Content", "decodes to %d bytes, Size is %d", len(data), *r.Size)
			case r.Sha256 != nil && isHex(*r.Sha256, sha256.Size):
				if sum := sha256.Sum256(data); !strings.EqualFold(hex.EncodeToString(sum[:]), *r.Sha256) {
					add("Content", "SHA-256 of the decoded content is %x, Sha256 is %s", sum, *r.Sha256)
				}
			}
		}
	}
}

func legacyActionKind(action string) string {
	for _, a := range actions {
		if a == action {
			return a
		}
	}
	return ""
}
