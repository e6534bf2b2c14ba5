package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"sync/atomic"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
)

// An event's record (bucketEvents) is a head, then the rest of payloads.Event (Body
// and Attempts are never in it: they have their own buckets), all binary (wire.go):
//
//	format(1) crc32c(4) of all that follows, crc32c(4) of the body, then, each as
//	uvarint(len) bytes: ID Path Source Type SignatureStatus DedupKey DuplicateOf
//	Correlation, then the rest, field by field in the order of encodeRest.
//
// The head holds every field filters, indexes and pruning read, so scanning skips
// decoding the rest of events that do not match. The rest depends on nothing the
// transaction decides, so it is encoded before the event reaches the writer. The
// checksums (hardware crc32c: about a nanosecond per 16 bytes) make a damaged record
// or body an error that names the event, not a wrong answer; the body's sum lives in
// the record so a body needs no format of its own. Format 2 (schema 2) had no sums.
const recordFormat = 3

// recordPrefix is the format byte and the two sums.
const recordPrefix = 9

// encodeRest encodes every field of ev but the head's, Seq, Body and Attempts, with
// secret header values redacted.
// TestRecordKeepsEveryField fails when a field of payloads.Event is missing here.
func encodeRest(ev *payloads.Event) []byte {
	w := wireWriter{b: make([]byte, 0, 512)}
	w.time(ev.Received)
	w.str(string(ev.Direction))
	w.str(ev.Method)
	w.str(ev.Query)
	w.str(ev.Host)
	w.str(ev.RemoteAddr)
	w.header(ev.Headers)
	w.int(int64(ev.Size))
	w.str(string(ev.BodyKind))
	v := ev.Signature // its Status is in the head
	w.str(v.Scheme)
	w.str(v.Reason)
	w.int(int64(v.SecretIndex))
	w.str(v.Expected)
	w.str(v.Received)
	writeRetiredSchema(&w)
	w.str(ev.Summary)
	w.int(int64(ev.Status))
	w.str(ev.Simulated)
	w.str(ev.Rejected)
	w.str(ev.DerivedFrom)
	return w.b
}

// decodeRest fills ev with the rest encodeRest wrote; v must hold nothing after it.
func decodeRest(ev *payloads.Event, v []byte) error {
	r := wireReader{b: v}
	ev.Received = r.time()
	ev.Direction = payloads.Direction(r.str())
	ev.Method = r.str()
	ev.Query = r.str()
	ev.Host = r.str()
	ev.RemoteAddr = r.str()
	ev.Headers = r.header()
	ev.Size = int(r.int())
	ev.BodyKind = payloads.BodyKind(r.str())
	ev.Signature.Scheme = r.str()
	ev.Signature.Reason = r.str()
	ev.Signature.SecretIndex = int(r.int())
	ev.Signature.Expected = r.str()
	ev.Signature.Received = r.str()
	skipRetiredSchema(&r)
	ev.Summary = r.str()
	ev.Status = int(r.int())
	ev.Simulated = r.str()
	ev.Rejected = r.str()
	ev.DerivedFrom = r.str()
	if r.err == nil && len(r.b) != 0 {
		r.err = errWire
	}
	return r.err
}

// The record once kept the event's schema check (flags, unknown, missing and errors
// lists, note). It is now computed where it is shown (payloads.CheckSchema), but the
// part stays in the format, empty, so histories written before read unchanged.

// writeRetiredSchema writes an empty schema part: five zero bytes.
func writeRetiredSchema(w *wireWriter) {
	w.uint(0)
	w.strs(nil)
	w.strs(nil)
	w.strs(nil)
	w.str("")
}

// skipRetiredSchema reads past a schema part, empty or written by an earlier build,
// without copying what it holds.
func skipRetiredSchema(r *wireReader) {
	skipStr := func() {
		if n := r.count(); r.err == nil {
			r.b = r.b[n:]
		}
	}
	r.uint()
	for range 3 { // unknown, missing, errors
		for n := r.count(); n > 0 && r.err == nil; n-- {
			skipStr()
		}
	}
	skipStr() // note
}

func bits(flags ...bool) uint64 {
	var b uint64
	for i, f := range flags {
		if f {
			b |= 1 << i
		}
	}
	return b
}

