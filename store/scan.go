package store

import (
	"bytes"
	"encoding/binary"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Scanning: a bare word or path: term is decided on a record's raw bytes (its path,
// read in place) and the body's, before anything is decoded or allocated, so a
// filter that matches few events costs a checksum and a byte search per event.
//
// The raw search is exact, not a guess: for a word that is all ASCII, "the lowered
// text contains the lowered word" (Filter.Match) holds iff an ASCII case-folded
// search of the raw bytes finds it, except where a rune outside ASCII lowers into
// ASCII — only U+0130 (to 'i') and U+212A (to 'k') do — or for a word with bytes
// outside ASCII; those terms are left to Filter.Match on the decoded event.

// rawFormat is format 3's layout, which rawPath reads in place, as it reads format 4's
// (rawPathV4); records of another format are decoded (decodeHead) and matched whole,
// which is slower but equally right.
const rawFormat = 3

// rawPath returns the path in a record of rawFormat (checked by checkRecord), in
// place: the head is uvarint(len) bytes of ID, then Path (codec.go).
func rawPath(v []byte) ([]byte, bool) {
	if len(v) >= recordPrefix && v[0] == recordFormatV4 {
		return rawPathV4(v[recordPrefix:])
	}
	if len(v) < recordPrefix || v[0] != rawFormat {
		return nil, false
	}
	v = v[recordPrefix:]
	for i := 0; ; i++ {
		n, size := binary.Uvarint(v)
		if size <= 0 || n > uint64(len(v)-size) {
			return nil, false
		}
		if i == 1 {
			return v[size : size+int(n)], true
		}
		v = v[size+int(n):]
	}
}

// rawPathV4 is rawPath in a format 4 head: the compact mark, the ID in any of its
// forms, then the path as text (codec.go).
func rawPathV4(head []byte) ([]byte, bool) {
	if !hasCompactMark(head) {
		return nil, false
	}
	r := wireReader{b: head[len(compactMark):]}
	r.skipTstr("")
	tag := r.uint()
	if r.err != nil || tag&7 != kindRaw {
		return nil, false
	}
	path := r.take(tag >> 3)
	return path, r.err == nil
}

// rawTerm is a term decided on raw bytes: a bare word (path or body) or path:.
type rawTerm struct {
	pos    int  // in Filter.terms
	body   bool // a bare word: the body too
	neg    bool
	word   []byte // lower-cased, ASCII
	rare   int    // the position in word of its least common byte
	cases  [2]byte
	ncases int
	// foldsIn: the word has 'i' or 'k', which U+0130 and U+212A lower to.
	foldsI, foldsK bool
}

// rawFilter is the part of a Filter decided on raw bytes.
type rawFilter struct {
	terms []rawTerm
	n     int // terms in the Filter
}

// maxRawTerms bounds the terms whose raw results are tracked (a bit each).
const maxRawTerms = 64

// compileRaw returns f's raw part, or nil if no term can be decided raw.
func compileRaw(f *Filter) *rawFilter {
	if f == nil || len(f.terms) > maxRawTerms {
		return nil
	}
	rf := &rawFilter{n: len(f.terms)}
	for i, t := range f.terms {
		// A value outside ASCII is matched on the unescaped path too: Match decides.
		if (t.key != "" && t.key != KeyPath) || t.nonASCII || !isASCII(t.lower) {
			continue
		}
		rt := rawTerm{pos: i, body: t.key == "", neg: t.neg, word: []byte(t.lower)}
		// The rarest byte, preferring one that no rune outside ASCII lowers to.
		for j := range rt.word {
			if rarer(rt.word[j], rt.word[rt.rare]) {
				rt.rare = j
			}
		}
		c := rt.word[rt.rare]
		rt.cases[0], rt.ncases = c, 1
		if 'a' <= c && c <= 'z' {
			rt.cases[1], rt.ncases = c-'a'+'A', 2
		}
		rt.foldsI = bytes.IndexByte(rt.word, 'i') >= 0
		rt.foldsK = bytes.IndexByte(rt.word, 'k') >= 0
		rf.terms = append(rf.terms, rt)
	}
	if len(rf.terms) == 0 {
		return nil
	}
	return rf
}

// eval decides the raw terms on path and body: reject says one fails (the event does
// not match); decided has a bit set per term (by its position) that holds, which
// Filter.match need not check again.
func (rf *rawFilter) eval(path, body []byte) (reject bool, decided uint64) {
	for i := range rf.terms {
		t := &rf.terms[i]
		found, sure := t.in(path)
		if !found && t.body {
			var bodySure bool
			found, bodySure = t.in(body)
			sure = sure && bodySure
		}
		if !found && !sure {
			continue // a rune that lowers into ASCII: Filter.Match decides
		}
		if found == t.neg {
			return true, 0
		}
		decided |= 1 << t.pos
	}
	return false, decided
}

// in reports whether s holds t's word, ASCII case-insensitively; when it does not,
// sure says no rune of s outside ASCII could lower into it.
func (t *rawTerm) in(s []byte) (found, sure bool) {
	n := len(t.word)
	if len(s) >= n {
		// The rare byte at t.rare of a match lies in s[t.rare : len(s)-n+1+t.rare].
		hay := s[t.rare : len(s)-n+1+t.rare]
		for c := range t.ncases {
			for off := 0; ; {
				j := bytes.IndexByte(hay[off:], t.cases[c])
				if j < 0 {
					break
				}
				start := off + j
				if foldEqual(s[start:start+n], t.word) {
					return true, true
				}
				off = start + 1
			}
		}
	}
	if !t.foldsI && !t.foldsK {
		return false, true
	}
	// A match through U+0130 or U+212A still holds the rare byte (unless it is the
	// 'i' or 'k' they lower to) somewhere in s.
	if r := t.cases[0]; r != 'i' && r != 'k' && bytes.IndexByte(s, r) < 0 && (t.ncases == 1 || bytes.IndexByte(s, t.cases[1]) < 0) {
		return false, true
	}
	if t.foldsI && bytes.Contains(s, dottedCapitalI) || t.foldsK && bytes.Contains(s, kelvinSign) {
		return false, false
	}
	return false, true
}

// The only runes outside ASCII that unicode.ToLower maps into it, UTF-8 encoded.
var (
	dottedCapitalI = []byte("\u0130") // to 'i'
	kelvinSign     = []byte("\u212a") // to 'k'
)

// foldEqual reports whether s equals lower (ASCII, lower-cased) ignoring ASCII case.
func foldEqual(s, lower []byte) bool {
	for i, c := range s {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// commonBytes are the bytes of JSON webhook bodies from the most to the least common
// (measured on sample bodies, roughly); the search scans for a word's rarest one.
const commonBytes = "\"e0:,a1t 2s-io3n5r4c6d789_lu.m{}hpgyvbf/kw+xzjq"

// rarer says whether a is the better byte to scan for than b: one that no rune
// outside ASCII lowers to, then the less common.
func rarer(a, b byte) bool {
	if af, bf := a == 'i' || a == 'k', b == 'i' || b == 'k'; af != bf {
		return bf
	}
	return byteRank(a) < byteRank(b)
}

func byteRank(c byte) int {
	if 'A' <= c && c <= 'Z' {
		c += 'a' - 'A'
	}
	if i := strings.IndexByte(commonBytes, c); i >= 0 {
		return len(commonBytes) - i // the more common, the higher
	}
	return 0 // not listed: rarer than any listed
}

// seqCursor reads values by seq from a bucket keyed by seqKey, stepping its cursor
// when the seqs asked for follow each other (a walk in key order) instead of
// searching the tree from its root for each.
type seqCursor struct {
	c    *bolt.Cursor
	desc bool
	k, v []byte
	key  [8]byte
}

func newSeqCursor(b *bolt.Bucket, desc bool) *seqCursor {
	return &seqCursor{c: b.Cursor(), desc: desc}
}

// get returns the value stored under seq, or nil; like Bucket.Get, valid only during
// the transaction.
func (sc *seqCursor) get(seq uint64) []byte {
	if sc.k != nil {
		if sc.desc {
			sc.k, sc.v = sc.c.Prev()
		} else {
			sc.k, sc.v = sc.c.Next()
		}
		if len(sc.k) == 8 && binary.BigEndian.Uint64(sc.k) == seq {
			return sc.v
		}
	}
	binary.BigEndian.PutUint64(sc.key[:], seq)
	sc.k, sc.v = sc.c.Seek(sc.key[:])
	if sc.k == nil || !bytes.Equal(sc.k, sc.key[:]) {
		if sc.k == nil {
			// Past the last key: step back from the end next time, or seek again.
			sc.k, sc.v = sc.c.Last()
		}
		return nil
	}
	return sc.v
}
