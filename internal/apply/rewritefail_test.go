package apply

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dumpsync/dumpsync/internal/atomicfile"
	"github.com/dumpsync/dumpsync/internal/plan"
	"github.com/dumpsync/dumpsync/internal/planread"
	"github.com/dumpsync/dumpsync/internal/record"
)

// failSite is a domain with stale requests for ABC00001 and ABC00002 (their
// .cfg files planned for deletion), a fresh one for ABC00003, and a logon
// server with copies of the three .cfg files and of the Resync.cfg.
type failSite struct {
	domain, logon string
}

func makeFailSite(t *testing.T, domainDir, logonDir string, stale int) failSite {
	t.Helper()
	old := uint32(agreeNow.Unix() - 400*86400)
	var recs []byte
	for i := 0; i < stale; i++ {
		id := []string{"ABC00001", "ABC00002"}[i%2]
		e := record.Make(id, old+uint32(i), []byte{byte(i), byte(i >> 8), 1})
		recs = append(recs, e.Raw[:]...)
	}
	fresh := record.Make("ABC00003", uint32(agreeNow.Unix()-86400), nil)
	recs = append(recs, fresh.Raw[:]...)
	for _, dir := range []string{domainDir, logonDir} {
		if err := os.MkdirAll(filepath.Join(dir, "Invencfg.box"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "Resync.cfg"), recs, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"ABC00001", "ABC00002", "ABC00003"} {
			if err := os.WriteFile(filepath.Join(dir, "Invencfg.box", id+".cfg"), []byte(id+" inventory"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return failSite{domain: domainDir, logon: logonDir}
}

func (s failSite) plan(t *testing.T) []planread.Row {
	t.Helper()
	var rows []plan.Row
	p := &plan.Planner{Opt: plan.Options{Days: 90, Now: agreeNow, Parallel: 2}, Warn: func(err error) { t.Errorf("plan: %v", err) }}
	if _, err := p.Run([]string{s.domain}, []string{s.logon}, func(r *plan.Row) error { rows = append(rows, *r); return nil }); err != nil {
		t.Fatal(err)
	}
	valid, errs := planread.Validate(FromPlan(rows), planread.Options{})
	if len(errs) > 0 {
		t.Fatal(errs[0])
	}
	return valid
}

// checkKept asserts the outcome of an apply whose rewrite of the domain's
// Resync.cfg failed: its RemoveEntry rows Failed, its DeleteFile rows and the
// logon server's rows that depend on them Skipped with a Detail saying
// why, and every .cfg file still there. The logon server's own Resync.cfg
// is rewritten as usual.
func (s failSite) checkKept(t *testing.T, res []Result, wantFailed string) {
	t.Helper()
	var deletes, logonDeletes int
	for _, r := range res {
		inDomain := strings.HasPrefix(r.Path, s.domain+string(filepath.Separator))
		switch {
		case r.Action == RemoveEntryAction && inDomain:
			if r.Status != Failed || !strings.Contains(r.Detail, wantFailed) {
				t.Errorf("%s %s: %s %q, want Failed naming %q", r.Action, r.Path, r.Status, r.Detail, wantFailed)
			}
		case r.Action == RemoveEntryAction:
			if r.Status != Applied {
				t.Errorf("logon %s %s: %s %q, want Applied", r.Action, r.Path, r.Status, r.Detail)
			}
		case r.Action == DeleteFileAction && inDomain:
			deletes++
			if r.Status != Skipped || !strings.Contains(r.Detail, "still holds a request of "+*r.SmsId) || !strings.Contains(r.Detail, wantFailed) {
				t.Errorf("%s %s: %s %q, want Skipped saying the request is still there and why", r.Action, r.Path, r.Status, r.Detail)
			}
		case r.Action == DeleteFileAction:
			logonDeletes++
			if r.Status != Skipped || !strings.Contains(r.Detail, "the site keeps it") {
				t.Errorf("logon %s %s: %s %q, want Skipped because the site keeps it", r.Action, r.Path, r.Status, r.Detail)
			}
		}
	}
	if deletes != 2 || logonDeletes != 2 {
		t.Fatalf("the plan deletes %d domain and %d logon .cfg files, want 2 and 2", deletes, logonDeletes)
	}
	for _, dir := range []string{s.domain, s.logon} {
		for _, id := range []string{"ABC00001", "ABC00002", "ABC00003"} {
			if _, err := os.Stat(filepath.Join(dir, "Invencfg.box", id+".cfg")); err != nil {
				t.Errorf("%s.cfg was deleted: %v", id, err)
			}
		}
	}
}

// When the rewrite of a domain's Resync.cfg fails, the .cfg files whose
// requests it was to remove are kept, at the domain and on the logon
// servers (issue 11.9): apply never leaves a request without its .cfg.
func TestFailedRewriteKeepsCfgFiles(t *testing.T) {
	enospc := errors.New("no space left on device")
	inUse := errors.New("still in use by another process")
	denied := os.ErrPermission
	for _, tc := range []struct {
		name string
		ops  func(domain string) atomicfile.Ops
		want string
	}{
		{"disk full", func(string) atomicfile.Ops {
			return atomicfile.Ops{CreateTemp: func(dir, pattern string, perm os.FileMode) (atomicfile.File, error) {
				if strings.Contains(dir, "Domain.000") {
					return nil, &os.PathError{Op: "write", Path: filepath.Join(dir, pattern), Err: enospc}
				}
				return atomicfile.OSCreateTemp(dir, pattern, perm)
			}}
		}, "no space left"},
		{"held open past the retry", func(string) atomicfile.Ops {
			return atomicfile.Ops{Rename: func(o, n string) error {
				if strings.Contains(n, "Domain.000") {
					return &os.LinkError{Op: "rename", Old: o, New: n, Err: inUse}
				}
				return os.Rename(o, n)
			}}
		}, "still in use"},
		{"access denied", func(string) atomicfile.Ops {
			return atomicfile.Ops{Rename: func(o, n string) error {
				if strings.Contains(n, "Domain.000") {
					return &os.LinkError{Op: "rename", Old: o, New: n, Err: denied}
				}
				return os.Rename(o, n)
			}}
		}, "permission denied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			s := makeFailSite(t, filepath.Join(root, "SMS", "Domain.000"), filepath.Join(root, "LOGON1", "Logon.srv"), 6)
			rows := s.plan(t)
			// Logon rows first: apply still judges them after the site.
			rows = append(rows[len(rows)/2:], rows[:len(rows)/2]...)
			before, _ := os.ReadFile(filepath.Join(s.domain, "Resync.cfg"))
			var res []Result
			opt := Options{Now: agreeNow, LockedRetry: 50 * time.Millisecond, editOps: tc.ops(s.domain)}
			sum, err := Run(rows, opt, func(r *Result) error { res = append(res, *r); return nil })
			if err != nil {
				t.Fatal(err)
			}
			if !sum.Attention() {
				t.Error("Summary.Attention() = false")
			}
			s.checkKept(t, res, tc.want)
			if after, _ := os.ReadFile(filepath.Join(s.domain, "Resync.cfg")); string(after) != string(before) {
				t.Error("the domain's Resync.cfg changed although its rewrite failed")
			}
		})
	}
}

// The re-read of a partial record (issue 12.3): a record being written
// when apply judges a DeleteFile row is waited for, as the rewrite waits,
// and then judged as the request it is.
func TestDeleteFileWaitsForAPartialRecord(t *testing.T) {
	for _, tc := range []struct {
		name, id string
		want     string
	}{
		{"another client's request", "ABC00009", Applied},
		{"a fresh request for the file", "ABC00001", Skipped},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			s := makeFailSite(t, filepath.Join(root, "Domain.000"), filepath.Join(root, "Logon.srv"), 2)
			var rows []planread.Row
			for _, r := range s.plan(t) {
				if r.Action == DeleteFileAction && strings.HasPrefix(r.Path, s.domain) && r.SmsId == "ABC00001" {
					rows = append(rows, r)
				}
			}
			if len(rows) != 1 {
				t.Fatalf("planned %d DeleteFile rows for ABC00001, want 1", len(rows))
			}
			// A writer has written 20 bytes of a record and writes the rest
			// 150 ms later.
			rp := filepath.Join(s.domain, "Resync.cfg")
			e := record.Make(tc.id, uint32(agreeNow.Unix()-60), nil)
			f, err := os.OpenFile(rp, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			f.Write(e.Raw[:20])
			done := make(chan struct{})
			go func() {
				defer close(done)
				time.Sleep(150 * time.Millisecond)
				f.Write(e.Raw[20:])
			}()
			var res []Result
			if _, err := Run(rows, Options{Now: agreeNow}, func(r *Result) error { res = append(res, *r); return nil }); err != nil {
				t.Fatal(err)
			}
			<-done
			if res[0].Status != tc.want || strings.Contains(res[0].Detail, "partial") {
				t.Errorf("%s: %s %q, want %s after the record was complete", tc.name, res[0].Status, res[0].Detail, tc.want)
			}
		})
	}
	// A record that stays partial is still refused, after the waits.
	root := t.TempDir()
	s := makeFailSite(t, filepath.Join(root, "Domain.000"), filepath.Join(root, "Logon.srv"), 2)
	rows := s.plan(t)
	f, _ := os.OpenFile(filepath.Join(s.domain, "Resync.cfg"), os.O_WRONLY|os.O_APPEND, 0)
	f.Write([]byte("partial"))
	f.Close()
	var res []Result
	opt := Options{Now: agreeNow, PartialWaits: []time.Duration{time.Millisecond, 2 * time.Millisecond}}
	if _, err := Run(rows, opt, func(r *Result) error { res = append(res, *r); return nil }); err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Action == DeleteFileAction && strings.HasPrefix(r.Path, s.domain) &&
			(r.Status != Skipped || !strings.Contains(r.Detail, "partial record")) {
			t.Errorf("%s %s: %s %q, want Skipped for the partial record", r.Action, r.Path, r.Status, r.Detail)
		}
	}
}
