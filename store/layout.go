package store

import "encoding/binary"

// schemaVersion is the layout below and in index.go; bump it (and migrate) when any
// key or value format changes, including the index value normalisation. Version 2:
// attempts out of the event record, posting-list and partitioned indexes in one
// bucket, hashed dedup keys. Version 3: the history ID (idKey) that its log carries
// too, and checksums in event records and attempts (codec.go); migrate.go upgrades 2.
// Version 4: dedup carriers listed in arrival order (dedup.go) instead of bucketDedup;
// migrate.go upgrades 3 (and 2, through 3's steps).
const schemaVersion = 4

// Buckets. Every one is created in Open, in one write transaction.
var (
	bucketMeta   = []byte("meta")   // schemaKey, totalKey, idKey
	bucketEvents = []byte("events") // seq → event record (codec.go; no body, no attempts)
	bucketBodies = []byte("bodies") // seq → raw body (absent when empty)
	bucketIDs    = []byte("ids")    // event ID → seq
	// seq(8) attempt position(4) → the attempt (codec.go), appended, never rewritten
	bucketAttempts = []byte("attempts")
	// Schema 2 and 3 only: dedupKey(key) → count(8) firstID. Version 4 lists carriers.
	bucketDedup    = []byte("dedup")
	bucketCarriers = []byte("carriers") // seq(8) → the dedup carriers from it on (dedup.go)
	// Every secondary index (index.go), its keys led by the index's id: one tree for a
	// commit to update.
	bucketIndex  = []byte("index")
	bucketCounts = []byte("counts") // posting list prefix (index.go) → event count(8)
)

var allBuckets = [][]byte{
	bucketMeta, bucketEvents, bucketBodies, bucketIDs, bucketAttempts, bucketCarriers, bucketIndex, bucketCounts,
}

// bucketsOf are the buckets a history of schema version v has.
func bucketsOf(v uint64) [][]byte {
	if v >= 4 {
		return allBuckets
	}
	return [][]byte{bucketMeta, bucketEvents, bucketBodies, bucketIDs, bucketAttempts, bucketDedup, bucketIndex, bucketCounts}
}

var (
	schemaKey = []byte("schema")
	totalKey  = []byte("total")
	idKey     = []byte("id") // historyIDLen random bytes, made with the history
)

// seqKey is the 8-byte big-endian key that keeps cursor order equal to arrival order.
func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

func seqOf(k []byte) uint64 { return binary.BigEndian.Uint64(k[len(k)-8:]) }

func u64(v []byte) uint64 {
	if len(v) < 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}
