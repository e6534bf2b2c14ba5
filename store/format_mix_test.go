package store

import (
	"encoding/binary"
	"path/filepath"
	"reflect"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/dexra/dexra-tui/payloads"
)

// A history of format 3 records and 4 KiB pages (what earlier builds wrote) opens
// with its pages as they are, reads every event as before, takes new events (format
// 4) beside them, and checks clean; a new history gets newHistoryPageSize pages.
func TestFormat3HistoryReadsAndGrows(t *testing.T) {
	dir := t.TempDir()
	fresh, err := Open(filepath.Join(dir, "fresh.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := fresh.db.Info().PageSize; got != newHistoryPageSize {
		t.Fatalf("new history has %d-byte pages, want %d", got, newHistoryPageSize)
	}
	fresh.Close()

	path := filepath.Join(dir, "old.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{PageSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	bulkAppend(t, s, 0, 60, sampleEvent)
	before := listWithBodies(t, s)
	s.Close()

	// Rewrite every record as format 3's writer wrote it.
	db, err = bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketEvents)
		type rec struct{ k, v []byte }
		var recs []rec
		err := b.ForEach(func(k, v []byte) error {
			ev, err := decodeMeta(u64(k), v)
			if err != nil {
				return err
			}
			rest := encodeRestWithSchema(ev, false, false, false, nil, nil, nil, "")
			recs = append(recs, rec{append([]byte(nil), k...), encodeRecordV3(ev, ev.DuplicateOf, rest, binary.BigEndian.Uint32(v[5:]))})
			return nil
		})
		for _, r := range recs {
			if err == nil {
				err = b.Put(r.k, r.v)
			}
		}
		return err
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.db.Info().PageSize; got != 4096 {
		t.Fatalf("existing history now has %d-byte pages, want its 4096", got)
	}
	if got := listWithBodies(t, s); !reflect.DeepEqual(got, before) {
		t.Fatalf("format 3 history reads differently:\n got %+v\nwant %+v", got[0], before[0])
	}
	bulkAppend(t, s, 60, 40, sampleEvent)
	all := listWithBodies(t, s)
	if len(all) != 100 || !reflect.DeepEqual(all[:60], before) {
		t.Fatalf("after appending: %d events, the first 60 changed: %v", len(all), !reflect.DeepEqual(all[:60], before))
	}
	var formats [2]int
	s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketEvents).ForEach(func(_, v []byte) error {
			formats[v[0]-recordFormatV3]++
			return nil
		})
	})
	if formats != [2]int{60, 40} {
		t.Fatalf("records by format (3, 4): %v, want [60 40]", formats)
	}
	s.Close()
	r, err := Check(path)
	if err != nil || !r.OK() {
		t.Fatalf("check of a history of both formats: %v, %+v", err, r)
	}
}

func listWithBodies(t *testing.T, s *Store) []*payloads.Event {
	t.Helper()
	page, err := s.List(ListOptions{OldestFirst: true, WithBody: true})
	if err != nil {
		t.Fatal(err)
	}
	return page.Events
}
