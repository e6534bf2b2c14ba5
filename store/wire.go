package store

import (
	"encoding/binary"
	"errors"
	"net/http"
	"slices"
	"time"
)

// The binary primitives of the record and attempt codecs: varints, and strings and
// lists as uvarint(length) then their items.

type wireWriter struct{ b []byte }

func (w *wireWriter) uint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *wireWriter) int(v int64)   { w.b = binary.AppendVarint(w.b, v) }

func (w *wireWriter) str(s string) {
	w.uint(uint64(len(s)))
	w.b = append(w.b, s...)
}

func (w *wireWriter) strs(ss []string) {
	w.uint(uint64(len(ss)))
	for _, s := range ss {
		w.str(s)
	}
}

// time keeps the instant (not the zone): seconds and nanoseconds since 1970.
func (w *wireWriter) time(t time.Time) {
	if t.IsZero() {
		w.int(0)
		w.uint(0)
		return
	}
	w.int(t.Unix())
	w.uint(uint64(t.Nanosecond()) + 1) // +1: the zero time is 0, 0
}

// header writes h with its names sorted, so equal headers encode equally, and the
// values of secret headers replaced by Redacted (see RedactHeaders).
func (w *wireWriter) header(h http.Header) {
	w.uint(uint64(len(h)))
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		w.str(name)
		values := h[name]
		if !isSecretHeader(name) {
			w.strs(values)
			continue
		}
		w.uint(uint64(len(values)))
		for range values {
			w.str(Redacted)
		}
	}
}

var errWire = errors.New("truncated or malformed record")

// wireReader reads what wireWriter wrote; the first failure sticks in err and later
// reads return zero values.
type wireReader struct {
	b   []byte
	err error
}

func (r *wireReader) uint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errWire
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *wireReader) int() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errWire
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a length and checks that at least that many bytes remain (each item
// takes one or more), which bounds what a damaged length can make us allocate.
func (r *wireReader) count() int {
	n := r.uint()
	if n > uint64(len(r.b)) {
		r.err = errWire
		return 0
	}
	return int(n)
}

func (r *wireReader) str() string {
	n := r.count()
	if r.err != nil {
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *wireReader) strs() []string {
	n := r.count()
	if n == 0 {
		return nil
	}
	ss := make([]string, n)
	for i := range ss {
		ss[i] = r.str()
	}
	return ss
}

func (r *wireReader) time() time.Time {
	sec, nsec := r.int(), r.uint()
	if nsec == 0 || nsec > 1e9 {
		if nsec > 1e9 {
			r.err = errWire
		}
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec-1)).UTC()
}

func (r *wireReader) header() http.Header {
	n := r.count()
	if n == 0 {
		return nil
	}
	h := make(http.Header, n)
	for range n {
		name := r.str()
		h[name] = r.strs()
	}
	return h
}
