package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/dexra/dexra-tui/payloads"
)

// spreadEvent is sampleEvent with one correlation shared by events in different
// correlation partitions, and a rare type in a handful of them.
func spreadEvent(i int) *payloads.Event {
	ev := sampleEvent(i)
	switch i {
	case 3, 1100, 1101, 2500, 3100:
		ev.Correlation = "spread"
		ev.Type = "rare"
	}
	return ev
}

// wantMatches is what a brute-force Filter.Match over every stored event returns.
func wantMatches(t *testing.T, s *Store, q string) []uint64 {
	t.Helper()
	f, err := ParseFilter(q)
	if err != nil {
		t.Fatal(err)
	}
	var want []uint64
	err = settledDB(t, s).View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketEvents).ForEach(func(k, _ []byte) error {
			ev, err := loadEvent(tx, seqOf(k), true)
			if err == nil && f.Match(ev) {
				want = append(want, ev.Seq)
			}
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return want
}

func checkQueries(t *testing.T, s *Store, queries []string) {
	t.Helper()
	for _, q := range queries {
		want := wantMatches(t, s, q)
		if len(want) == 0 {
			t.Fatalf("fixture does not exercise %q", q)
		}
		desc := slices.Clone(want)
		slices.Reverse(desc)
		for _, limit := range []int{0, 1, 2, 7, 300} {
			if len(want) > 500 && limit < 7 && limit != 0 {
				continue // long enough already: list boundaries are crossed at 7
			}
			if got := pageAll(t, s, ListOptions{Query: q, Limit: limit, OldestFirst: true}); !reflect.DeepEqual(got, want) {
				t.Fatalf("%q oldest first, limit %d: got %d %v, want %d %v", q, limit, len(got), head(got), len(want), head(want))
			}
			if got := pageAll(t, s, ListOptions{Query: q, Limit: limit}); !reflect.DeepEqual(got, desc) {
				t.Fatalf("%q newest first, limit %d: got %d %v, want %d %v", q, limit, len(got), head(got), len(desc), head(desc))
			}
		}
	}
}

// TestIndexAcrossListsAndPartitions: values whose events fill several posting lists
// and a correlation spread over several partitions page correctly from any cursor,
// after bulk commits, single commits that top up a list, and pruning that cuts lists.
func TestIndexAcrossListsAndPartitions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := Open(path, Options{Retention: -1})
	if err != nil {
		t.Fatal(err)
	}
	bulkAppend(t, s, 0, 3000, spreadEvent) // seqs 1..3000: correlation partitions 0, 1, 2
	for i := 3000; i < 3300; i++ {         // one commit each: the newest lists grow
		if err := s.Append(spreadEvent(i)); err != nil {
			t.Fatal(err)
		}
	}
	queries := []string{"corr:spread", "type:rare", "type:rare corr:spread", "source:dexatel",
		"sig:fail", "dup:yes", "source:conversa dup:no", "corr:msg-00001000", "corr:msg-00000700"}
	checkQueries(t, s, queries)
	checkConsistency(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Retention cuts the oldest 1,500 events: lists lose their heads, partition 0 empties.
	s, err = Open(path, Options{Retention: 1800})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	waitTotal(t, s, 1800)
	checkQueries(t, s, queries)
	checkConsistency(t, s)
}

func TestPostingCodec(t *testing.T) {
	for _, seqs := range [][]uint64{{1}, {7, 8, 9}, {5, 1000, 1 << 40}} {
		got, err := decodePosting(seqs[0], encodePosting(seqs), nil)
		if err != nil || !reflect.DeepEqual(got, seqs) {
			t.Errorf("round trip of %v: %v %v", seqs, got, err)
		}
	}
	for name, v := range map[string][]byte{
		"empty":            {},
		"first not 0":      {1},
		"repeated seq":     {0, 0},
		"truncated varint": {0, 0x80},
		"overflow":         {0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
	} {
		if _, err := decodePosting(1<<63, v, nil); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", name, err)
		}
	}
}

// FuzzDecodePosting: a damaged list is an error, never a panic, and a list that
// decodes is strictly ascending from its key's seq and survives re-encoding.
func FuzzDecodePosting(f *testing.F) {
	f.Add(uint64(1), encodePosting([]uint64{1, 2, 300}))
	f.Add(uint64(9), []byte{0, 0x80})
	f.Add(^uint64(0)-1, []byte{0, 1, 1})
	f.Fuzz(func(t *testing.T, first uint64, v []byte) {
		list, err := decodePosting(first, v, nil)
		if err != nil {
			return
		}
		for i := range list {
			if (i == 0 && list[0] != first) || (i > 0 && list[i] <= list[i-1]) {
				t.Fatalf("decoded %v from first %d", list, first)
			}
		}
		if again, err := decodePosting(first, encodePosting(list), nil); err != nil || !slices.Equal(again, list) {
			t.Fatalf("%v re-encoded decodes to %v, %v", list, again, err)
		}
	})
}

// TestPruneReportsDamagedIndexList: pruning an event its index list does not name is
// an ErrCorrupt error, and the transaction changes nothing.
func TestPruneReportsDamagedIndexList(t *testing.T) {
	s := openTest(t, Options{Retention: -1})
	bulkAppend(t, s, 0, 10, sampleEvent)
	prefix := indexes[0].postingPrefix(indexValueSource(sampleEvent(0))) // event 0's source
	err := settledDB(t, s).Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketIndex)
		k, v := listAtOrBefore(b.Cursor(), prefix, 1)
		list, err := decodePosting(mustListKey(t, k, prefix), v, nil)
		if err != nil || list[0] != 1 {
			t.Fatalf("list %v %v", list, err)
		}
		if err := b.Delete(bytes.Clone(k)); err != nil {
			return err
		}
		return b.Put(binary.BigEndian.AppendUint64(bytes.Clone(prefix), list[1]), encodePosting(list[1:])) // seq 1 dropped
	})
	if err != nil {
		t.Fatal(err)
	}
	s.retention = 5
	if _, err := s.pruneOnce(pruneChunk); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("pruning past a damaged list: %v, want ErrCorrupt", err)
	}
	if st, _ := s.Stats(); st.Total != 10 {
		t.Fatalf("a failed prune changed the total to %d", st.Total)
	}
}

func mustListKey(t *testing.T, k, prefix []byte) uint64 {
	t.Helper()
	first, ok := listKey(k, prefix)
	if !ok {
		t.Fatalf("%x is not a list key of %x", k, prefix)
	}
	return first
}
