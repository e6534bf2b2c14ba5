package store

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dexra/dexra-tui/payloads"
)

// Filter is a parsed query of the filter language shared by `events --filter` and the
// console: space-separated terms that must all match.
//
//	type:X source:X        event type / source, case-insensitive, exact
//	sig:pass|fail|missing|unchecked
//	path:X                 case-insensitive substring of the request path (as typed, or %-escaped)
//	dup:yes|no             whether the event redelivers an earlier dedup key
//	corr:X                 correlation key, exact
//	dir:in|out             inbound webhook or outbound API call (a sent message)
//	word  "two words"      case-insensitive substring of the path or the body
//	-term                  negates any term
//
// Values with spaces are double-quoted (`path:"/a b"`); inside quotes \" and \\ escape.
type Filter struct {
	terms []term
}

// Filter keys.
const (
	KeyType   = "type"
	KeySource = "source"
	KeySig    = "sig"
	KeyPath   = "path"
	KeyDup    = "dup"
	KeyCorr   = "corr"
	KeyDir    = "dir"
)

// FilterKeys lists the keys the filter language knows, in the order help shows them.
var FilterKeys = []string{KeyType, KeySource, KeySig, KeyPath, KeyDup, KeyCorr, KeyDir}

// term is one condition. key is "" for a bare word or phrase.
type term struct {
	neg   bool
	key   string
	value string // as written (sig, dup and dir values lower-cased)
	lower string // value lower-cased, what case-insensitive keys compare against
	// nonASCII: the value holds a byte outside ASCII, so a path is also compared
	// unescaped (the listener keeps the request's escaped path: é is there as %C3%A9),
	// and with escapedLower, the value escaped so (for a value that mixes both forms).
	nonASCII     bool
	escapedLower string
}

// setValue sets the term's value and the forms it is compared in.
func (t *term) setValue(v string) {
	t.value, t.lower, t.nonASCII = v, strings.ToLower(v), !isASCII(v)
	if t.nonASCII {
		t.escapedLower = strings.ToLower(escapeNonASCII(v))
	}
}

// escapeNonASCII writes each byte of s outside ASCII as %XX, as url.URL.EscapedPath does.
func escapeNonASCII(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x80 {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// unescapeLower decodes every valid %xx of s, which is lower-cased, and keeps the rest
// as it is (a path from an imported file may hold a bare %).
func unescapeLower(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if hi, lo := lowerHexValue(s[i+1]), lowerHexValue(s[i+2]); hi >= 0 && lo >= 0 {
				b = append(b, byte(hi<<4|lo))
				i += 2
				continue
			}
		}
		b = append(b, s[i])
	}
	return string(b)
}

// pathForms are the lower-cased forms of an event's path the terms compare against,
// made once per event and only when a term needs them.
type pathForms struct {
	path             string
	lower, unescaped string
	lowered, decoded bool
}

// holds says whether the path holds t: as stored, or, for a term outside ASCII, with
// its %XX escapes decoded, or the term escaped as the path is (case-insensitively but
// for the escaped letters of the last).
func (p *pathForms) holds(t *term) bool {
	if !p.lowered {
		p.lower, p.lowered = strings.ToLower(p.path), true
	}
	if strings.Contains(p.lower, t.lower) {
		return true
	}
	if !t.nonASCII {
		return false
	}
	if strings.Contains(p.lower, t.escapedLower) {
		return true
	}
	if !p.decoded {
		p.unescaped, p.decoded = strings.ToLower(unescapeLower(p.lower)), true
	}
	return strings.Contains(p.unescaped, t.lower)
}

// ParseFilter parses a query; the empty query matches every event.
func ParseFilter(q string) (*Filter, error) {
	f := &Filter{}
	i := 0
	for {
		i = skipSpace(q, i)
		if i >= len(q) {
			return f, nil
		}
		t, next, err := parseTerm(q, i)
		if err != nil {
			return nil, fmt.Errorf("filter %q: %w", q, err)
		}
		f.terms = append(f.terms, t)
		i = next
	}
}

