package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
)

// The secondary indexes, all in bucketIndex, each key led by its index's id.
//
// A value shared by many events (source, type, signature status, duplicate or not) has
// posting lists: id(1) uvarint(len(v)) v firstSeq(8) → the ascending seqs of its events
// from firstSeq on, as uvarint deltas (the first is 0). A commit adds its events to
// the value's newest list until that holds postingMax seqs, so it writes each value
// once, not once per event, and an event costs a couple of bytes per index.
//
// A correlation (one per message: as many values as events) has one key per event:
// 'c' partition(4) hash(8) seq(8) → nothing, partition = seq>>corrPartitionBits. New
// events land in the newest partition, a few pages, where keys ordered by value alone
// would put each event of a commit on a different page of an index of the whole
// history; a lookup seeks once per partition instead of once.

type indexKind int

const (
	postingIndex indexKind = iota // counted in bucketCounts; every event has a value
	corrIndex                     // uncounted; events without a value are not indexed
)

// index is one secondary index: which filter key it serves and how an event's value
// is normalised (the same function serves indexing and Filter.Match).
type index struct {
	key   string
	id    byte
	kind  indexKind
	value func(*payloads.Event) string
}

var indexes = [...]index{
	{KeySource, 's', postingIndex, indexValueSource},
	{KeyType, 't', postingIndex, indexValueType},
	{KeySig, 'g', postingIndex, indexValueSig},
	{KeyDup, 'd', postingIndex, indexValueDup},
	{KeyCorr, 'c', corrIndex, func(ev *payloads.Event) string { return ev.Correlation }},
}

// indexSig is the index Stats reads the failing count from.
var indexSig = indexes[2]

// dupIndexPos is KeyDup's position in indexes: its value is decided with the seq.
const dupIndexPos = 3

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

// maxIndexValue caps posting values (payload-derived, so unbounded); a longer value
// is indexed by its first bytes and the candidates are confirmed by Filter.Match.
const maxIndexValue = 512

// postingMax is the most seqs one posting list holds, which bounds the work of
// starting a page inside a list.
const postingMax = 256

// postingPrefix is the part of ix's list keys for value v (and v's counter key in
// bucketCounts). The length prefix makes the keys of one value an exact prefix range.
func (ix index) postingPrefix(v string) []byte {
	if len(v) > maxIndexValue {
		v = v[:maxIndexValue]
	}
	p := make([]byte, 0, 1+binary.MaxVarintLen64+len(v)+8)
	p = append(p, ix.id)
	p = binary.AppendUvarint(p, uint64(len(v)))
	return append(p, v...)
}

func encodePosting(seqs []uint64) []byte {
	b := make([]byte, 0, 2*len(seqs))
	prev := seqs[0]
	for _, s := range seqs {
		b = binary.AppendUvarint(b, s-prev)
		prev = s
	}
	return b
}

// decodePosting appends the seqs of the list stored under a key ending in first to dst.
func decodePosting(first uint64, v []byte, dst []uint64) ([]uint64, error) {
	start, prev := len(dst), first
	for len(v) > 0 {
		d, n := binary.Uvarint(v)
		if n <= 0 || (len(dst) == start) != (d == 0) || prev+d < prev {
			return nil, fmt.Errorf("%w: damaged index list %d", ErrCorrupt, first)
		}
		prev += d
		dst = append(dst, prev)
		v = v[n:]
	}
	if len(dst) == start {
		return nil, fmt.Errorf("%w: empty index list %d", ErrCorrupt, first)
	}
	return dst, nil
}

// listKey reports whether k is a list key under prefix, and its first seq.
func listKey(k, prefix []byte) (uint64, bool) {
	if len(k) != len(prefix)+8 || !bytes.HasPrefix(k, prefix) {
		return 0, false
	}
	return u64(k[len(prefix):]), true
}

// listAtOrBefore positions c on the last list under prefix whose first seq is at most
// seq, and returns it (k nil: there is none).
func listAtOrBefore(c *bolt.Cursor, prefix []byte, seq uint64) (k, v []byte) {
	target := binary.BigEndian.AppendUint64(bytes.Clone(prefix), seq)
	if k, v = c.Seek(target); bytes.Equal(k, target) {
		return k, v
	}
	if k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	if _, ok := listKey(k, prefix); !ok {
		return nil, nil
	}
	return k, v
}

