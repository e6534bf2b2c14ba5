package store

import (
	"encoding/hex"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"
)

// The primitives of record format 4 (codec.go). A string is stored in the shortest of
// a few forms that give back exactly its text: uvarint(n<<3 | kind), then what kind
// says. Each binary form is chosen only when printing it again gives the same string
// (a canonical ULID, a lowercase UUID, lowercase hex), so decoding is exact.
const (
	kindRaw  = 0 // n bytes of text
	kindDict = 1 // recordDict[n] (record_dict.go)
	kindULID = 2 // n = 0; 16 bytes: a canonical ULID (26 characters)
	kindUUID = 3 // n = 0; 16 bytes: a lowercase 8-4-4-4-12 UUID (36 characters)
	kindHex  = 4 // hexPrefixes[n], then uvarint(m) and m bytes: the prefix and m*2 hex digits
	kindAddr = 5 // n bytes: netip.AddrPort's binary form of an "ip:port" as netip prints it
)

// minHexBytes: shorter hex runs (a port, a count) stay text.
const minHexBytes = 8

// compactMark starts a format 4 head and rest: a uvarint that is not minimal, which
// the writer of format 3 never wrote there, so code handed either without the
// record's format byte (decodeHeadUnchecked, completeMeta) tells them apart.
var compactMark = [2]byte{0x80, 0x00}

func hasCompactMark(v []byte) bool {
	return len(v) >= 2 && v[0] == compactMark[0] && v[1] == compactMark[1]
}

// raw writes s as text.
func (w *wireWriter) raw(s string) {
	w.uint(uint64(len(s)) << 3)
	w.b = append(w.b, s...)
}

// tstr writes s in its shortest exact form.
func (w *wireWriter) tstr(s string) {
	if i, ok := recordDictIndex[s]; ok {
		w.uint(uint64(i)<<3 | kindDict)
		return
	}
	switch {
	case len(s) == ulid.EncodedSize:
		if id, ok := canonicalULID(s); ok {
			w.uint(kindULID)
			w.b = append(w.b, id[:]...)
			return
		}
	case len(s) == 36:
		if b, ok := canonicalUUID(s); ok {
			w.uint(kindUUID)
			w.b = append(w.b, b[:]...)
			return
		}
	}
	if p, ok := hexForm(s); ok {
		digits := s[len(hexPrefixes[p]):]
		w.uint(uint64(p)<<3 | kindHex)
		w.uint(uint64(len(digits) / 2))
		w.b, _ = hex.AppendDecode(w.b, []byte(digits)) // hexForm checked the digits
		return
	}
	if len(s) >= 9 && (s[0] == '[' || s[0] >= '0' && s[0] <= '9') {
		if ap, err := netip.ParseAddrPort(s); err == nil && ap.Addr().Zone() == "" && ap.String() == s {
			b, _ := ap.MarshalBinary()
			w.uint(uint64(len(b))<<3 | kindAddr)
			w.b = append(w.b, b...)
			return
		}
	}
	w.raw(s)
}

func (w *wireWriter) tstrs(ss []string) {
	w.uint(uint64(len(ss)))
	for _, s := range ss {
		w.tstr(s)
	}
}

// canonicalULID parses s if it is a ULID as ulid.ULID.String prints it.
func canonicalULID(s string) (ulid.ULID, bool) {
	id, err := ulid.ParseStrict(s)
	if err != nil {
		return id, false
	}
	var again [ulid.EncodedSize]byte
	if id.MarshalTextTo(again[:]) != nil || string(again[:]) != s {
		return id, false
	}
	return id, true
}

// canonicalUUID parses s if it is a UUID in lowercase 8-4-4-4-12 form.
func canonicalUUID(s string) (b [16]byte, ok bool) {
	j := 0
	for i := 0; i < 36; {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if s[i] != '-' {
				return b, false
			}
			i++
			continue
		}
		hi, lo := lowerHexValue(s[i]), lowerHexValue(s[i+1])
		if hi < 0 || lo < 0 {
			return b, false
		}
		b[j] = byte(hi<<4 | lo)
		i, j = i+2, j+1
	}
	return b, true
}