// encodeRecord joins the head of ev (with duplicateOf, decided by the logger)
// and its encoded rest; bodySum is the body's checksum (bodySum).
func encodeRecord(ev *payloads.Event, duplicateOf string, rest []byte, bodySum uint32) []byte {
	head := [...]string{ev.ID, ev.Path, ev.Source, ev.Type, string(ev.Signature.Status),
		ev.DedupKey, duplicateOf, ev.Correlation}
	n := recordPrefix + len(rest)
	for _, s := range head {
		n += binary.MaxVarintLen32 + len(s)
	}
	b := make([]byte, recordPrefix, n)
	b[0] = recordFormat
	binary.BigEndian.PutUint32(b[5:], bodySum)
	for _, s := range head {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = append(b, rest...)
	binary.BigEndian.PutUint32(b[1:], crc32.Checksum(b[5:], crc32c))
	return b
}

// bodySum is the checksum a record keeps of its event's body.
func bodySum(body []byte) uint32 { return crc32.Checksum(body, crc32c) }

// checkBody says whether body is the one the record (checked by decodeHead) of the
// event stored under seq was written with.
func checkBody(seq uint64, record, body []byte) error {
	if bodySum(body) != binary.BigEndian.Uint32(record[5:]) {
		return fmt.Errorf("%w: event seq %d: its body fails its checksum (run dexra-tui doctor)", ErrCorrupt, seq)
	}
	return nil
}

// checkRecord verifies the format and checksum of the record stored under seq.
func checkRecord(seq uint64, v []byte) error {
	if len(v) < recordPrefix || v[0] != recordFormat {
		return fmt.Errorf("%w: event seq %d: unknown record format (run dexra-tui doctor)", ErrCorrupt, seq)
	}
	if crc32.Checksum(v[5:], crc32c) != binary.BigEndian.Uint32(v[1:]) {
		return fmt.Errorf("%w: event seq %d: its record fails its checksum (run dexra-tui doctor)", ErrCorrupt, seq)
	}
	return nil
}

// decodeHead checks the record stored under seq and decodes its head into an event
// holding only those fields, and returns the encoded rest. Strings are copied: the
// event outlives the transaction; rest does not.
func decodeHead(seq uint64, v []byte) (ev *payloads.Event, rest []byte, err error) {
	decodeCount.Add(1)
	if err := checkRecord(seq, v); err != nil {
		return nil, nil, err
	}
	return decodeHeadUnchecked(seq, v[recordPrefix:])
}

// decodeHeadUnchecked is decodeHead on a record without its prefix.
func decodeHeadUnchecked(seq uint64, v []byte) (ev *payloads.Event, rest []byte, err error) {
	var head [8]string
	for i := range head {
		n, size := binary.Uvarint(v)
		if size <= 0 || n > uint64(len(v)-size) {
			return nil, nil, fmt.Errorf("%w: event %d: truncated record", ErrCorrupt, seq)
		}
		head[i] = string(v[size : size+int(n)])
		v = v[size+int(n):]
	}
	ev = &payloads.Event{
		Seq: seq, ID: head[0], Path: head[1], Source: head[2], Type: head[3],
		Signature: sig.Verdict{Status: sig.Status(head[4])},
		DedupKey:  head[5], DuplicateOf: head[6], Correlation: head[7],
	}
	return ev, v, nil
}

// completeMeta fills ev (from decodeHead) with the rest of its record.
func completeMeta(ev *payloads.Event, rest []byte) error {
	restDecodeCount.Add(1)
	if err := decodeRest(ev, rest); err != nil {
		return fmt.Errorf("%w: event %d: %v", ErrCorrupt, ev.Seq, err)
	}
	return nil
}

// decodeMeta decodes the whole record stored under seq (attempts not included).
func decodeMeta(seq uint64, v []byte) (*payloads.Event, error) {
	ev, rest, err := decodeHead(seq, v)
	if err != nil {
		return nil, err
	}
	if err := completeMeta(ev, rest); err != nil {
		return nil, err
	}
	return ev, nil
}

// An attempt's value (bucketAttempts) is crc32c(4) of what follows, then its fields
// (wire.go) in the order of encodeAttempt, the response body last and raw, so a page
// of events decodes the attempts without copying the app's answers.

// encodeAttempt encodes a, with secret response header values redacted.
// TestAttemptKeepsEveryField fails when a field of payloads.Attempt is missing here.
func encodeAttempt(a payloads.Attempt) []byte {
	w := wireWriter{b: make([]byte, 4, 256+len(a.ResponseBody))}
	w.str(a.Target)
	w.str(a.Mode)
	w.time(a.At)
	w.int(int64(a.Status))
	w.int(int64(a.Latency))
	w.str(a.Error)
	w.header(a.ResponseHeaders)
	w.uint(bits(a.ResponseTruncated))
	w.str(a.Warning)
	w.str(a.DerivedID)
	w.b = append(w.b, a.ResponseBody...)
	binary.BigEndian.PutUint32(w.b, crc32.Checksum(w.b[4:], crc32c))
	return w.b
}

// decodeAttempt checks and decodes an attempt value; the response body is copied
// only if withBody.
func decodeAttempt(v []byte, withBody bool) (payloads.Attempt, error) {
	if len(v) < 4 || crc32.Checksum(v[4:], crc32c) != binary.BigEndian.Uint32(v) {
		return payloads.Attempt{}, fmt.Errorf("%w: attempt record fails its checksum (run dexra-tui doctor)", ErrCorrupt)
	}
	return decodeAttemptUnchecked(v[4:], withBody)
}

// decodeAttemptUnchecked decodes an attempt value without its checksum.
func decodeAttemptUnchecked(v []byte, withBody bool) (payloads.Attempt, error) {
	r := wireReader{b: v}
	var a payloads.Attempt
	a.Target = r.str()
	a.Mode = r.str()
	a.At = r.time()
	a.Status = int(r.int())
	a.Latency = time.Duration(r.int())
	a.Error = r.str()
	a.ResponseHeaders = r.header()
	a.ResponseTruncated = r.uint()&1 != 0
	a.Warning = r.str()
	a.DerivedID = r.str()
	if r.err != nil {
		return payloads.Attempt{}, fmt.Errorf("%w: attempt record: %v", ErrCorrupt, r.err)
	}
	if withBody && len(r.b) > 0 {
		a.ResponseBody = bytes.Clone(r.b)
	}
	return a, nil
}

// Counters of decoded heads (candidates examined) and rests (events returned), so
// tests can bound the work of a page.
var decodeCount, restDecodeCount atomic.Uint64
