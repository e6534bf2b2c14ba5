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
// and Attempts are never in it: they have their own buckets), all binary:
//
//	format(1) crc32c(4) of all that follows, crc32c(4) of the body, then
//	format 4: compactMark(2), ID Path Source Type SignatureStatus DedupKey DuplicateOf
//	Correlation as typed strings (wire_compact.go), then compactMark(2) and the rest,
//	field by field in the order of encodeRest;
//	format 3 (record_v3.go, read only): the head as uvarint(len) and text, the rest
//	as text and varints.
//
// The head holds every field filters, indexes and pruning read, so scanning skips
// decoding the rest of events that do not match; Path, Source, Type and the verdict
// stay text in it (a raw search finds them). The rest depends on nothing the
// transaction decides, so it is encoded before the event reaches the writer. The
// checksums (hardware crc32c: about a nanosecond per 16 bytes) make a damaged record
// or body an error that names the event, not a wrong answer; the body's sum lives in
// the record so a body needs no format of its own. Format 2 (schema 2) had no sums.
//
// Format 4 halves the record (467 to about 200 bytes for a signed 900 B delivery,
// BenchmarkHistoryBytes in tunnel/): a history's bytes per event were 1.57 times its
// requests' (issue 14), and the record was the part not the body. What it does, each
// exact on decode (TestRecordKeepsEveryField, FuzzDecodeRecord):
//   - canonical ULIDs (the ID, DuplicateOf) and lowercase UUIDs (correlations) as
//     their 16 bytes, lowercase hex (signatures; "sha256:" dedup keys) as its bytes,
//     "ip:port" (Host, RemoteAddr) in netip's binary form: 26/36/71/15 bytes to
//     17/17/34/7;
//   - a static dictionary (record_dict.go) of common header names and values,
//     methods, directions, body kinds and schemes: one or two bytes each;
//   - the Content-Length header left out when it says the body's size (restored);
//   - the received time as nanoseconds from the ID's instant (3 bytes, not 10), and
//     no retired schema part.
//
// Both forms are read: existing histories hold format 3 and are not rewritten (the
// record carries its format, so no migration is needed); new records are format 4.
// The marks let decodeHeadUnchecked and completeMeta, handed a record without its
// format byte, tell the forms apart: 0x80 0x00 is a uvarint that is not minimal, and
// format 3's writer only wrote minimal ones where a format 3 head and rest begin.
const (
	recordFormatV3 = 3
	recordFormatV4 = 4 // what encodeRecord writes
)

// recordPrefix is the format byte and the two sums.
const recordPrefix = 9

// encodeRest encodes every field of ev but the head's, Seq, Body and Attempts, with
// secret header values redacted (record format 4). The received time is stored
// relative to ev.ID, so the record's head must carry the same ID.
// TestRecordKeepsEveryField fails when a field of payloads.Event is missing here.
func encodeRest(ev *payloads.Event) []byte {
	w := wireWriter{b: make([]byte, 0, 256)}
	w.b = append(w.b, compactMark[:]...)
	w.timeFrom(ev.Received, idTime(ev.ID))
	w.tstr(string(ev.Direction))
	w.tstr(ev.Method)
	w.tstr(ev.Query)
	w.tstr(ev.Host)
	w.tstr(ev.RemoteAddr)
	w.int(int64(ev.Size))
	w.header4(ev.Headers, ev.Size)
	w.tstr(string(ev.BodyKind))
	v := ev.Signature // its Status is in the head
	w.tstr(v.Scheme)
	w.tstr(v.Reason)
	w.int(int64(v.SecretIndex))
	w.tstr(v.Expected)
	w.tstr(v.Received)
	w.tstr(ev.Summary)
	w.int(int64(ev.Status))
	w.tstr(ev.Simulated)
	w.tstr(ev.Rejected)
	w.tstr(ev.DerivedFrom)
	return w.b
}

// decodeRest fills ev (its head decoded: the received time is relative to its ID)
// with the rest encodeRest, or format 3's writer, wrote; v must hold nothing after it.
func decodeRest(ev *payloads.Event, v []byte) error {
	if !hasCompactMark(v) {
		return decodeRestV3(ev, v)
	}
	return decodeRestV4(ev, v, true)
}