func formatUUID(b []byte) string {
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:36], b[10:16])
	return string(s[:])
}

func lowerHexValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return -1
}

// hexForm says which of hexPrefixes s is followed by an even run, minHexBytes long or
// more, of lowercase hex digits that ends s.
func hexForm(s string) (int, bool) {
	if len(s) < 2*minHexBytes {
		return 0, false
	}
	for p, prefix := range hexPrefixes {
		digits, ok := strings.CutPrefix(s, prefix)
		if !ok || len(digits) < 2*minHexBytes || len(digits)%2 != 0 {
			continue
		}
		allHex := true
		for i := range len(digits) {
			if lowerHexValue(digits[i]) < 0 {
				allHex = false
				break
			}
		}
		if allHex {
			return p, true
		}
	}
	return 0, false
}

// take returns the next n bytes, or fails the reader.
func (r *wireReader) take(n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.err = errWire
		return nil
	}
	b := r.b[:n]
	r.b = r.b[n:]
	return b
}

// tstr reads what wireWriter.tstr (or raw) wrote.
func (r *wireReader) tstr() string {
	tag := r.uint()
	if r.err != nil {
		return ""
	}
	n := tag >> 3
	switch tag & 7 {
	case kindRaw:
		return string(r.take(n))
	case kindDict:
		if n >= uint64(len(recordDict)) {
			r.err = errWire
			return ""
		}
		return recordDict[n]
	case kindULID, kindUUID:
		b := r.take(16)
		if r.err != nil || n != 0 {
			r.err = errWire
			return ""
		}
		if tag&7 == kindUUID {
			return formatUUID(b)
		}
		return ulid.ULID(b).String()
	case kindHex:
		if n >= uint64(len(hexPrefixes)) {
			r.err = errWire
			return ""
		}
		b := r.take(uint64(r.count()))
		if r.err != nil {
			return ""
		}
		prefix := hexPrefixes[n]
		var buf [160]byte
		s := append(buf[:0], prefix...)
		return string(hex.AppendEncode(s, b))
	case kindAddr:
		var ap netip.AddrPort
		if b := r.take(n); r.err != nil || ap.UnmarshalBinary(b) != nil || !ap.Addr().IsValid() || ap.Addr().Zone() != "" {
			r.err = errWire
			return ""
		}
		return ap.String()
	}
	r.err = errWire
	return ""
}

func (r *wireReader) tstrs() []string {
	n := r.count()
	if n == 0 {
		return nil
	}
	ss := make([]string, n)
	for i := range ss {
		ss[i] = r.tstr()
	}
	return ss
}

