package store

import (
	"encoding/binary"
	"strings"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
)

// schemaVersion is the layout below; bump it (and migrate) when any key or value
// format changes, including the index value normalisation.
const schemaVersion = 1

// Buckets. Every one is created in Open, in one write transaction.
var (
	bucketMeta   = []byte("meta")   // schemaKey, totalKey
	bucketEvents = []byte("events") // seq → event metadata (JSON, no body)
	bucketBodies = []byte("bodies") // seq → raw body (absent when empty)
	bucketIDs    = []byte("ids")    // event ID → seq
	// seq(8) attempt position(4) → the app's response body to that attempt
	bucketAttemptBodies = []byte("attempt_bodies")
	bucketDedup         = []byte("dedup")  // dedup key → count(8) firstSeq(8) firstID
	bucketCounts        = []byte("counts") // index bucket name 0x00 index prefix → count(8)
	// Index buckets: uvarint(len(value)) value seq(8) → nothing. The length prefix
	// makes "all keys of one value" an exact prefix scan.
	bucketBySource = []byte("ix_source")
	bucketByType   = []byte("ix_type")
	bucketBySig    = []byte("ix_sig")
	bucketByDup    = []byte("ix_dup")
	bucketByCorr   = []byte("ix_corr")
)

var allBuckets = [][]byte{
	bucketMeta, bucketEvents, bucketBodies, bucketIDs, bucketAttemptBodies, bucketDedup, bucketCounts,
	bucketBySource, bucketByType, bucketBySig, bucketByDup, bucketByCorr,
}

var (
	schemaKey = []byte("schema")
	totalKey  = []byte("total")
)

// index is one secondary index: which filter key it serves and how an event's value
// is normalised (the same function serves indexing and Filter.Match).
type index struct {
	key    string
	bucket []byte
	value  func(*payloads.Event) string
}

var indexes = []index{
	{KeySource, bucketBySource, indexValueSource},
	{KeyType, bucketByType, indexValueType},
	{KeySig, bucketBySig, indexValueSig},
	{KeyDup, bucketByDup, indexValueDup},
	{KeyCorr, bucketByCorr, func(ev *payloads.Event) string { return ev.Correlation }},
}

func indexFor(key string) (index, bool) {
	for _, ix := range indexes {
		if ix.key == key {
			return ix, true
		}
	}
	return index{}, false
}

func indexValueSource(ev *payloads.Event) string { return strings.ToLower(ev.Source) }
func indexValueType(ev *payloads.Event) string   { return strings.ToLower(ev.Type) }

func indexValueSig(ev *payloads.Event) string {
	if ev.Signature.Status == "" {
		return string(sig.Unchecked)
	}
	return strings.ToLower(string(ev.Signature.Status))
}

func indexValueDup(ev *payloads.Event) string {
	if ev.DuplicateOf != "" {
		return "yes"
	}
	return "no"
}

// maxIndexValue caps indexed values (payload-derived, so unbounded); a longer value is
// indexed by its first bytes and the candidates are confirmed by Filter.Match.
const maxIndexValue = 512

// indexPrefix is the part of an index key shared by every event with value v.
func indexPrefix(v string) []byte {
	if len(v) > maxIndexValue {
		v = v[:maxIndexValue]
	}
	p := make([]byte, 0, binary.MaxVarintLen64+len(v)+8)
	p = binary.AppendUvarint(p, uint64(len(v)))
	return append(p, v...)
}

func indexKey(v string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(indexPrefix(v), seq)
}

// countKey names the counter of one index value in bucketCounts.
func countKey(bucket []byte, v string) []byte {
	k := append(append([]byte{}, bucket...), 0)
	return append(k, indexPrefix(v)...)
}

// seqKey is the 8-byte big-endian key that keeps cursor order equal to arrival order.
func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

func seqOf(k []byte) uint64 { return binary.BigEndian.Uint64(k[len(k)-8:]) }

func u64(v []byte) uint64 {
	if len(v) < 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}
