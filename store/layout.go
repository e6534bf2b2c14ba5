package store

import (
	"crypto/sha256"
	"encoding/binary"
	"strings"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
)

// schemaVersion is the layout below; bump it (and migrate) when any key or value
// format changes, including the index value normalisation. Version 2 moved attempts
// out of the event record into bucketAttempts.
const schemaVersion = 2

// Buckets. Every one is created in Open, in one write transaction.
var (
	bucketMeta   = []byte("meta")   // schemaKey, totalKey
	bucketEvents = []byte("events") // seq → event record (codec.go; no body, no attempts)
	bucketBodies = []byte("bodies") // seq → raw body (absent when empty)
	bucketIDs    = []byte("ids")    // event ID → seq
	// seq(8) attempt position(4) → the attempt (codec.go), appended, never rewritten
	bucketAttempts = []byte("attempts")
	bucketDedup    = []byte("dedup") // dedupKey(key) → count(8) firstID
	// Every secondary index, one key per event and index: index id(1) value prefix
	// seq(8) → nothing (see index.prefix). One bucket: a commit dirties one tree.
	bucketIndex  = []byte("index")
	bucketCounts = []byte("counts") // index id(1) value prefix → count(8), counted indexes only
)

var allBuckets = [][]byte{
	bucketMeta, bucketEvents, bucketBodies, bucketIDs, bucketAttempts, bucketDedup, bucketIndex, bucketCounts,
}

var (
	schemaKey = []byte("schema")
	totalKey  = []byte("total")
)

// index is one secondary index: which filter key it serves and how an event's value
// is normalised (the same function serves indexing and Filter.Match).
type index struct {
	key   string
	id    byte // first byte of its keys in bucketIndex and bucketCounts
	value func(*payloads.Event) string
	// hashed: keyed by a hash of the value (high-cardinality values: short keys keep
	// the index small); candidates are confirmed by Filter.Match.
	hashed bool
	// counted: a counter per value is kept in bucketCounts, for the query planner and
	// Stats. An uncounted index (a value per message: a counter would dirty a page of
	// bucketCounts per event) is measured by a bounded scan when planning.
	counted bool
	// optional: events with an empty value are not indexed (no correlation).
	optional bool
}

var indexes = [...]index{
	{key: KeySource, id: 's', value: indexValueSource, counted: true},
	{key: KeyType, id: 't', value: indexValueType, counted: true},
	{key: KeySig, id: 'g', value: indexValueSig, counted: true},
	{key: KeyDup, id: 'd', value: indexValueDup, counted: true},
	{key: KeyCorr, id: 'c', value: func(ev *payloads.Event) string { return ev.Correlation }, hashed: true, optional: true},
}

// indexSig is the index Stats reads the failing count from.
var indexSig = indexes[2]

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

// indexedHashLen is the length of a hashed index value.
const indexedHashLen = 8

// prefix is the part of ix's keys shared by every event with value v: the index id,
// then uvarint(len(v)) v (v capped at maxIndexValue), or the first bytes of v's
// SHA-256 when the index is hashed. The length prefix makes "all keys of one value" an
// exact prefix scan.
func (ix index) prefix(v string) []byte {
	p := make([]byte, 0, 1+binary.MaxVarintLen64+min(len(v), maxIndexValue)+8)
	p = append(p, ix.id)
	if ix.hashed {
		sum := sha256.Sum256([]byte(v))
		return append(p, sum[:indexedHashLen]...)
	}
	if len(v) > maxIndexValue {
		v = v[:maxIndexValue]
	}
	p = binary.AppendUvarint(p, uint64(len(v)))
	return append(p, v...)
}

// entry is ix's key for the event stored under seq with value v.
func (ix index) entry(v string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(ix.prefix(v), seq)
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
