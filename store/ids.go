package store

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// IDFinder finds stored event IDs by prefix, so people can type a short ID as in git.
type IDFinder interface {
	IDsWithPrefix(prefix string, limit int) ([]string, error)
}

var _ IDFinder = (*Store)(nil)

// IDsWithPrefix returns up to limit stored IDs that start with prefix (case-insensitive:
// IDs are upper-case Crockford base32), in ID order, which is time order.
func (s *Store) IDsWithPrefix(prefix string, limit int) ([]string, error) {
	want := []byte(strings.ToUpper(prefix))
	var ids []string
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketIDs).Cursor()
		for k, _ := c.Seek(want); k != nil && bytes.HasPrefix(k, want) && len(ids) < limit; k, _ = c.Next() {
			ids = append(ids, string(k))
		}
		return nil
	})
	if err == nil && len(s.tail) > 0 { // read-only: the log's events beyond the history
		for _, ev := range s.tail {
			if strings.HasPrefix(ev.ID, string(want)) {
				ids = append(ids, ev.ID)
			}
		}
		slices.Sort(ids)
		ids = slices.Compact(ids)
		ids = ids[:min(len(ids), limit)]
	}
	if err != nil {
		return nil, fmt.Errorf("find event IDs starting with %q: %w", prefix, err)
	}
	return ids, nil
}
