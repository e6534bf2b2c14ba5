package store

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
)

// Brief listings (ListOptions.Brief, `events`): an event without its headers and
// attempts, decoded from a record of rawFormat with one copy of the record, whose
// fields are substrings, instead of a string per field and a map of headers, for
// format 3's layout (codec.go: head, then the rest in its writer's order); format 4 is
// decoded field by field with its headers checked but not built (decodeBriefV4).

// decodeBrief checks the record stored under seq and decodes all of it but the
// headers.
func decodeBrief(seq uint64, v []byte) (*payloads.Event, error) {
	if len(v) >= recordPrefix && v[0] == recordFormatV4 {
		return decodeBriefV4(seq, v)
	}
	if len(v) < recordPrefix || v[0] != rawFormat {
		ev, err := decodeMeta(seq, v)
		if ev != nil {
			ev.Headers = nil
		}
		return ev, err
	}
	decodeCount.Add(1)
	if err := checkRecord(seq, v); err != nil {
		return nil, err
	}
	restDecodeCount.Add(1)
	r := briefReader{s: string(v[recordPrefix:]), ok: true}
	ev := &payloads.Event{Seq: seq}
	ev.ID, ev.Path, ev.Source, ev.Type = r.str(), r.str(), r.str(), r.str()
	ev.Signature.Status = sig.Status(r.str())
	ev.DedupKey, ev.DuplicateOf, ev.Correlation = r.str(), r.str(), r.str()
	ev.Received = r.time()
	ev.Direction = payloads.Direction(r.str())
	ev.Method, ev.Query, ev.Host, ev.RemoteAddr = r.str(), r.str(), r.str(), r.str()
	for n := r.uint(); n > 0 && r.ok; n-- { // headers: name, then values
		r.str()
		r.strs()
	}
	ev.Size = int(r.int())
	ev.BodyKind = payloads.BodyKind(r.str())
	ev.Signature.Scheme, ev.Signature.Reason = r.str(), r.str()
	ev.Signature.SecretIndex = int(r.int())
	ev.Signature.Expected, ev.Signature.Received = r.str(), r.str()
	r.uint() // the retired schema part: flags, three lists, a note
	r.strs()
	r.strs()
	r.strs()
	r.str()
	ev.Summary = r.str()
	ev.Status = int(r.int())
	ev.Simulated, ev.Rejected, ev.DerivedFrom = r.str(), r.str(), r.str()
	if !r.ok || r.i != len(r.s) {
		return nil, fmt.Errorf("%w: event seq %d: %v", ErrCorrupt, seq, errWire)
	}
	return ev, nil
}

// briefReader reads wireWriter's primitives from a string, returning substrings; the
// first failure clears ok and later reads return zero values.
type briefReader struct {
	s  string
	i  int
	ok bool
}

func (r *briefReader) uvarint() (uint64, bool) {
	if !r.ok {
		return 0, false
	}
	if r.i < len(r.s) && r.s[r.i] < 0x80 { // most lengths and numbers: one byte
		r.i++
		return uint64(r.s[r.i-1]), true
	}
	var v uint64
	for shift, j := uint(0), r.i; j < len(r.s) && j-r.i < binary.MaxVarintLen64; shift, j = shift+7, j+1 {
		c := r.s[j]
		if c < 0x80 {
			if j-r.i == binary.MaxVarintLen64-1 && c > 1 {
				break // overflows 64 bits
			}
			r.i = j + 1
			return v | uint64(c)<<shift, true
		}
		v |= uint64(c&0x7f) << shift
	}
	r.ok, r.i = false, len(r.s)
	return 0, false
}

func (r *briefReader) uint() uint64 {
	v, _ := r.uvarint()
	return v
}

func (r *briefReader) int() int64 { // binary.Varint's zig-zag
	u, _ := r.uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

func (r *briefReader) str() string {
	n, ok := r.uvarint()
	if !ok || n > uint64(len(r.s)-r.i) {
		r.ok, r.i = false, len(r.s)
		return ""
	}
	s := r.s[r.i : r.i+int(n)]
	r.i += int(n)
	return s
}

// strs skips a list of strings.
func (r *briefReader) strs() {
	for n := r.uint(); n > 0 && r.ok; n-- {
		r.str()
	}
}

func (r *briefReader) time() time.Time {
	sec, nsec := r.int(), r.uint()
	if nsec == 0 || nsec > 1e9 {
		if nsec > 1e9 {
			r.ok, r.i = false, len(r.s)
		}
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec-1)).UTC()
}

// decodeBriefV4 is decodeBrief of a format 4 record: its head, then its rest with the
// headers skipped.
func decodeBriefV4(seq uint64, v []byte) (*payloads.Event, error) {
	ev, rest, err := decodeHead(seq, v)
	if err != nil {
		return nil, err
	}
	restDecodeCount.Add(1)
	if !hasCompactMark(rest) {
		return nil, fmt.Errorf("%w: event seq %d: %v", ErrCorrupt, seq, errWire)
	}
	if err := decodeRestV4(ev, rest, false); err != nil {
		return nil, fmt.Errorf("%w: event seq %d: %v", ErrCorrupt, seq, err)
	}
	return ev, nil
}
