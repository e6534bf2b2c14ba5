package catalog

import (
	"encoding/binary"
	"encoding/json"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// maxJSONDepth is encoding/json's nesting limit (scanner.go maxNestingDepth): deeper is invalid.
const maxJSONDepth = 10000

// decodeJSON parses body as one JSON value into the shapes encoding/json gives an `any`
// with UseNumber (map[string]any, []any, json.Number, string, bool, nil); ok=false when
// json.Valid would say false. FuzzDecodeJSON holds it to encoding/json's answer.
//
// Why own code: encoding/json scans a body twice and was most of the listener's per-event
// analysis. Measured on the 1 KiB delivery (BenchmarkDecodeJSON and a scratch comparison):
// goccy/go-json's Decoder with UseNumber matched encoding/json in a differential fuzz but
// cost 0.35x encoding/json, this decoder 0.2x; its Unmarshal has no UseNumber.
// valyala/fastjson is faster still but gives other answers (nesting limit 300, raw control
// characters and invalid UTF-8 in strings kept, the first of duplicate keys), so it would
// need this validation anyway. And the listener's own fields need no tree at all (strAt).
func decodeJSON(body []byte) (any, bool) {
	d := jsonDecoder{data: body}
	return d.document()
}

// validJSON is decodeJSON's ok without building anything; longs (may be nil) gets
// where the long strings are, for strAt.
func validJSON(body []byte, longs *longStrings) bool {
	d := jsonDecoder{data: body, skip: true, longs: longs, recordLongs: longs != nil}
	_, ok := d.document()
	return ok
}

// document reads the whole body as one value.
func (d *jsonDecoder) document() (any, bool) {
	d.skipSpace()
	v, ok := d.value()
	if !ok {
		return nil, false
	}
	d.skipSpace()
	if d.pos != len(d.data) {
		return nil, false // trailing data after the value
	}
	return v, true
}

// jsonDecoder reads one JSON text; pos is the next unread byte.
type jsonDecoder struct {
	data  []byte
	pos   int
	depth int
	// text holds the bytes of every decoded string and number, so a document costs one
	// allocation for them instead of one each; bytes once written are never changed.
	text []byte
	// skip validates and moves past values without building them; exact stores a
	// string on its own instead of in text.
	skip, exact bool
	// longs, when set, is filled by a validating pass (recordLongs) or used by a read
	// of the same body.
	longs       *longStrings
	recordLongs bool
}

// keep returns b as a string stored in d.text, never sharing memory with the body.
func (d *jsonDecoder) keep(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if d.exact {
		return string(b)
	}
	if cap(d.text)-len(d.text) < len(b) {
		// What is left of the body bounds what is left to store, but for invalid UTF-8
		// (one byte becomes three); then another block.
		d.text = make([]byte, 0, max(len(b), len(d.data)-d.pos))
	}
	start := len(d.text)
	d.text = append(d.text, b...)
	return unsafe.String(&d.text[start], len(b))
}

func (d *jsonDecoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *jsonDecoder) value() (any, bool) {
	if d.pos >= len(d.data) {
		return nil, false
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		return d.object()
	case c == '[':
		return d.array()
	case c == '"':
		s, ok := d.string()
		if !ok || d.skip {
			return nil, ok
		}
		return s, true
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		return d.number()
	}
	return nil, false
}

func (d *jsonDecoder) literal(word string) bool {
	if len(d.data)-d.pos < len(word) || string(d.data[d.pos:d.pos+len(word)]) != word {
		return false
	}
	d.pos += len(word)
	return true
}

func (d *jsonDecoder) object() (any, bool) {
	if d.depth++; d.depth > maxJSONDepth {
		return nil, false
	}
	d.pos++ // '{'
	var m map[string]any
	if !d.skip {
		m = make(map[string]any)
	}
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		d.depth--
		return m, true
	}
	for {
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return nil, false
		}
		k, ok := d.key()
		if !ok {
			return nil, false
		}
		d.skipSpace()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return nil, false
		}
		d.pos++
		d.skipSpace()
		v, ok := d.value()
		if !ok {
			return nil, false
		}
		if !d.skip {
			m[k] = v // a repeated key keeps its last value, as encoding/json does
		}
		d.skipSpace()
		if d.pos >= len(d.data) {
			return nil, false
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
			d.skipSpace()
		case '}':
			d.pos++
			d.depth--
			return m, true
		default:
			return nil, false
		}
	}
}

func (d *jsonDecoder) array() (any, bool) {
	if d.depth++; d.depth > maxJSONDepth {
		return nil, false
	}
	d.pos++ // '['
	var a []any
	if !d.skip {
		a = make([]any, 0) // encoding/json gives [] for an empty array, never nil
	}
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		d.depth--
		return a, true
	}
	for {
		v, ok := d.value()
		if !ok {
			return nil, false
		}
		if !d.skip {
			a = append(a, v)
		}
		d.skipSpace()
		if d.pos >= len(d.data) {
			return nil, false
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
			d.skipSpace()
		case ']':
			d.pos++
			d.depth--
			return a, true
		default:
			return nil, false
		}
	}
}