const corrPartitionBits = 10 // 1,024 events per partition: a few pages of keys

const corrHashLen = 8

func corrPartition(seq uint64) uint32 { return uint32(seq >> corrPartitionBits) }

// corrHash is how a correlation value appears in keys; a different value with the same
// hash costs a candidate that Filter.Match rejects.
func corrHash(v string) []byte {
	sum := sha256.Sum256([]byte(v))
	return sum[:corrHashLen]
}

// corrPrefix is the part of the keys of one correlation hash in one partition.
func corrPrefix(part uint32, hash []byte) []byte {
	p := make([]byte, 0, 1+4+corrHashLen+8)
	p = append(p, indexes[4].id)
	p = binary.BigEndian.AppendUint32(p, part)
	return append(p, hash...)
}

func corrKey(hash []byte, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(corrPrefix(corrPartition(seq), hash), seq)
}

// candidates walks, in seq order, the events an index names or every event.
type candidates interface {
	// first returns the first seq past the exclusive cursor (0: start at the newest,
	// or the oldest); seq 0 means there is none. record is the event's record when
	// the walk is over bucketEvents, else nil.
	first(cursor uint64) (seq uint64, record []byte, err error)
	next() (seq uint64, record []byte, err error)
}

// cursorAt is the exclusive cursor whose page starts at seq.
func cursorAt(desc bool, seq uint64) uint64 {
	if desc {
		return seq + 1
	}
	return seq - 1
}

// eventsWalk walks bucketEvents.
type eventsWalk struct {
	c    *bolt.Cursor
	desc bool
}

func (w *eventsWalk) first(cursor uint64) (uint64, []byte, error) {
	if !w.desc {
		if cursor == math.MaxUint64 {
			return 0, nil, nil
		}
		return w.accept(w.c.Seek(seqKey(cursor + 1)))
	}
	if cursor == 0 {
		return w.accept(w.c.Last())
	}
	k, _ := w.c.Seek(seqKey(cursor))
	if k == nil {
		return w.accept(w.c.Last())
	}
	return w.accept(w.c.Prev())
}

func (w *eventsWalk) next() (uint64, []byte, error) {
	if w.desc {
		return w.accept(w.c.Prev())
	}
	return w.accept(w.c.Next())
}

func (w *eventsWalk) accept(k, v []byte) (uint64, []byte, error) {
	if len(k) != 8 {
		return 0, nil, nil
	}
	return u64(k), v, nil
}

// postingWalk walks the posting lists of one value.
type postingWalk struct {
	c      *bolt.Cursor
	prefix []byte
	desc   bool
	list   []uint64
	i      int
}

func (w *postingWalk) first(cursor uint64) (uint64, []byte, error) {
	if !w.desc {
		if cursor == math.MaxUint64 {
			return 0, nil, nil
		}
		target := cursor + 1
		k, v := listAtOrBefore(w.c, w.prefix, target)
		if k == nil {
			k, v = w.c.Seek(binary.BigEndian.AppendUint64(bytes.Clone(w.prefix), target))
		}
		if ok, err := w.load(k, v); !ok || err != nil {
			return 0, nil, err
		}
		w.i, _ = slices.BinarySearch(w.list, target) // the first seq at or past target
		if w.i == len(w.list) {
			w.i--
			return w.next()
		}
		return w.list[w.i], nil, nil
	}
	target := uint64(math.MaxUint64)
	if cursor != 0 {
		target = cursor - 1
	}
	if ok, err := w.load(listAtOrBefore(w.c, w.prefix, target)); !ok || err != nil {
		return 0, nil, err
	}
	i, found := slices.BinarySearch(w.list, target)
	if !found {
		i-- // the last seq before target; the list's first is at most target
	}
	if w.i = i; w.i < 0 {
		w.i = 0
		return w.next()
	}
	return w.list[w.i], nil, nil
}

func (w *postingWalk) next() (uint64, []byte, error) {
	if w.desc {
		if w.i--; w.i < 0 {
			if ok, err := w.load(w.c.Prev()); !ok || err != nil {
				return 0, nil, err
			}
			w.i = len(w.list) - 1
		}
	} else if w.i++; w.i >= len(w.list) {
		if ok, err := w.load(w.c.Next()); !ok || err != nil {
			return 0, nil, err
		}
		w.i = 0
	}
	return w.list[w.i], nil, nil
}

