package exchange

import (
	"encoding/base64"
	"math/bits"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/dexra/dexra-tui/payloads"
)

// appendRecord appends ev's jsonl line (without the newline): what
// json.Marshal(jsonlRecord) gives, written by hand because reflection was most of
// an export's time (TestExportImport100k). TestFastEncoderMatchesEncodingJSON keeps
// the two equal. names is scratch for the header names, kept between calls.
func appendRecord(b []byte, ev *payloads.Event, names *[]string) ([]byte, error) {
	b = append(b, `{"dexra_tui":`...)
	b = strconv.AppendInt(b, jsonlVersion, 10)
	b = appendField(b, "id", ev.ID)
	b = append(b, `,"seq":`...)
	b = strconv.AppendUint(b, ev.Seq, 10)
	b = append(b, `,"received":"`...)
	b = ev.Received.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	b = appendField(b, "direction", string(ev.Direction))
	b = appendField(b, "method", ev.Method)
	b = appendField(b, "path", ev.Path)
	b = appendOmitEmpty(b, "query", ev.Query)
	b = appendOmitEmpty(b, "host", ev.Host)
	b = appendOmitEmpty(b, "remote_addr", ev.RemoteAddr)
	if len(ev.Headers) > 0 {
		b = append(b, `,"headers":{`...)
		sorted := (*names)[:0]
		for k := range ev.Headers {
			sorted = append(sorted, k)
		}
		slices.Sort(sorted) // the byte order encoding/json sorts map keys in
		*names = sorted
		for i, k := range sorted {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			if ev.Headers[k] == nil {
				b = append(b, "null"...)
				continue
			}
			b = append(b, '[')
			for j, v := range ev.Headers[k] {
				if j > 0 {
					b = append(b, ',')
				}
				b = appendString(b, v)
			}
			b = append(b, ']')
		}
		b = append(b, '}')
	}
	b = append(b, `,"size":`...)
	b = strconv.AppendInt(b, int64(ev.Size), 10)
	b = appendField(b, "body_kind", string(ev.BodyKind))
	b = appendField(b, "source", ev.Source)
	b = appendField(b, "type", ev.Type)
	v := ev.Signature
	b = append(b, `,"signature":{"scheme":`...)
	b = appendString(b, v.Scheme)
	b = appendField(b, "status", string(v.Status))
	b = appendOmitEmpty(b, "reason", v.Reason)
	b = append(b, `,"secret_index":`...)
	b = strconv.AppendInt(b, int64(v.SecretIndex), 10)
	b = appendOmitEmpty(b, "expected", v.Expected)
	b = appendOmitEmpty(b, "received", v.Received)
	b = append(b, '}')
	b = appendOmitEmpty(b, "dedup_key", ev.DedupKey)
	b = appendOmitEmpty(b, "duplicate_of", ev.DuplicateOf)
	b = appendOmitEmpty(b, "correlation", ev.Correlation)
	b = appendOmitEmpty(b, "summary", ev.Summary)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(ev.Status), 10)
	b = appendOmitEmpty(b, "simulated", ev.Simulated)
	b = appendOmitEmpty(b, "rejected", ev.Rejected)
	if len(ev.Attempts) > 0 {
		a, err := marshalNoHTML(ev.Attempts) // rare, and of many fields: reflection is fine
		if err != nil {
			return nil, err
		}
		b = append(b, `,"attempts":`...)
		b = append(b, a...)
	}
	b = appendOmitEmpty(b, "derived_from", ev.DerivedFrom)
	if len(ev.Body) > 0 {
		// One pass both escapes the body and finds whether it is UTF-8; a body that is
		// not is written again, as base64.
		mark := len(b)
		b = append(b, `,"body":`...)
		var valid bool
		if b, valid = appendJSONString(b, ev.Body, true); !valid {
			b = append(b[:mark], `,"body_base64":"`...)
			b = base64.StdEncoding.AppendEncode(b, ev.Body)
			b = append(b, '"')
		}
	}
	return append(b, '}'), nil
}

func appendField(b []byte, name, value string) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendString(b, value)
}

func appendOmitEmpty(b []byte, name, value string) []byte {
	if value == "" {
		return b
	}
	return appendField(b, name, value)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string as encoding/json writes it with HTML
// escaping off: control characters escaped, invalid UTF-8 as U+FFFD, U+2028 and
// U+2029 escaped.
func appendString(b []byte, s string) []byte {
	b, _ = appendJSONString(b, s, false)
	return b
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// special8 marks, in the high bit of each byte, the bytes of x (8 bytes loaded
// little-endian) that JSON does not keep as is: below 0x20, '"', '\\', 0x80 and above.
// Only the lowest mark is sure (a borrow may set marks above it), which is all the
// caller uses: zero means all 8 are plain, else the lowest mark is the first special.
func special8(x uint64) uint64 {
	quote, backslash := x^(lsb*'"'), x^(lsb*'\\')
	special := (x - lsb*0x20) | (quote-lsb)&^quote | (backslash-lsb)&^backslash
	return (special&^x | x) & msb
}

// appendJSONString appends s quoted as appendString describes. With strict, it stops
// at the first byte that is not UTF-8 and reports false (b is then partly written).
// Runs of plain ASCII are skipped 8 bytes at a time: bodies are mostly that.
func appendJSONString[T string | []byte](b []byte, s T, strict bool) ([]byte, bool) {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if i+8 <= len(s) {
			w := s[i : i+8]
			x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
				uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
			m := special8(x)
			if m == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(m) >> 3 // s[i] is the first special byte
		} else if c := s[i]; c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\\' {
			i++
			continue
		}
		if c := s[i]; c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		var rb [utf8.UTFMax]byte
		r, size := utf8.DecodeRune(rb[:copy(rb[:], s[i:])])
		switch {
		case r == utf8.RuneError && size == 1:
			if strict {
				return b, false
			}
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"'), true
}
