package apply

import (
	"encoding/hex"

	"github.com/dumpsync/dumpsync/internal/hugepages"
	"github.com/dumpsync/dumpsync/internal/resyncedit"
	"strings"

	"github.com/dumpsync/dumpsync/internal/plan"
	"github.com/dumpsync/dumpsync/internal/planread"
)

// Plan is a checked plan whose rows are in a planread.Spool, grouped by SMS
// folder as they were spooled: Run carries it out holding one folder's rows
// at a time (read back from the spool), and writes the Results in plan
// order by reading the spool once more. What it keeps per folder is a few
// spans of the spool; for a plan in the order dumpsync plan writes it, one.
type Plan struct {
	spool  *planread.Spool
	groups []*folderRows // in the order they first appear
	byKey  map[string]*folderRows
	last   *folderRows
	rows   int // rows added

	byAction         map[string]int
	resyncs, folders map[string]bool // as written, for the preview

	// The Path and kind of the last row added, its folder and the folder's
	// key: the rows of one file follow one another.
	lastPath, lastFolder, lastKey string
	lastEntry                     bool

	// spare holds the largest buffers of folders carried out, for the
	// next folder's: a plan of many large folders takes the same memory
	// for each instead of fresh memory (page faults) beside freed memory
	// the runtime has not given back yet.
	spare struct {
		ops  []resyncedit.Op
		at   []uint32
		data []byte
	}
}

// recycle keeps g's buffers for the next folder; g must not be used
// afterwards.
func (p *Plan) recycle(g *group) {
	for _, e := range g.edits {
		keepLarger(&p.spare.ops, e.ops)
		e.ops = nil
	}
	keepLarger(&p.spare.at, g.rows.at)
	keepLarger(&p.spare.data, g.rows.data)
	g.rows.at, g.rows.data = nil, nil
}

// keepLarger keeps the larger of *spare and s, a buffer no longer in use,
// as *spare, and frees the other.
func keepLarger[T any](spare *[]T, s []T) {
	if cap(s) > cap(*spare) {
		*spare, s = s[:0], *spare
	}
	hugepages.Free(s)
}

// dropSpares frees the spare buffers.
func (p *Plan) dropSpares() {
	hugepages.Free(p.spare.ops)
	hugepages.Free(p.spare.at)
	hugepages.Free(p.spare.data)
	p.spare.ops, p.spare.at, p.spare.data = nil, nil, nil
}

// opsFor returns an empty slice with room for n ops: the spare one if it
// is large enough (a smaller one is freed, not kept beside a new one). A
// large one is in huge pages (hugepages.Make): filling half a million ops
// in 4 KB pages takes a tenth of a second of page faults on a virtual
// machine. Its memory is freed by recycle or dropSpares.
func (p *Plan) opsFor(n int) []resyncedit.Op {
	ops := p.spare.ops
	p.spare.ops = nil
	if cap(ops) >= n {
		return ops
	}
	hugepages.Free(ops)
	return hugepages.Make[resyncedit.Op](n + n/8) // room for the next folder's, often a little larger
}

// folderRows is where the rows of one SMS folder are in the spool.
type folderRows struct {
	key, folder string
	firstN      int // the N of its first row
	spans       []span
	rows        int
	entries     int  // its RemoveEntry and RestoreEntry rows
	dependent   bool // it holds logon DeleteFile rows that depend on the site
}

// span is a run of the spool that holds only rows of one folder: the rows
// from..to, which are the plan's rows global..global+n-1 (counting only the
// rows added).
type span struct {
	from, to planread.Ref
	global   int
	n        int
}

// NewPlan returns an empty Plan over sp.
func NewPlan(sp *planread.Spool) *Plan {
	return &Plan{spool: sp, byKey: map[string]*folderRows{}, byAction: map[string]int{},
		resyncs: map[string]bool{}, folders: map[string]bool{}}
}

// Add takes the row at ref (end is the Ref after it), in plan order: a
// valid row of the spool. Rows of the spool not added are left out.
func (p *Plan) Add(ref, end planread.Ref, r *planread.Row) {
	entry := r.Action == RemoveEntryAction || r.Action == RestoreEntry
	g := p.last
	if g == nil || r.Path != p.lastPath || entry != p.lastEntry {
		// Copies: the row's strings share a large buffer of the reader,
		// which the plan must not keep.
		folder := strings.Clone(smsFolder(r))
		p.lastPath, p.lastEntry, p.lastFolder, p.lastKey = strings.Clone(r.Path), entry, folder, sameKey(folder)
		if entry {
			p.resyncs[p.lastPath] = true
		}
		p.folders[folder] = true
	}
	if g == nil || g.key != p.lastKey {
		g = p.byKey[p.lastKey]
		if g == nil {
			g = &folderRows{key: p.lastKey, folder: p.lastFolder, firstN: r.N}
			p.byKey[p.lastKey] = g
			p.groups = append(p.groups, g)
		}
	}
	if s := lastSpan(g); s != nil && p.last == g && s.to == ref && s.global+s.n == p.rows {
		s.to = end
		s.n++
	} else {
		g.spans = append(g.spans, span{from: ref, to: end, global: p.rows, n: 1})
	}
	g.rows++
	if entry {
		g.entries++
	}
	g.dependent = g.dependent || dependsOnSite(r)
	p.last = g
	p.rows++
	p.byAction[r.Action]++
}