// load decodes the list under k; ok is false when k is not one of this value's lists.
func (w *postingWalk) load(k, v []byte) (ok bool, err error) {
	first, ok := listKey(k, w.prefix)
	if !ok {
		return false, nil
	}
	w.list, err = decodePosting(first, v, w.list[:0])
	return err == nil, err
}

// corrWalk walks the keys of one correlation hash, partition by partition.
type corrWalk struct {
	c      *bolt.Cursor
	desc   bool
	lo, hi uint32 // the partitions stored events fall in
	part   uint32
	key    []byte // the current partition's prefix, then room for a seq
}

// newCorrWalk walks hash over the partitions of the events stored in tx.
func newCorrWalk(tx *bolt.Tx, hash []byte, desc bool) *corrWalk {
	w := &corrWalk{c: tx.Bucket(bucketIndex).Cursor(), desc: desc}
	w.key = append(corrPrefix(0, hash), make([]byte, 8)...)
	events := tx.Bucket(bucketEvents)
	oldest, _ := events.Cursor().First()
	if oldest == nil {
		w.lo, w.hi = 1, 0 // no partition
	} else {
		w.lo, w.hi = corrPartition(u64(oldest)), corrPartition(events.Sequence())
	}
	return w
}

func (w *corrWalk) setPart(p uint32) {
	w.part = p
	binary.BigEndian.PutUint32(w.key[1:], p)
}

// prefix is the current partition's key prefix.
func (w *corrWalk) prefix() []byte { return w.key[:len(w.key)-8] }

// at is the current partition's key for seq (valid until the next call).
func (w *corrWalk) at(seq uint64) []byte {
	binary.BigEndian.PutUint64(w.key[len(w.key)-8:], seq)
	return w.key
}

func (w *corrWalk) first(cursor uint64) (uint64, []byte, error) {
	if w.lo > w.hi {
		return 0, nil, nil
	}
	if !w.desc {
		if cursor == math.MaxUint64 {
			return 0, nil, nil
		}
		target := cursor + 1
		p := corrPartition(target)
		if p > w.hi {
			return 0, nil, nil
		}
		w.setPart(max(p, w.lo))
		k, _ := w.c.Seek(w.at(target))
		return w.ascend(k)
	}
	target := uint64(math.MaxUint64)
	if cursor != 0 {
		target = cursor - 1
	}
	p := corrPartition(target)
	if p < w.lo {
		return 0, nil, nil
	}
	w.setPart(min(p, w.hi))
	k, _ := w.c.Seek(w.at(target))
	if !bytes.Equal(k, w.at(target)) {
		k = w.before(k)
	}
	return w.descend(k)
}

func (w *corrWalk) next() (uint64, []byte, error) {
	if w.desc {
		k, _ := w.c.Prev()
		return w.descend(k)
	}
	k, _ := w.c.Next()
	return w.ascend(k)
}

// ascend returns k's seq if k is in the current partition, else moves on to the
// following partitions.
func (w *corrWalk) ascend(k []byte) (uint64, []byte, error) {
	for {
		if seq, ok := listKey(k, w.prefix()); ok {
			return seq, nil, nil
		}
		if w.part >= w.hi {
			return 0, nil, nil
		}
		w.setPart(w.part + 1)
		k, _ = w.c.Seek(w.prefix())
	}
}

// descend is ascend the other way.
func (w *corrWalk) descend(k []byte) (uint64, []byte, error) {
	for {
		if seq, ok := listKey(k, w.prefix()); ok {
			return seq, nil, nil
		}
		if w.part <= w.lo {
			return 0, nil, nil
		}
		w.setPart(w.part - 1)
		k, _ = w.c.Seek(w.at(math.MaxUint64))
		k = w.before(k)
	}
}

// before steps back from where a Seek landed (k nil: past the end).
func (w *corrWalk) before(k []byte) []byte {
	if k == nil {
		k, _ = w.c.Last()
	} else {
		k, _ = w.c.Prev()
	}
	return k
}

// count counts the walk's events, up to limit.
func (w *corrWalk) count(limit uint64) (uint64, error) {
	n := uint64(0)
	seq, _, err := w.first(0)
	for ; n < limit && seq != 0 && err == nil; seq, _, err = w.next() {
		n++
	}
	return n, err
}
