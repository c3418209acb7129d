package check

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dumpsync/dumpsync/internal/planread"
	"github.com/dumpsync/dumpsync/internal/record"
)

// planFixture makes a domain folder with two records and one .cfg file and
// returns a plan removing the first record and deleting the file.
func planFixture(t *testing.T) (root string, rows []planread.Row) {
	t.Helper()
	root = t.TempDir()
	dom := filepath.Join(root, "Domain.000")
	os.MkdirAll(filepath.Join(dom, "Invencfg.box"), 0o755)
	a, b := record.Make("ABC00001", 1000, nil), record.Make("ABC00002", 2000, nil)
	data := append(append([]byte(nil), a.Raw[:]...), b.Raw[:]...)
	resyncPath := filepath.Join(dom, "Resync.cfg")
	os.WriteFile(resyncPath, data, 0o644)
	cfg := filepath.Join(dom, "Invencfg.box", "ABC00001.cfg")
	os.WriteFile(cfg, []byte("cfg"), 0o644)
	sum := sha256.Sum256(data)
	fsum := sha256.Sum256([]byte("cfg"))
	i64 := func(v int64) *int64 { return &v }
	str := func(v string) *string { return &v }
	rows = []planread.Row{
		{N: 1, Action: planread.RemoveEntry, Path: resyncPath, SmsId: "ABC00001", Offset: i64(0), Record: str(a.Hex()),
			Size: i64(int64(len(data))), Sha256: str(hex.EncodeToString(sum[:])), Cutoff: i64(1500)},
		{N: 2, Action: planread.DeleteFile, Path: cfg, SmsId: "ABC00001", Size: i64(3),
			Sha256: str(hex.EncodeToString(fsum[:])), Cutoff: i64(1500)},
	}
	return root, rows
}

func gate(t *testing.T, rows []planread.Row, opt PlanOptions) (Summary, []string) {
	t.Helper()
	var got []string
	sum, err := Plan(&planread.Plan{Rows: rows, Format: "json"}, opt, func(f *Finding) error {
		got = append(got, f.Severity+" "+f.Code+" "+f.Message)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sum, got
}

func TestPlanGate(t *testing.T) {
	root, rows := planFixture(t)
	limit := func(n int64) Limit { return Limit{N: n, Set: true} }
	tests := []struct {
		name   string
		mutate func(rows []planread.Row) []planread.Row
		opt    PlanOptions
		want   []string // substrings of the findings, in order
		failed bool
	}{
		{"clean plan, no gates", nil, PlanOptions{}, nil, false},
		{"clean plan, all gates pass", nil, PlanOptions{AllowRoots: []string{root}, MaxRemove: limit(1), MaxDelete: limit(1), Verify: true}, nil, false},
		{"outside root", nil, PlanOptions{AllowRoots: []string{filepath.Join(root, "other")}},
			[]string{"Error OutsideRoot row 1: Path is under none of the allowed roots (--allow-root " + filepath.Join(root, "other") + ")",
				"Error OutsideRoot row 2"}, true},
		{"outside root: UTF-8 read as ANSI", func(rows []planread.Row) []planread.Row {
			rows[0].Path = filepath.Join(root, "DonnÃ©es", "Resync.cfg")
			return rows
		}, PlanOptions{AllowRoots: []string{filepath.Join(root, "Données")}},
			[]string{"Error OutsideRoot row 1: Path is under none of the allowed roots (--allow-root " + filepath.Join(root, "Données") + "); it is " +
				strconv.Quote(filepath.Join(root, "Données", "Resync.cfg")) + " with its UTF-8 read as Windows 1252 (ANSI)"}, true},
		{"too many removals", nil, PlanOptions{MaxRemove: limit(0)}, []string{"Error TooManyRemovals the plan removes 1 entry, more than --max-remove 0"}, true},
		{"too many deletions", nil, PlanOptions{MaxDelete: limit(0)}, []string{"Error TooManyDeletions the plan deletes 1 file, more than --max-delete 0"}, true},
		{"invalid row", func(rows []planread.Row) []planread.Row {
			off := int64(47)
			rows[0].Offset = &off
			return rows
		}, PlanOptions{}, []string{"Error InvalidRow row 1", "field Offset"}, true},
		{"stale row with --verify", func(rows []planread.Row) []planread.Row {
			sum := strings.Repeat("0", 64)
			rows[1].Sha256 = &sum
			return rows
		}, PlanOptions{Verify: true}, []string{"Warning StaleRow row 2: DeleteFile would be Skipped"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := append([]planread.Row(nil), rows...)
			if tt.mutate != nil {
				rs = tt.mutate(rs)
			}
			sum, got := gate(t, rs, tt.opt)
			joined := strings.Join(got, "\n")
			if len(tt.want) == 0 && len(got) != 0 {
				t.Errorf("want no findings, got\n%s", joined)
			}
			for _, w := range tt.want {
				if !strings.Contains(joined, w) {
					t.Errorf("missing %q in\n%s", w, joined)
				}
			}
			if sum.Failed(false) != tt.failed {
				t.Errorf("Failed = %v, want %v (%+v)", sum.Failed(false), tt.failed, sum)
			}
		})
	}
	// The gate changes nothing, --verify included.
	if _, err := os.Stat(rows[1].Path); err != nil {
		t.Fatalf("check --plan --verify touched the plan's file: %v", err)
	}
}

// --verify compares only the rows apply would accept; invalid ones are
// InvalidRow findings, never a crash.
func TestPlanVerifySkipsInvalidRows(t *testing.T) {
	_, rows := planFixture(t)
	rows[0].Size, rows[0].Sha256 = nil, nil // no guard
	sum, got := gate(t, rows, PlanOptions{Verify: true})
	joined := strings.Join(got, "\n")
	if !strings.Contains(joined, "Error InvalidRow row 1") || strings.Contains(joined, "StaleRow") || !sum.Failed(false) {
		t.Errorf("findings:\n%s", joined)
	}
}
