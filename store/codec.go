package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sync/atomic"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
)

// An event's record (bucketEvents) is a small binary head, then JSON of the rest of
// payloads.Event (Body and Attempts are never in it: they have their own buckets).
//
//	format(1) then, each as uvarint(len) bytes:
//	ID Path Source Type SignatureStatus DedupKey DuplicateOf Correlation
//
// The head holds every field filters, indexes and pruning read, so scanning skips the
// JSON decode of events that do not match. The JSON rest depends on nothing the
// transaction decides, so it is encoded before the event reaches the writer.
const recordFormat = 2

// encodeRest encodes the JSON rest of ev's record: everything but the head fields,
// Seq, Body and Attempts.
func encodeRest(ev *payloads.Event) ([]byte, error) {
	rest := *ev
	rest.ID, rest.Path, rest.Source, rest.Type = "", "", "", ""
	rest.DedupKey, rest.DuplicateOf, rest.Correlation = "", "", ""
	rest.Seq, rest.Body, rest.Attempts = 0, nil, nil
	js, err := json.Marshal(&rest)
	if err != nil {
		return nil, fmt.Errorf("encode event %s: %w", ev.ID, err)
	}
	return js, nil
}

// encodeRecord joins the head of ev (with duplicateOf, decided in the transaction)
// and its encoded rest.
func encodeRecord(ev *payloads.Event, duplicateOf string, rest []byte) []byte {
	head := [...]string{ev.ID, ev.Path, ev.Source, ev.Type, string(ev.Signature.Status),
		ev.DedupKey, duplicateOf, ev.Correlation}
	n := 1 + len(rest)
	for _, s := range head {
		n += binary.MaxVarintLen32 + len(s)
	}
	b := make([]byte, 0, n)
	b = append(b, recordFormat)
	for _, s := range head {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return append(b, rest...)
}

// decodeHead decodes the head of the record stored under seq into an event holding
// only those fields, and returns the JSON rest. Strings are copied: the event
// outlives the transaction; rest does not.
func decodeHead(seq uint64, v []byte) (ev *payloads.Event, rest []byte, err error) {
	decodeCount.Add(1)
	if len(v) == 0 || v[0] != recordFormat {
		return nil, nil, fmt.Errorf("%w: event %d: unknown record format", ErrCorrupt, seq)
	}
	v = v[1:]
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

// completeMeta fills ev (from decodeHead) with the JSON rest of its record.
func completeMeta(ev *payloads.Event, rest []byte) error {
	jsonDecodeCount.Add(1)
	head := *ev
	if err := json.Unmarshal(rest, ev); err != nil {
		return fmt.Errorf("%w: event %d: %v", ErrCorrupt, head.Seq, err)
	}
	ev.Seq, ev.ID, ev.Path, ev.Source, ev.Type = head.Seq, head.ID, head.Path, head.Source, head.Type
	ev.DedupKey, ev.DuplicateOf, ev.Correlation = head.DedupKey, head.DuplicateOf, head.Correlation
	ev.Body, ev.Attempts = head.Body, head.Attempts
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

// An attempt's value (bucketAttempts) is uvarint(len(JSON)) JSON of the attempt
// without its response body, then the response body's raw bytes, so a page of events
// decodes the attempts without copying the app's answers.

// encodeAttempt encodes a, its secret response headers redacted.
func encodeAttempt(a payloads.Attempt) ([]byte, error) {
	body := a.ResponseBody
	a.ResponseHeaders = RedactHeaders(a.ResponseHeaders)
	a.ResponseBody = nil
	js, err := json.Marshal(&a)
	if err != nil {
		return nil, fmt.Errorf("encode attempt to %s: %w", a.Target, err)
	}
	b := make([]byte, 0, binary.MaxVarintLen32+len(js)+len(body))
	b = binary.AppendUvarint(b, uint64(len(js)))
	b = append(b, js...)
	return append(b, body...), nil
}

// decodeAttempt decodes an attempt value; the response body is copied only if withBody.
func decodeAttempt(v []byte, withBody bool) (payloads.Attempt, error) {
	var a payloads.Attempt
	n, size := binary.Uvarint(v)
	if size <= 0 || n > uint64(len(v)-size) {
		return a, fmt.Errorf("%w: truncated attempt record", ErrCorrupt)
	}
	if err := json.Unmarshal(v[size:size+int(n)], &a); err != nil {
		return a, fmt.Errorf("%w: attempt record: %v", ErrCorrupt, err)
	}
	if body := v[size+int(n):]; withBody && len(body) > 0 {
		a.ResponseBody = append([]byte(nil), body...)
	}
	return a, nil
}

// Counters of decoded heads (candidates examined) and JSON rests (events returned),
// so tests can bound the work of a page.
var decodeCount, jsonDecodeCount atomic.Uint64