// header4 writes h as header does (names sorted, secret values redacted), its names
// and values in tstr form. A Content-Length that says size (the body's length, which
// the record holds) is left out and put back by the reader: a flag in the count.
func (w *wireWriter) header4(h http.Header, size int) {
	cl, elide := h["Content-Length"]
	elide = elide && len(cl) == 1 && cl[0] == strconv.Itoa(size)
	n := uint64(len(h))
	if elide {
		n--
	}
	w.uint(n<<1 | uint64(bits(elide)))
	names := make([]string, 0, len(h))
	for name := range h {
		if !(elide && name == "Content-Length") {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		w.tstr(name)
		values := h[name]
		if !isSecretHeader(name) {
			w.tstrs(values)
			continue
		}
		w.uint(uint64(len(values)))
		for range values {
			w.tstr(Redacted)
		}
	}
}

// header4 reads what wireWriter.header4 wrote for a body of size bytes.
func (r *wireReader) header4(size int) http.Header {
	tag := r.uint()
	n, elided := tag>>1, tag&1 != 0
	if r.err != nil || n > uint64(len(r.b)) {
		r.err = errWire
		return nil
	}
	if n == 0 && !elided {
		return nil
	}
	h := make(http.Header, n+uint64(bits(elided)))
	for range n {
		name := r.tstr()
		h[name] = r.tstrs()
	}
	if elided {
		if _, dup := h["Content-Length"]; dup {
			r.err = errWire
			return nil
		}
		h["Content-Length"] = []string{strconv.Itoa(size)}
	}
	return h
}

// maxTimeDelta bounds a time stored as nanoseconds from its base (see timeFrom).
const maxTimeDelta = 1 << 62

// timeFrom writes t relative to base (the instant of the event's ID): a received time
// is within a millisecond of it, so the usual case takes 3 bytes, not 10. Tag 0: the
// zero time; 1: seconds and nanoseconds since 1970 follow (t far from base); else
// zigzag(t - base in ns) + 2. Only the instant is kept, as by time.
func (w *wireWriter) timeFrom(t, base time.Time) {
	if t.IsZero() {
		w.uint(0)
		return
	}
	if ds := t.Unix() - base.Unix(); ds > -1<<32 && ds < 1<<32 {
		d := ds*1e9 + int64(t.Nanosecond()-base.Nanosecond())
		w.uint(uint64(d<<1^d>>63) + 2)
		return
	}
	w.uint(1)
	w.int(t.Unix())
	w.uint(uint64(t.Nanosecond()))
}

// timeFrom reads what wireWriter.timeFrom wrote with the same base.
func (r *wireReader) timeFrom(base time.Time) time.Time {
	switch tag := r.uint(); {
	case r.err != nil || tag == 0:
		return time.Time{}
	case tag == 1:
		sec, nsec := r.int(), r.uint()
		if nsec >= 1e9 {
			r.err = errWire
			return time.Time{}
		}
		return time.Unix(sec, int64(nsec)).UTC()
	default:
		z := tag - 2
		d := int64(z>>1) ^ -int64(z&1)
		if d > maxTimeDelta || d < -maxTimeDelta {
			r.err = errWire
			return time.Time{}
		}
		return time.Unix(base.Unix(), int64(base.Nanosecond())+d).UTC()
	}
}

// idTime is the instant an event ID names (a ULID's milliseconds), the base of the
// record's received time; the Unix epoch for other IDs.
func idTime(id string) time.Time {
	if u, ok := canonicalULID(id); ok {
		return time.UnixMilli(int64(u.Time())).UTC()
	}
	return time.Unix(0, 0).UTC()
}

// skipTstr reads past what tstr reads, refusing what it refuses, without making the
// string; it says whether the string is want (only raw and dictionary forms can be).
func (r *wireReader) skipTstr(want string) (is bool) {
	tag := r.uint()
	if r.err != nil {
		return false
	}
	n := tag >> 3
	switch tag & 7 {
	case kindRaw:
		b := r.take(n)
		return r.err == nil && string(b) == want
	case kindDict:
		if n >= uint64(len(recordDict)) {
			r.err = errWire
			return false
		}
		return recordDict[n] == want
	case kindULID, kindUUID:
		if r.take(16); r.err != nil || n != 0 {
			r.err = errWire
		}
		return false
	case kindHex:
		if n >= uint64(len(hexPrefixes)) {
			r.err = errWire
			return false
		}
		r.take(uint64(r.count()))
		return false
	case kindAddr:
		var ap netip.AddrPort
		if b := r.take(n); r.err != nil || ap.UnmarshalBinary(b) != nil || !ap.Addr().IsValid() || ap.Addr().Zone() != "" {
			r.err = errWire
		}
		return false
	}
	r.err = errWire
	return false
}

// skipHeader4 reads past what header4 reads, refusing what it refuses, without
// making the header.
func (r *wireReader) skipHeader4() {
	tag := r.uint()
	n, elided := tag>>1, tag&1 != 0
	if r.err != nil || n > uint64(len(r.b)) {
		r.err = errWire
		return
	}
	for range n {
		if r.skipTstr("Content-Length") && elided {
			r.err = errWire
		}
		for m := r.count(); m > 0 && r.err == nil; m-- {
			r.skipTstr("")
		}
	}
}
