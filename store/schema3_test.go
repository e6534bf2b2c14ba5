package store

import (
	"errors"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestSchema3HistoryUpgradedInPlace: a history written by the previous build (schema
// 3, testdata/schema3: events 10-41 of sampleEvent stored, the older ten pruned, every
// seventh below 40 with an attempt, and a log holding events 42-44 after a crash) is refused
// read-only, unchanged, then upgraded by a writing open: every event, attempt and
// log entry kept, and every dedup key answering as the schema 3 dedup bucket did.
func TestSchema3HistoryUpgradedInPlace(t *testing.T) {
	path := unpackFixture(t, "schema3")
	before := readFiles(t, path)
	if _, err := Open(path, Options{ReadOnly: true}); !errors.Is(err, ErrRecoveryNeeded) || !strings.Contains(err.Error(), "schema version 3") {
		t.Fatalf("read-only open of schema 3 = %v", err)
	}
	before.unchanged(t, path, "read-only open of schema 3")
	if rep, err := Check(path); err != nil || !rep.OK() || rep.Events != 32 || rep.LogEvents != 3 || len(rep.Notes) != 1 {
		t.Fatalf("Check of schema 3: %v %+v", err, rep)
	}
	before.unchanged(t, path, "Check of schema 3")
	// What the schema 3 dedup bucket says, key by key.
	old := map[string]DedupInfo{}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDedup).ForEach(func(k, v []byte) error {
			old[string(k)] = DedupInfo{FirstID: string(v[8:]), Count: int(u64(v))}
			return nil
		})
	})
	db.Close()
	if err != nil || len(old) == 0 {
		t.Fatalf("schema 3 dedup bucket: %d keys, %v", len(old), err)
	}

	var warned []string
	s, err := Open(path, Options{Retention: -1, Warn: func(w string) { warned = append(warned, w) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "upgraded in place from schema 3") {
		t.Errorf("warnings on the upgrade: %q", warned)
	}
	page, err := s.List(ListOptions{OldestFirst: true, WithBody: true})
	if err != nil || len(page.Events) != 35 {
		t.Fatalf("after the upgrade: %d events, %v", len(page.Events), err)
	}
	fromLog := map[string]int{} // stored dedup key → carriers the log added
	for i, ev := range page.Events {
		n := i + 10
		want := sampleEvent(n)
		got, err := s.Get(ev.ID)
		if err != nil || got.Seq != uint64(n+1) || string(got.Body) != string(want.Body) || got.DedupKey != want.DedupKey {
			t.Fatalf("event %d after the upgrade: %+v, %v", n, got, err)
		}
		if wantAttempts := map[bool]int{true: 1, false: 0}[n%7 == 0 && n < 40]; len(got.Attempts) != wantAttempts {
			t.Fatalf("event %d: attempts %+v", n, got.Attempts)
		}
		if n >= 42 {
			fromLog[string(dedupKey(ev.DedupKey))]++
		}
	}
	for _, ev := range page.Events {
		info, err := s.Dedup(ev.DedupKey)
		want := old[string(dedupKey(ev.DedupKey))]
		want.Count += fromLog[string(dedupKey(ev.DedupKey))]
		if want.FirstID == "" {
			want.FirstID = ev.ID
			if ev.DuplicateOf != "" {
				want.FirstID = ev.DuplicateOf
			}
		}
		if err != nil || info != want {
			t.Fatalf("Dedup(%s) after the upgrade = %+v, %v; schema 3 said %+v", ev.DedupKey, info, err, want)
		}
	}
	checkConsistency(t, s)
	// A redelivery of a key stored before the upgrade (event 38, redelivered as 39) is
	// still found.
	again := sampleEvent(38)
	again.ID = ""
	if err := s.Append(again); err != nil || again.DuplicateOf != page.Events[28].ID {
		t.Fatalf("redelivery after the upgrade: DuplicateOf %q, %v; want %s", again.DuplicateOf, err, page.Events[28].ID)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if rep, err := Check(path); err != nil || !rep.OK() || rep.Events != 36 || len(rep.Notes) != 0 {
		t.Fatalf("Check after the upgrade: %v %+v", err, rep)
	}
	r, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open after the upgrade: %v", err)
	}
	if info, err := r.Dedup(again.DedupKey); err != nil || info.Count != 3 || info.FirstID != page.Events[28].ID {
		t.Errorf("read-only Dedup after the upgrade = %+v, %v", info, err)
	}
	r.Close()
}