// number reads -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? and keeps its text.
func (d *jsonDecoder) number() (any, bool) {
	start := d.pos
	if d.data[d.pos] == '-' {
		d.pos++
	}
	if d.pos >= len(d.data) {
		return nil, false
	}
	switch c := d.data[d.pos]; {
	case c == '0':
		d.pos++
	case '1' <= c && c <= '9':
		d.digits()
	default:
		return nil, false
	}
	if d.pos < len(d.data) && d.data[d.pos] == '.' {
		d.pos++
		if d.digits() == 0 {
			return nil, false
		}
	}
	if d.pos < len(d.data) && (d.data[d.pos] == 'e' || d.data[d.pos] == 'E') {
		d.pos++
		if d.pos < len(d.data) && (d.data[d.pos] == '+' || d.data[d.pos] == '-') {
			d.pos++
		}
		if d.digits() == 0 {
			return nil, false
		}
	}
	if d.skip {
		return nil, true
	}
	return json.Number(d.keep(d.data[start:d.pos])), true
}

func (d *jsonDecoder) digits() int {
	start := d.pos
	for d.pos < len(d.data) && '0' <= d.data[d.pos] && d.data[d.pos] <= '9' {
		d.pos++
	}
	return d.pos - start
}

// key is string for an object key, returning the catalog's own copy of common names.
func (d *jsonDecoder) key() (string, bool) {
	start := d.pos + 1
	end := plainRun(d.data, start)
	if end < len(d.data) && d.data[end] == '"' {
		d.pos = end + 1
		if d.skip {
			return "", true
		}
		if k, ok := commonKeys[string(d.data[start:end])]; ok {
			return k, true
		}
		return d.keep(d.data[start:end]), true
	}
	return d.string()
}

// string reads a quoted string at pos, decoding escapes and turning each invalid UTF-8
// byte into U+FFFD exactly as encoding/json's unquote does.
func (d *jsonDecoder) string() (string, bool) {
	if d.longs == nil || !d.skip {
		return d.readString()
	}
	if d.recordLongs {
		start := d.pos
		s, ok := d.readString()
		if ok {
			d.longs.add(start, d.pos)
		}
		return s, ok
	}
	if end, ok := d.longs.end(d.pos); ok {
		d.pos = end
		return "", true
	}
	return d.readString()
}

func (d *jsonDecoder) readString() (string, bool) {
	start := d.pos + 1
	r := plainRun(d.data, start)
	for r < len(d.data) {
		c := d.data[r]
		if c < utf8.RuneSelf {
			break
		}
		rr, size := utf8.DecodeRune(d.data[r:])
		if rr == utf8.RuneError && size == 1 {
			break
		}
		r = plainRun(d.data, r+size)
	}
	if r < len(d.data) && d.data[r] == '"' {
		d.pos = r + 1
		if d.skip {
			return "", true
		}
		return d.keep(d.data[start:r]), true
	}
	return d.unquote(start, r)
}

// unquote is string's slow path from r on: escapes, invalid UTF-8, or an error.
func (d *jsonDecoder) unquote(start, r int) (string, bool) {
	s := d.data
	b := make([]byte, r-start, r-start+64)
	copy(b, s[start:r])
	for r < len(s) {
		switch c := s[r]; {
		case c == '"':
			d.pos = r + 1
			if d.skip {
				return "", true
			}
			return d.keep(b), true
		case c == '\\':
			if r+1 >= len(s) {
				return "", false
			}
			switch s[r+1] {
			case '"', '\\', '/':
				b = append(b, s[r+1])
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				rr := getu4(s[r:])
				if rr < 0 {
					return "", false
				}
				r += 6
				if utf16.IsSurrogate(rr) {
					if dec := utf16.DecodeRune(rr, getu4(s[r:])); dec != unicode.ReplacementChar {
						b = utf8.AppendRune(b, dec)
						r += 6
						continue
					}
					rr = unicode.ReplacementChar // an unpaired surrogate, as encoding/json decodes it
				}
				b = utf8.AppendRune(b, rr)
				continue
			default:
				return "", false
			}
			r += 2
		case c < ' ':
			return "", false
		case c < utf8.RuneSelf:
			n := plainRun(s, r)
			b = append(b, s[r:n]...)
			r = n
		default:
			rr, size := utf8.DecodeRune(s[r:])
			b = utf8.AppendRune(b, rr) // RuneError for an invalid byte, as encoding/json writes
			r += size
		}
	}
	return "", false // no closing quote
}

// getu4 decodes \uXXXX at the start of s, or returns -1.
func getu4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// plainRun returns the end of the run from i of bytes a string holds as they are:
// printable ASCII other than '"' and '\\'. Eight bytes at a time: bodies carry long texts.
func plainRun(s []byte, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(s); i += 8 {
		x := binary.LittleEndian.Uint64(s[i:])
		// A high bit marks a byte < 0x20, '"', '\\' or >= 0x80; none is set for plain bytes.
		if (x|(x-0x20*ones)|((x^'"'*ones)-ones)|((x^'\\'*ones)-ones))&highs != 0 {
			break
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c < ' ' || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			return i
		}
	}
	return i
}

// commonKeys are the object keys the catalog's platforms send, kept once instead of
// allocated per event.
var commonKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{
		"data", "event", "type", "id", "object", "status", "timestamp", "created_at",
		"account_id", "message_id", "message", "text", "channel", "from", "to", "note",
		"event_id", "conversation_id", "user_id", "inbox_id", "message_text", "source_channel",
		"customer_lifetime_value", "email", "tags", "payment_id", "deal_id", "amount", "currency",
		"from_stage", "to_stage", "entry", "changes", "field", "value", "messages", "statuses",
		"update_id", "chat", "name", "action", "repository", "full_name", "organization", "login",
		"financial_status", "body", "caption", "livemode", "created", "api_version", "updated_at",
	} {
		m[k] = k
	}
	return m
}()
