package store

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/dexra/dexra-tui/payloads"
)

// TestRefusedAppendLeavesNoDedupEntry: events whose log sync failed were never
// acknowledged; their dedup table entries are undone, so later carriers of their keys
// are decided as if they had never come, and the table is the one the lists make.
func TestRefusedAppendLeavesNoDedupEntry(t *testing.T) {
	retryFirst, retryMax = 20*time.Millisecond, 100*time.Millisecond
	t.Cleanup(func() { retryFirst, retryMax = 250*time.Millisecond, time.Second })
	s := openTest(t, Options{Retention: -1})
	first := sampleEvent(0)
	if err := s.Append(first); err != nil {
		t.Fatal(err)
	}
	failure := error(syscall.EIO)
	s.log.wal.failSync.Store(&failure)
	redelivery, fresh := sampleEvent(0), sampleEvent(1)
	redelivery.ID = payloads.NewID(redelivery.Received.Add(time.Second))
	for _, ev := range []*payloads.Event{redelivery, fresh} {
		if err := s.Append(ev); err == nil {
			t.Fatal("Append succeeded while syncs fail")
		}
	}
	s.log.wal.failSync.Store(nil)
	deadline := time.Now().Add(5 * time.Second)
	for i := 20; ; i++ { // an event of another key takes the refused events' seqs
		if err := s.Append(sampleEvent(i)); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("appends still fail after syncs work again")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, ev := range []*payloads.Event{redelivery, fresh} {
		if err := s.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	if redelivery.DuplicateOf != first.ID || fresh.DuplicateOf != "" {
		t.Fatalf("after the refusal: redelivery names %q (want %s), the fresh key's first carrier names %q", redelivery.DuplicateOf, first.ID, fresh.DuplicateOf)
	}
	if info := mustDedup(t, s, first.DedupKey); info.Count != 2 || info.FirstID != first.ID {
		t.Fatalf("Dedup(%s) = %+v: the refused redelivery was counted", first.DedupKey, info)
	}
	if info := mustDedup(t, s, fresh.DedupKey); info.Count != 1 || info.FirstID != fresh.ID {
		t.Fatalf("Dedup(%s) = %+v", fresh.DedupKey, info)
	}
	checkConsistency(t, s)
}

// collideFingerprints makes every dedup key share one of three fingerprints for t.
func collideFingerprints(t *testing.T) {
	dedupFingerprint = func(key []byte) uint64 { return uint64(len(key)+int(key[len(key)-1])) % 3 }
	t.Cleanup(func() { dedupFingerprint = sha256Fingerprint })
}

// TestFingerprintCollisionsAreNotDuplicates: with every key sharing one of three
// fingerprints, each event still names the first carrier of its own key only, through
// pruning, a reopen (the table rebuilt from the lists) and doctor.
func TestFingerprintCollisionsAreNotDuplicates(t *testing.T) {
	collideFingerprints(t)
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := Open(path, Options{Retention: 100})
	if err != nil {
		t.Fatal(err)
	}
	evs := make([]*payloads.Event, 300)
	for i := range evs {
		evs[i] = sampleEvent(i)
		if err := s.Append(evs[i]); err != nil {
			t.Fatal(err)
		}
		want := ""
		if i%10 == 9 {
			want = evs[i-1].ID // a redelivery of the one before
		}
		if evs[i].DuplicateOf != want {
			t.Fatalf("event %d (key %s): DuplicateOf %q, want %q", i, evs[i].DedupKey, evs[i].DuplicateOf, want)
		}
	}
	waitTotal(t, s, 100)
	checkConsistency(t, s)
	wantInfo := func(i int) DedupInfo {
		if i%10 == 8 {
			return DedupInfo{FirstID: evs[i].ID, Count: 2}
		}
		if i%10 == 9 {
			return DedupInfo{FirstID: evs[i-1].ID, Count: 1 + boolInt(i-1 >= 200)}
		}
		return DedupInfo{FirstID: evs[i].ID, Count: 1}
	}
	for i := 200; i < 300; i++ {
		if got := mustDedup(t, s, evs[i].DedupKey); got != wantInfo(i) {
			t.Fatalf("Dedup of event %d's key = %+v, want %+v", i, got, wantInfo(i))
		}
	}
	if got := mustDedup(t, s, evs[0].DedupKey); got != (DedupInfo{}) {
		t.Fatalf("Dedup of a pruned key = %+v", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{Retention: -1})
	if err != nil {
		t.Fatal(err)
	}
	checkConsistency(t, s)
	for i := 200; i < 300; i++ {
		if got := mustDedup(t, s, evs[i].DedupKey); got != wantInfo(i) {
			t.Fatalf("after a reopen: Dedup of event %d's key = %+v, want %+v", i, got, wantInfo(i))
		}
	}
	again := sampleEvent(298) // its key is carried by 298 only
	again.ID = ""
	if err := s.Append(again); err != nil || again.DuplicateOf != evs[298].ID {
		t.Fatalf("redelivery after a reopen: %q, %v; want %s", again.DuplicateOf, err, evs[298].ID)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if rep, err := Check(path); err != nil || !rep.OK() {
		t.Fatalf("Check: %v %+v", err, rep)
	}
}

// TestCheckFindsDamagedCarrierLists: doctor reports a carrier left out of the lists,
// one naming another key's fingerprint, and a list that is not one.
func TestCheckFindsDamagedCarrierLists(t *testing.T) {
	for _, c := range []struct {
		name   string
		damage func(list []listedCarrier) []byte
		want   string
	}{
		{"left out", func(l []listedCarrier) []byte { return encodeCarriers(append(l[:1:1], l[2:]...)) }, "the dedup carrier lists lack it"},
		{"fingerprint", func(l []listedCarrier) []byte { l[1].note.fp ^= 1; return encodeCarriers(l) }, "another dedup key's fingerprint"},
		{"garbage", func([]listedCarrier) []byte { return []byte{0x80} }, "damaged dedup carrier list"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "history.db")
			s, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			appendAll(t, s, 20)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			rewriteFirstCarriers(t, path, func(first uint64, v []byte) ([]byte, error) {
				list, err := decodeCarriers(first, v, nil)
				if err != nil {
					return nil, err
				}
				return c.damage(list), nil
			})
			rep, err := Check(path)
			if err != nil || rep.OK() || !containsProblem(rep, c.want) {
				t.Fatalf("Check = %v %+v; want a problem saying %q", err, rep, c.want)
			}
		})
	}
}

func containsProblem(r *Report, what string) bool {
	for _, p := range r.Problems {
		if strings.Contains(p.String(), what) {
			return true
		}
	}
	return false
}

// TestDedupTableUndoAndPruneCommute: a random mix of carries, undos of the newest
// batch and prunes of the oldest, in any order the logger and the pruner may run
// them, leaves the table that the surviving carriers make on their own.
func TestDedupTableUndoAndPruneCommute(t *testing.T) {
	collideFingerprints(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		live := newDedupTable()
		type carrier struct {
			seq  uint64
			key  []byte
			note carrierNote
		}
		var stored []carrier // applied, oldest first
		keyOf := map[uint64][]byte{}
		head := func(seq uint64) ([]byte, string, bool, error) {
			k, ok := keyOf[seq]
			return k, fmt.Sprint(seq), ok, nil
		}
		seq := uint64(0)
		for range 40 {
			var batch []carrier
			for range 1 + rng.IntN(4) {
				seq++
				key := []byte(fmt.Sprintf("r%d", rng.IntN(6)))
				keyOf[seq] = key
				_, note, err := live.carry(key, seq, head)
				if err != nil {
					t.Fatal(err)
				}
				batch = append(batch, carrier{seq, key, note})
			}
			if rng.IntN(4) == 0 { // the log write failed: forgotten, seqs reused
				for i := len(batch) - 1; i >= 0; i-- {
					live.undo(batch[i].key, batch[i].note)
					delete(keyOf, batch[i].seq)
				}
				seq = batch[0].seq - 1
			} else {
				stored = append(stored, batch...)
			}
			for n := rng.IntN(3); n > 0 && len(stored) > 0; n-- { // pruned
				delete(keyOf, stored[0].seq)
				live.pruned(stored[0].key, stored[0].note.fp, stored[0].note.overflow)
				stored = stored[1:]
			}
		}
		// The table the survivors' list entries make (loadCarriers' rule).
		want := newDedupTable()
		for _, c := range stored {
			if c.note.overflow {
				sl := want.overflow[string(c.key)]
				if sl == nil {
					sl = &dedupSlot{}
					want.overflow[string(c.key)] = sl
				}
				sl.newest, sl.count = c.seq, sl.count+1
				continue
			}
			if _, ok := want.newest[c.note.fp]; ok {
				want.extra[c.note.fp]++
			}
			want.newest[c.note.fp] = c.seq
		}
		if fmt.Sprint(want.newest, want.extra, slotsOf(want)) != fmt.Sprint(live.newest, live.extra, slotsOf(live)) {
			t.Fatalf("round %d: live table %v %v %v, the lists make %v %v %v", round,
				live.newest, live.extra, slotsOf(live), want.newest, want.extra, slotsOf(want))
		}
		// And every survivor's key finds its own newest carrier.
		for _, c := range stored {
			info, err := live.info(c.key, head)
			if err != nil || info.Count == 0 {
				t.Fatalf("round %d: key %s of stored event %d not found: %+v %v", round, c.key, c.seq, info, err)
			}
		}
	}
}

func slotsOf(t *dedupTable) map[string]dedupSlot {
	m := map[string]dedupSlot{}
	for k, v := range t.overflow {
		m[k] = *v
	}
	return m
}

// FuzzDecodeCarriers: a carrier list decodes without panicking, or fails as damage;
// what decodes encodes back to a list that decodes the same.
func FuzzDecodeCarriers(f *testing.F) {
	f.Add(uint64(1), encodeCarriers([]listedCarrier{{seq: 1, note: carrierNote{fp: 7}}}))
	f.Add(uint64(5), encodeCarriers([]listedCarrier{{seq: 5}, {seq: 6, note: carrierNote{fp: 1 << 63, overflow: true}}, {seq: 300}}))
	f.Add(uint64(1<<40), []byte{0, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Add(uint64(0), []byte{})
	f.Add(uint64(9), []byte{0x80, 0x80})
	f.Fuzz(func(t *testing.T, first uint64, v []byte) {
		list, err := decodeCarriers(first, v, nil)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		if list[0].seq != first {
			t.Fatalf("first seq %d, key %d", list[0].seq, first)
		}
		for i := 1; i < len(list); i++ {
			if list[i].seq <= list[i-1].seq {
				t.Fatalf("seqs not ascending: %v", list)
			}
		}
		again, err := decodeCarriers(first, encodeCarriers(list), nil)
		if err != nil || fmt.Sprint(again) != fmt.Sprint(list) {
			t.Fatalf("re-encoded list decodes to %v, %v; want %v", again, err, list)
		}
	})
}

// dedupModel is what a plain model of the stored history says of dedup keys: the
// first event of each key's stored carriers, and how many are stored.
type dedupModel struct {
	first map[string]string
	count map[string]int
}

func newDedupModel() *dedupModel {
	return &dedupModel{first: map[string]string{}, count: map[string]int{}}
}

// stored counts ev as stored and returns the DuplicateOf the history must give it.
func (m *dedupModel) stored(ev *payloads.Event) string {
	k := ev.DedupKey
	want := ""
	if m.count[k] > 0 {
		want = m.first[k]
	} else {
		m.first[k] = ev.ID
	}
	m.count[k]++
	return want
}

// pruned counts off the oldest stored carrier of key.
func (m *dedupModel) pruned(key string) { m.count[key]-- }

// dedup is what Dedup must answer for key.
func (m *dedupModel) dedup(key string) DedupInfo {
	if m.count[key] == 0 {
		return DedupInfo{}
	}
	return DedupInfo{FirstID: m.first[key], Count: m.count[key]}
}

// rewriteFirstCarriers puts what damage makes of the first carrier list (a copy) in
// its place, in the closed history at path.
func rewriteFirstCarriers(t *testing.T, path string, damage func(first uint64, list []byte) ([]byte, error)) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCarriers)
		k, v := b.Cursor().First()
		v, err := damage(u64(k), bytes.Clone(v))
		if err != nil {
			return err
		}
		return b.Put(bytes.Clone(k), v)
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
}
