package store

import (
	"encoding/binary"
	"fmt"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
)

// Record format 3, which histories written before format 4 hold (codec.go): read,
// never written. Its head is uvarint(len) and the text of ID Path Source Type
// SignatureStatus DedupKey DuplicateOf Correlation; its rest is every other field as
// text or varints (decodeRestV3), with the retired schema part.

// decodeHeadV3 is decodeHeadUnchecked for a format 3 head.
func decodeHeadV3(seq uint64, v []byte) (ev *payloads.Event, rest []byte, err error) {
	var head [8]string
	for i := range head {
		n, size := binary.Uvarint(v)
		if size <= 0 || n > uint64(len(v)-size) {
			return nil, nil, fmt.Errorf("%w: event seq %d: truncated record", ErrCorrupt, seq)
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

// decodeRestV3 fills ev with a format 3 rest; v must hold nothing after it.
func decodeRestV3(ev *payloads.Event, v []byte) error {
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

// Format 3 records once kept the event's schema check (flags, unknown, missing and
// errors lists, note); later format 3 records keep the part empty. It is computed
// where it is shown (payloads.CheckSchema), and format 4 has no such part.

// skipRetiredSchema reads past a schema part, empty or not, without copying it.
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