// parseTerm reads one term starting at q[i] (not a space) and returns where it ended.
func parseTerm(q string, i int) (term, int, error) {
	start := i
	var t term
	if q[i] == '-' {
		t.neg = true
		i++
		if i >= len(q) || isSpaceAt(q, i) {
			return t, 0, fmt.Errorf("column %d: '-' must be followed by a term", start+1)
		}
	}
	if q[i] == '"' {
		phrase, next, err := parseQuoted(q, i)
		if err != nil {
			return t, 0, err
		}
		if phrase == "" {
			return t, 0, fmt.Errorf("column %d: empty phrase", i+1)
		}
		t.setValue(phrase)
		return t, next, nil
	}
	end := i
	for end < len(q) && !isSpaceAt(q, end) && q[end] != '"' {
		end++
	}
	word := q[i:end]
	colon := strings.IndexByte(word, ':')
	if colon <= 0 {
		// A bare word (a leading ':' cannot start a key, so it is part of the word).
		if end < len(q) && q[end] == '"' {
			return t, 0, fmt.Errorf("column %d: unexpected '\"' inside %q: quote the whole word", end+1, word)
		}
		t.setValue(word)
		return t, end, nil
	}
	key := strings.ToLower(word[:colon])
	if !knownKey(key) {
		return t, 0, fmt.Errorf("column %d: unknown key %q (known keys: %s; quote a word to search for it literally)",
			i+1, word[:colon], strings.Join(FilterKeys, ", "))
	}
	t.key = key
	valueStart := i + colon + 1
	value := word[colon+1:]
	if end < len(q) && q[end] == '"' {
		if end != valueStart {
			return t, 0, fmt.Errorf("column %d: unexpected '\"' inside %q: quote the whole value", end+1, word)
		}
		quoted, next, err := parseQuoted(q, end)
		if err != nil {
			return t, 0, err
		}
		value, end = quoted, next
	}
	if value == "" {
		return t, 0, fmt.Errorf("column %d: empty value for %s: (write %s:VALUE)", i+1, key, key)
	}
	switch key {
	case KeySig:
		value = strings.ToLower(value)
		if !validSig(value) {
			return t, 0, fmt.Errorf("column %d: sig:%s: want pass, fail, missing or unchecked", i+1, value)
		}
	case KeyDup:
		value = strings.ToLower(value)
		if value != "yes" && value != "no" {
			return t, 0, fmt.Errorf("column %d: dup:%s: want yes or no", i+1, value)
		}
	case KeyDir:
		value = strings.ToLower(value)
		if value != "in" && value != "out" {
			return t, 0, fmt.Errorf("column %d: dir:%s: want in or out", i+1, value)
		}
	}
	t.setValue(value)
	return t, end, nil
}

// parseQuoted reads a double-quoted string starting at q[i] == '"'. The closing quote
// must end the term.
func parseQuoted(q string, i int) (string, int, error) {
	open := i
	var b strings.Builder
	for i++; i < len(q); i++ {
		switch q[i] {
		case '\\':
			i++
			if i >= len(q) {
				return "", 0, fmt.Errorf("column %d: unterminated quote", open+1)
			}
			b.WriteByte(q[i])
		case '"':
			i++
			if i < len(q) && !isSpaceAt(q, i) {
				return "", 0, fmt.Errorf("column %d: a closing quote must be followed by a space", i+1)
			}
			return b.String(), i, nil
		default:
			b.WriteByte(q[i])
		}
	}
	return "", 0, fmt.Errorf("column %d: unterminated quote", open+1)
}

func skipSpace(q string, i int) int {
	for i < len(q) {
		r, size := utf8.DecodeRuneInString(q[i:])
		if !unicode.IsSpace(r) {
			break
		}
		i += size
	}
	return i
}

func isSpaceAt(q string, i int) bool {
	r, _ := utf8.DecodeRuneInString(q[i:])
	return unicode.IsSpace(r)
}