func lastSpan(g *folderRows) *span {
	if len(g.spans) == 0 {
		return nil
	}
	return &g.spans[len(g.spans)-1]
}

// Rows is how many rows were added.
func (p *Plan) Rows() int { return p.rows }

// Count is how many rows of action were added.
func (p *Plan) Count(action string) int { return p.byAction[action] }

// Resyncs is how many Resync.cfg paths (as written) the rows name.
func (p *Plan) Resyncs() int { return len(p.resyncs) }

// Folders is how many SMS folders (as written) the rows change.
func (p *Plan) Folders() int { return len(p.folders) }

// dependentsLast orders groups so that folders with logon DeleteFile rows
// that depend on the site ("planned for deletion at the site") come after
// every other folder: the site's outcome is known before they are judged,
// whatever order the plan was filtered or sorted into.
func dependentsLast(groups []*folderRows) []*folderRows {
	out := make([]*folderRows, 0, len(groups))
	var later []*folderRows
	for _, g := range groups {
		if g.dependent {
			later = append(later, g)
		} else {
			out = append(out, g)
		}
	}
	return append(out, later...)
}

// dependsOnSite reports whether a row deletes a logon server's .cfg because
// the site deletes its own (plan's Reason plan.ReasonDeletedAtSite).
func dependsOnSite(r *planread.Row) bool {
	return r.Action == DeleteFileAction && r.Reason != nil &&
		strings.EqualFold(strings.TrimSpace(*r.Reason), plan.ReasonDeletedAtSite)
}

// load reads the rows of folder g back from the spool and groups them: its
// Resync.cfg edits (by path and guard, in the order they first appear),
// then its files, by their index in the folder.
func (p *Plan) load(g *folderRows) (*group, error) {
	gr := &group{folder: g.folder, rows: newGroupRows(g.rows, g.entries, &p.spare.at, &p.spare.data)}
	byEdit := map[editKey]*edit{}
	// The rows of one Resync.cfg come one after another: the last edit and
	// guard are tried first.
	var last *edit
	var lastPath, lastSha string
	var lastSize int64
	var lastHas uint8 // bit 0: Size present, bit 1: Sha256 present
	for _, s := range g.spans {
		err := p.spool.ScanRaw(s.from, s.to, func(_ planread.Ref, r *planread.RawRow) error {
			i := gr.rows.add(r)
			switch r.KnownAction() {
			case RemoveEntryAction, RestoreEntry:
				e := last
				has := guardFields(r)
				if e == nil || r.Path() != lastPath || has != lastHas ||
					r.Int(planread.FieldSize) != lastSize || r.Sha256() != lastSha {
					k := editKey{path: sameKey(r.Path()), guard: guardOfRaw(r)}
					e = byEdit[k]
					if e == nil {
						e = &edit{path: r.Path(), guard: k.guard}
						if len(gr.edits) == 0 {
							// Most folders have one edit: room for all
							// their entry rows.
							e.ops = p.opsFor(g.entries)
						}
						byEdit[k] = e
						gr.edits = append(gr.edits, e)
					}
					last, lastPath, lastHas = e, r.Path(), has
					lastSize, lastSha = r.Int(planread.FieldSize), r.Sha256()
				}
				ops := append(e.ops, opOf(i, r))
				hugepages.FreeMoved(e.ops, ops) // never for the first edit: it has room for all
				e.ops = ops
			default:
				gr.files = append(gr.files, i)
			}
			return nil
		})
		if err != nil {
			p.recycle(gr)
			return nil, err
		}
	}
	return gr, nil
}

// opOf is the op of row i, r, a RemoveEntry or RestoreEntry row (valid:
// with an Offset and a Record).
func opOf(i int, r *planread.RawRow) resyncedit.Op {
	op := resyncedit.Op{ID: i, Kind: resyncedit.Remove, Offset: r.Int(planread.FieldOffset)}
	if r.KnownAction() == RestoreEntry {
		op.Kind = resyncedit.Insert
	}
	if raw, ok := r.RecordRaw(); ok {
		copy(op.Record[:], raw)
	} else {
		hex.Decode(op.Record[:], r.Text(planread.FieldRecord)) // never for a valid row
	}
	return op
}

// guardFields says which of the guard's fields r has: bit 0 Size, bit 1
// Sha256.
func guardFields(r *planread.RawRow) uint8 {
	var has uint8
	if r.Has(planread.FieldSize) {
		has |= 1
	}
	if r.Has(planread.FieldSha256) {
		has |= 2
	}
	return has
}
