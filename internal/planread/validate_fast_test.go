package planread

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func checkValidateSame(t *testing.T, rows []Row, opt Options) {
	t.Helper()
	gotRows, gotErrs := Validate(&Plan{Rows: rows}, opt)
	wantRows, wantErrs := validateLegacy(&Plan{Rows: rows}, opt)
	if !reflect.DeepEqual(gotRows, wantRows) {
		t.Fatalf("rows differ:\ngot  %+v\nwant %+v", gotRows, wantRows)
	}
	if !reflect.DeepEqual(gotErrs, wantErrs) {
		t.Fatalf("errors differ:\ngot  %v\nwant %v", gotErrs, wantErrs)
	}
	checkSpoolPlanSame(t, rows, opt)
}

// TestValidateMatchesLegacy compares Validate with the implementation it
// replaced on random rows made of a few values each, so that duplicates,
// conflicts and every check come up.
func TestValidateMatchesLegacy(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(n int) int { return rng.IntN(n) }
	box := osPath("/srv/sms/ABC/LOGON.SRV/Invencfg.box")
	pathsPool := []string{"", box + "/Resync.cfg", box + "/RESYNC.CFG", osPath("/srv/x/Resync.cfg"), box + "/ABC00012.cfg",
		osPath("/other/Invencfg.box/ABC00012.cfg"), "rel/Resync.cfg", box + "/../Resync.cfg", box + "/abc00012.CFG", osPath("/srv/a/b.cfg")}
	nulPaths := []string{box + "/Resync.cfg\x0096", box + "/Resync.cfg\x00"}
	ints := func(vals ...int64) *int64 {
		i := pick(len(vals) + 1)
		if i == len(vals) {
			return nil
		}
		return ptr(vals[i])
	}
	strs := func(vals ...string) *string {
		i := pick(len(vals) + 1)
		if i == len(vals) {
			return nil
		}
		return ptr(vals[i])
	}
	r := restoreFileRow()
	content, contentSha, contentSize := *r.Content, *r.Sha256, *r.Size
	for iter := 0; iter < 3000; iter++ {
		pool := pathsPool
		if iter%10 == 0 {
			pool = append(pool[:len(pool):len(pool)], nulPaths...)
		}
		var rows []Row
		n := 1 + pick(12)
		for i := 0; i < n; i++ {
			row := Row{
				N: i + 1, Line: i + 2,
				Action:  []string{RemoveEntry, DeleteFile, RestoreEntry, RestoreFile, "", "Nuke"}[pick(6)],
				Path:    pool[pick(len(pool))],
				SmsId:   []string{"", "ABC00012", "abc00012", "bad id!"}[pick(4)],
				Offset:  ints(0, 96, 48, -48, 50, 480, 432),
				Size:    ints(480, 384, -1, contentSize),
				Cutoff:  ints(1775124000, 5),
				Record:  strs(hexRecord, "XYZ", hexRecord[:10], "ABCDEF"+hexRecord[6:]),
				Sha256:  strs(hexSha, contentSha, "00ff", "ZZ"+hexSha[2:]),
				Content: strs(content, "!!", "QUJD"),
			}
			if pick(8) == 0 {
				row.bad = []fieldProblem{{[]string{"Size", "Path", "Action", "Offset"}[pick(4)], "given twice"}}
			}
			if pick(3) == 0 && i > 0 {
				row = rows[pick(i)]
				row.N, row.Line = i+1, i+2
				if pick(2) == 0 {
					row.Offset = ints(0, 96)
				}
			}
			rows = append(rows, row)
		}
		var opt Options
		if pick(2) == 0 {
			opt.Within = []string{osPath("/srv/sms"), osPath("/srv/a")}
		}
		checkValidateSame(t, rows, opt)
	}
}

func TestValidateMatchesLegacyFixtures(t *testing.T) {
	ents, err := os.ReadDir(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(fixtureDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		p, err := Read(bytes.NewReader(b), e.Name())
		if err != nil {
			t.Fatal(err)
		}
		rows := osRows(p.Rows)
		checkValidateSame(t, rows, Options{})
		checkValidateSame(t, rows, Options{Within: []string{osPath("/srv/sms")}})
		checkValidateSame(t, append(rows, rows...), Options{Within: []string{osPath("/srv/other")}})
	}
	p, err := Read(bytes.NewReader(benchPlan()[:300000]), "bench")
	if err != nil {
		t.Fatal(err)
	}
	checkValidateSame(t, p.Rows, Options{Within: []string{"/srv"}})
}