func knownKey(k string) bool {
	for _, known := range FilterKeys {
		if k == known {
			return true
		}
	}
	return false
}

func validSig(v string) bool {
	switch v {
	case "pass", "fail", "missing", "unchecked":
		return true
	}
	return false
}

// String renders the filter in canonical form; ParseFilter(f.String()) equals f.
func (f *Filter) String() string {
	if f == nil {
		return ""
	}
	parts := make([]string, 0, len(f.terms))
	for _, t := range f.terms {
		var b strings.Builder
		if t.neg {
			b.WriteByte('-')
		}
		if t.key != "" {
			b.WriteString(t.key)
			b.WriteByte(':')
			b.WriteString(quoteIfNeeded(t.value, false))
		} else {
			b.WriteString(quoteIfNeeded(t.value, true))
		}
		parts = append(parts, b.String())
	}
	return strings.Join(parts, " ")
}

// quoteIfNeeded quotes v when reading it back unquoted would give something else.
func quoteIfNeeded(v string, bare bool) string {
	needs := v == "" || strings.ContainsRune(v, '"') || strings.ContainsFunc(v, unicode.IsSpace)
	if bare && (strings.ContainsRune(v, ':') || strings.HasPrefix(v, "-")) {
		needs = true
	}
	if !needs {
		return v
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		if v[i] == '"' || v[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(v[i])
	}
	b.WriteByte('"')
	return b.String()
}

// Empty reports whether the filter has no terms (matches everything).
func (f *Filter) Empty() bool { return f == nil || len(f.terms) == 0 }

// NeedsBody reports whether matching looks at the body (a bare word or phrase), so a
// caller must load bodies before calling Match.
func (f *Filter) NeedsBody() bool {
	if f == nil {
		return false
	}
	for _, t := range f.terms {
		if t.key == "" {
			return true
		}
	}
	return false
}

// NeedsRest reports whether matching looks at a field kept outside a record's head
// (dir: reads Direction), so a caller must decode the whole record before Match.
func (f *Filter) NeedsRest() bool {
	if f == nil {
		return false
	}
	for _, t := range f.terms {
		if t.key == KeyDir {
			return true
		}
	}
	return false
}

// Match reports whether ev satisfies every term. Bare words search ev.Body only if it
// is loaded (see NeedsBody). It reads only fields the store keeps in a record's head
// (codec.go), which lets List skip decoding events that do not match, except dir:,
// which reads Direction (see NeedsRest); an event without one counts as inbound.
func (f *Filter) Match(ev *payloads.Event) bool { return f.match(ev, 0) }

// match is Match but for the terms whose bit (by position) is set in decided, which
// hold already (rawFilter.eval).
func (f *Filter) match(ev *payloads.Event, decided uint64) bool {
	if f == nil {
		return true
	}
	path := pathForms{path: ev.Path}
	var lowerBody []byte
	bodyLowered := false
	for i := range f.terms {
		t := &f.terms[i]
		if i < maxRawTerms && decided&(1<<i) != 0 {
			continue
		}
		var ok bool
		switch t.key {
		case KeyType:
			ok = indexValueType(ev) == t.lower
		case KeySource:
			ok = indexValueSource(ev) == t.lower
		case KeySig:
			ok = indexValueSig(ev) == t.value
		case KeyDup:
			ok = indexValueDup(ev) == t.value
		case KeyCorr:
			ok = ev.Correlation == t.value
		case KeyDir:
			ok = (ev.Direction == payloads.Outbound) == (t.value == "out")
		case KeyPath:
			ok = path.holds(t)
		default:
			ok = path.holds(t)
			if !ok {
				if !bodyLowered {
					lowerBody, bodyLowered = bytes.ToLower(ev.Body), true
				}
				ok = bytes.Contains(lowerBody, []byte(t.lower))
			}
		}
		if ok == t.neg {
			return false
		}
	}
	return true
}
