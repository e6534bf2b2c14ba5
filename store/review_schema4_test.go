package store

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/dexra/dexra-tui/payloads"
)

// TestReviewDedupModel: random dedup keys (colliding fingerprints, raw and hashed
// keys) through retention pruning and reopens give every event the DuplicateOf, and
// every key the Dedup, that a plain model of the stored history says.
func TestReviewDedupModel(t *testing.T) {
	collideFingerprints(t)
	const retention = 40
	path := filepath.Join(t.TempDir(), "history.db")
	open := func() *Store {
		s, err := Open(path, Options{Retention: retention})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open()
	rng := rand.New(rand.NewPCG(1, 2))
	keys := make([]string, 14)
	for i := range keys {
		keys[i] = fmt.Sprintf("k%d-%s", i, strings.Repeat("x", i*7)) // > 64: hashed
	}
	var fifo []string // the stored events' keys, oldest first
	model := newDedupModel()
	for i := range 160 {
		ev := sampleEvent(i)
		ev.ID = payloads.NewID(time.Now())
		ev.DedupKey = keys[rng.IntN(len(keys))]
		want := model.stored(ev)
		fifo = append(fifo, ev.DedupKey)
		if err := s.Append(ev); err != nil {
			t.Fatal(err)
		}
		if ev.DuplicateOf != want {
			t.Fatalf("event %d (key %.8s): DuplicateOf %q, want %q", i, ev.DedupKey, ev.DuplicateOf, want)
		}
		for len(fifo) > retention {
			model.pruned(fifo[0])
			fifo = fifo[1:]
		}
		waitTotal(t, s, len(fifo))
		if i%53 == 52 {
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s = open()
		}
		for _, k := range keys {
			if got, want := mustDedup(t, s, k), model.dedup(k); got != want {
				t.Fatalf("after event %d: Dedup(%.8s) = %+v, want %+v", i, k, got, want)
			}
		}
	}
	checkConsistency(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if rep, err := Check(path); err != nil || !rep.OK() {
		t.Fatalf("Check: %v %+v", err, rep)
	}
}

// TestReviewDedupAfterCrashReplay: with colliding fingerprints, events acknowledged
// only in the log (a crash) are counted by a read-only open and by a writing open
// that replays the log, as a model of the history says, and later events are decided
// against them.
func TestReviewDedupAfterCrashReplay(t *testing.T) {
	collideFingerprints(t)
	s := openTest(t, Options{Retention: -1})
	rng := rand.New(rand.NewPCG(3, 4))
	keys := []string{"a", "b", "c", "d", "e", "f", strings.Repeat("g", 70), strings.Repeat("h", 71)}
	model := newDedupModel()
	add := func(s *Store, i int) {
		ev := sampleEvent(i)
		ev.DedupKey = keys[rng.IntN(len(keys))]
		want := model.stored(ev)
		if err := s.Append(ev); err != nil {
			t.Fatal(err)
		}
		if ev.DuplicateOf != want {
			t.Fatalf("event %d (key %.4s): DuplicateOf %q, want %q", i, ev.DedupKey, ev.DuplicateOf, want)
		}
	}
	for i := range 40 {
		add(s, i)
	}
	settledDB(t, s)
	release := holdWriter(t, s)
	for i := 40; i < 70; i++ {
		add(s, i)
	}
	ro, rw := crashCopy(t, s), crashCopy(t, s)
	release()
	check := func(what string, s *Store) {
		for _, k := range keys {
			if got, want := mustDedup(t, s, k), model.dedup(k); got != want {
				t.Fatalf("%s: Dedup(%.4s) = %+v, want %+v", what, k, got, want)
			}
		}
	}
	r, err := Open(ro, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	check("read-only", r)
	w, err := Open(rw, Options{Retention: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	check("replayed", w)
	for i := 70; i < 100; i++ {
		add(w, i)
	}
	check("after more appends", w)
	checkConsistency(t, w)
}

// TestReviewRecordOddStrings: strings next to each compact form's edge come back
// exactly in every field.
func TestReviewRecordOddStrings(t *testing.T) {
	odd := []string{
		"", "\x00", "\xff\xfe", "[fe80::1%eth0]:8080", "[::1]:0", "1.2.3.4:65535", "1.2.3.4:080",
		"01.2.3.4:80", "[::ffff:1.2.3.4]:443", "[::FFFF:1.2.3.4]:443", "1.2.3.4", "[2001:db8::1]:80",
		"[2001:DB8::1]:80", "[2001:0db8::1]:80", "01hzx3q0j8e6t4k2m9v7b5n1cd", "8ZZZZZZZZZZZZZZZZZZZZZZZZZ",
		"7ZZZZZZZZZZZZZZZZZZZZZZZZZ", "00000000000000000000000000", "01HZX3Q0J8E6T4K2M9V7B5N1CU",
		"3F2504E0-4F89-11D3-9A0C-0305E82C3301", "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
		"3f2504e0_4f89-11d3-9a0c-0305e82c3301", "ABCDEF0123456789", "abcdef0123456789", "abcdef012345678",
		"abcdef01234567890", "sha256:", "sha256:00", "sha256=" + strings.Repeat("ab", 32), "sha256=" + strings.Repeat("AB", 32),
		"v1=" + strings.Repeat("0", 40) + ",v1=" + strings.Repeat("1", 40), "md5=" + strings.Repeat("f", 32),
		strings.Repeat("a", 5000), "application/JSON", "Content-Length", " 900", "900 ",
	}
	for i := range odd {
		ev := compactFormsEvent(0)
		v := reflect.ValueOf(ev).Elem()
		n := i
		for j := range v.NumField() {
			if f := v.Field(j); f.Kind() == reflect.String {
				f.SetString(odd[n%len(odd)])
				n++
			}
		}
		ev.Signature.Expected, ev.Signature.Received = odd[(i+1)%len(odd)], odd[(i+2)%len(odd)]
		ev.Headers = http.Header{}
		for j, s := range odd {
			ev.Headers[odd[(i+j)%len(odd)]+fmt.Sprint(j)] = []string{s, odd[(i+j+3)%len(odd)]}
		}
		ev.Headers["Content-Length"] = []string{fmt.Sprint(ev.Size), "x"}[:1+i%2]
		ev.Received = time.Date(2020, 1, 1, 0, 0, 0, i, time.FixedZone("X", 3600))
		want := *ev
		want.Seq, want.DuplicateOf = 9, odd[(i+4)%len(odd)]
		want.Received = ev.Received.UTC()
		checkRecordRoundTrip(t, fmt.Sprint(i), ev, want)
	}
}

// TestReviewCheckFindsFlippedOverflowFlag: a carrier list entry whose overflow flag
// is damaged (a bit of a page: bbolt keeps no checksums) splits one key's carriers
// between the table's fingerprint and overflow slots, so Dedup miscounts; doctor
// must report it.
func TestReviewCheckFindsFlippedOverflowFlag(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := Open(path, Options{Retention: -1})
	if err != nil {
		t.Fatal(err)
	}
	var evs []*payloads.Event
	for i := range 3 {
		ev := sampleEvent(i)
		ev.DedupKey = "same-key"
		if err := s.Append(ev); err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	rewriteFirstCarriers(t, path, func(_ uint64, v []byte) ([]byte, error) {
		v[0] |= 1 // the first carrier's overflow flag
		return v, nil
	})
	rep, err := Check(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{Retention: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	info := mustDedup(t, s, "same-key")
	if rep.OK() || !containsProblem(rep, "marks it wrongly") {
		t.Fatalf("Check found nothing wrong, and Dedup says %+v (want 3 carriers, first %s)", info, evs[0].ID)
	}
}

// TestReviewSchema3UpgradeWithADamagedRecord: a schema 3 history with one damaged
// event record opened with the previous build (the damage is that event's error);
// its upgrade must not refuse the whole history at every Open from then on.
func TestReviewSchema3UpgradeWithADamagedRecord(t *testing.T) {
	path := unpackFixture(t, "schema3")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	var damagedSeq uint64
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketEvents)
		c := b.Cursor()
		k, v := c.First()
		k, v = c.Next() // the second stored event
		v = bytes.Clone(v)
		v[len(v)-1] ^= 0x40
		damagedSeq = u64(k)
		return b.Put(bytes.Clone(k), v)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, Options{Retention: -1})
	if err != nil {
		t.Fatalf("writing open of a schema 3 history with event %d damaged: %v", damagedSeq, err)
	}
	defer s.Close()
	page, err := s.List(ListOptions{Limit: 3})
	if err != nil || len(page.Events) != 3 {
		t.Fatalf("after the upgrade: %d events, %v", len(page.Events), err)
	}
	if err := s.Append(sampleEvent(500)); err != nil {
		t.Fatal(err)
	}
}

// TestReviewSalvageKeepsDedup: with colliding fingerprints and events only in the
// log, a salvaged copy answers every key's Dedup as the history did, and passes
// doctor.
func TestReviewSalvageKeepsDedup(t *testing.T) {
	collideFingerprints(t)
	s := openTest(t, Options{Retention: -1})
	rng := rand.New(rand.NewPCG(5, 6))
	keys := []string{"a", "b", "c", "d", "e", strings.Repeat("g", 70), strings.Repeat("h", 71)}
	add := func(i int) {
		ev := sampleEvent(i)
		ev.DedupKey = keys[rng.IntN(len(keys))]
		if err := s.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 50 {
		add(i)
	}
	settledDB(t, s)
	release := holdWriter(t, s)
	for i := 50; i < 70; i++ {
		add(i)
	}
	src := crashCopy(t, s)
	release()
	want := map[string]DedupInfo{}
	for _, k := range keys {
		want[k] = mustDedup(t, s, k)
	}
	out := filepath.Join(t.TempDir(), "salvaged.db")
	if _, err := Salvage(src, out); err != nil {
		t.Fatal(err)
	}
	if rep, err := Check(out); err != nil || !rep.OK() {
		t.Fatalf("Check of the salvaged history: %v %+v", err, rep)
	}
	c, err := Open(out, Options{Retention: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, k := range keys {
		if got := mustDedup(t, c, k); got != want[k] {
			t.Fatalf("salvaged Dedup(%.4s) = %+v, the history's %+v", k, got, want[k])
		}
	}
}

// TestReviewAppendBatchDedup: an import batch whose events repeat a key and an ID:
// the repeated ID is refused without counting its key, the others name the batch's
// first carrier, across more than one log batch.
func TestReviewAppendBatchDedup(t *testing.T) {
	s := openTest(t, Options{Retention: -1})
	n := 2*maxLogBatch + 5
	evs := make([]*payloads.Event, n)
	for i := range evs {
		evs[i] = sampleEvent(i)
		evs[i].DedupKey = "k" + fmt.Sprint(i%3)
	}
	copyOf := *evs[4]
	copyOf.DedupKey = "k-only-the-copy"
	evs = append(evs, &copyOf)
	errs := s.AppendBatch(evs)
	for i, err := range errs[:n] {
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		want := ""
		if i >= 3 {
			want = evs[i%3].ID
		}
		if evs[i].DuplicateOf != want {
			t.Fatalf("event %d: DuplicateOf %q, want %q", i, evs[i].DuplicateOf, want)
		}
	}
	if !errors.Is(errs[n], ErrDuplicateID) {
		t.Fatalf("the copy of event 4: %v", errs[n])
	}
	if got := mustDedup(t, s, "k-only-the-copy"); got != (DedupInfo{}) {
		t.Fatalf("the refused copy's key is counted: %+v", got)
	}
	for k := range 3 {
		want := DedupInfo{FirstID: evs[k].ID, Count: (n - k + 2) / 3}
		if got := mustDedup(t, s, "k"+fmt.Sprint(k)); got != want {
			t.Fatalf("Dedup(k%d) = %+v, want %+v", k, got, want)
		}
	}
	checkConsistency(t, s)
}