// decodeRestV4 is decodeRest of a format 4 rest, the headers skipped (checked as
// decoding them would, but not made) unless withHeaders.
func decodeRestV4(ev *payloads.Event, v []byte, withHeaders bool) error {
	r := wireReader{b: v[len(compactMark):]}
	ev.Received = r.timeFrom(idTime(ev.ID))
	ev.Direction = payloads.Direction(r.tstr())
	ev.Method = r.tstr()
	ev.Query = r.tstr()
	ev.Host = r.tstr()
	ev.RemoteAddr = r.tstr()
	ev.Size = int(r.int())
	if withHeaders {
		ev.Headers = r.header4(ev.Size)
	} else {
		r.skipHeader4()
	}
	ev.BodyKind = payloads.BodyKind(r.tstr())
	ev.Signature.Scheme = r.tstr()
	ev.Signature.Reason = r.tstr()
	ev.Signature.SecretIndex = int(r.int())
	ev.Signature.Expected = r.tstr()
	ev.Signature.Received = r.tstr()
	ev.Summary = r.tstr()
	ev.Status = int(r.int())
	ev.Simulated = r.tstr()
	ev.Rejected = r.tstr()
	ev.DerivedFrom = r.tstr()
	if r.err == nil && len(r.b) != 0 {
		r.err = errWire
	}
	return r.err
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
	n := recordPrefix + len(compactMark) + len(rest) + 8*binary.MaxVarintLen32 +
		len(ev.ID) + len(ev.Path) + len(ev.Source) + len(ev.Type) + len(ev.Signature.Status) +
		len(ev.DedupKey) + len(duplicateOf) + len(ev.Correlation)
	w := wireWriter{b: make([]byte, recordPrefix, n)}
	w.b[0] = recordFormatV4
	binary.BigEndian.PutUint32(w.b[5:], bodySum)
	w.b = append(w.b, compactMark[:]...)
	w.tstr(ev.ID)
	w.raw(ev.Path)
	w.raw(ev.Source)
	w.raw(ev.Type)
	w.raw(string(ev.Signature.Status))
	w.tstr(ev.DedupKey)
	w.tstr(duplicateOf)
	w.tstr(ev.Correlation)
	w.b = append(w.b, rest...)
	binary.BigEndian.PutUint32(w.b[1:], crc32.Checksum(w.b[5:], crc32c))
	return w.b
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
	if len(v) < recordPrefix || (v[0] != recordFormatV3 && v[0] != recordFormatV4) ||
		(v[0] == recordFormatV4) != hasCompactMark(v[recordPrefix:]) {
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
	ev, rest, err = decodeHeadUnchecked(seq, v[recordPrefix:])
	if err == nil && hasCompactMark(rest) != (v[0] == recordFormatV4) {
		// No writer mixes them: head and rest of another format are damage.
		return nil, nil, fmt.Errorf("%w: event seq %d: its record mixes two formats (run dexra-tui doctor)", ErrCorrupt, seq)
	}
	return ev, rest, err
}

// decodeHeadUnchecked is decodeHead on a record (either format) without its prefix.
func decodeHeadUnchecked(seq uint64, v []byte) (ev *payloads.Event, rest []byte, err error) {
	if !hasCompactMark(v) {
		return decodeHeadV3(seq, v)
	}
	r := wireReader{b: v[len(compactMark):]}
	var head [8]string
	for i := range head {
		head[i] = r.tstr()
	}
	if r.err != nil {
		return nil, nil, fmt.Errorf("%w: event seq %d: truncated record", ErrCorrupt, seq)
	}
	ev = &payloads.Event{
		Seq: seq, ID: head[0], Path: head[1], Source: head[2], Type: head[3],
		Signature: sig.Verdict{Status: sig.Status(head[4])},
		DedupKey:  head[5], DuplicateOf: head[6], Correlation: head[7],
	}
	return ev, r.b, nil
}

// completeMeta fills ev (from decodeHead) with the rest of its record.
func completeMeta(ev *payloads.Event, rest []byte) error {
	restDecodeCount.Add(1)
	if err := decodeRest(ev, rest); err != nil {
		return fmt.Errorf("%w: event seq %d: %v", ErrCorrupt, ev.Seq, err)
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
