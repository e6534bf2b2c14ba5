package exchange

// The jsonl encoder as it was before it was made allocation-free (44e3ea0): the
// oracle the differential tests and FuzzEncoderMatchesBefore hold the new one to.

import (
	"encoding/base64"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/dexra/dexra-tui/payloads"
)

func appendRecordBefore(b []byte, ev *payloads.Event) ([]byte, error) {
	b = append(b, `{"dexra_tui":`...)
	b = strconv.AppendInt(b, jsonlVersion, 10)
	b = appendFieldBefore(b, "id", ev.ID)
	b = append(b, `,"seq":`...)
	b = strconv.AppendUint(b, ev.Seq, 10)
	b = append(b, `,"received":"`...)
	b = ev.Received.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	b = appendFieldBefore(b, "direction", string(ev.Direction))
	b = appendFieldBefore(b, "method", ev.Method)
	b = appendFieldBefore(b, "path", ev.Path)
	b = appendOmitEmptyBefore(b, "query", ev.Query)
	b = appendOmitEmptyBefore(b, "host", ev.Host)
	b = appendOmitEmptyBefore(b, "remote_addr", ev.RemoteAddr)
	if len(ev.Headers) > 0 {
		b = append(b, `,"headers":{`...)
		names := make([]string, 0, len(ev.Headers))
		for k := range ev.Headers {
			names = append(names, k)
		}
		sort.Strings(names)
		for i, k := range names {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendStringBefore(b, k)
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
				b = appendStringBefore(b, v)
			}
			b = append(b, ']')
		}
		b = append(b, '}')
	}
	b = append(b, `,"size":`...)
	b = strconv.AppendInt(b, int64(ev.Size), 10)
	b = appendFieldBefore(b, "body_kind", string(ev.BodyKind))
	b = appendFieldBefore(b, "source", ev.Source)
	b = appendFieldBefore(b, "type", ev.Type)
	v := ev.Signature
	b = append(b, `,"signature":{"scheme":`...)
	b = appendStringBefore(b, v.Scheme)
	b = appendFieldBefore(b, "status", string(v.Status))
	b = appendOmitEmptyBefore(b, "reason", v.Reason)
	b = append(b, `,"secret_index":`...)
	b = strconv.AppendInt(b, int64(v.SecretIndex), 10)
	b = appendOmitEmptyBefore(b, "expected", v.Expected)
	b = appendOmitEmptyBefore(b, "received", v.Received)
	b = append(b, '}')
	b = appendOmitEmptyBefore(b, "dedup_key", ev.DedupKey)
	b = appendOmitEmptyBefore(b, "duplicate_of", ev.DuplicateOf)
	b = appendOmitEmptyBefore(b, "correlation", ev.Correlation)
	b = appendOmitEmptyBefore(b, "summary", ev.Summary)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(ev.Status), 10)
	b = appendOmitEmptyBefore(b, "simulated", ev.Simulated)
	b = appendOmitEmptyBefore(b, "rejected", ev.Rejected)
	if len(ev.Attempts) > 0 {
		a, err := marshalNoHTML(ev.Attempts) // rare, and of many fields: reflection is fine
		if err != nil {
			return nil, err
		}
		b = append(b, `,"attempts":`...)
		b = append(b, a...)
	}
	b = appendOmitEmptyBefore(b, "derived_from", ev.DerivedFrom)
	switch {
	case len(ev.Body) == 0:
	case utf8.Valid(ev.Body):
		b = append(b, `,"body":`...)
		b = appendStringBefore(b, string(ev.Body))
	default:
		b = append(b, `,"body_base64":"`...)
		b = base64.StdEncoding.AppendEncode(b, ev.Body)
		b = append(b, '"')
	}
	return append(b, '}'), nil
}

func appendFieldBefore(b []byte, name, value string) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendStringBefore(b, value)
}

func appendOmitEmptyBefore(b []byte, name, value string) []byte {
	if value == "" {
		return b
	}
	return appendFieldBefore(b, name, value)
}

// appendStringBefore appends s as a JSON string as encoding/json writes it with HTML
// escaping off: control characters escaped, invalid UTF-8 as U+FFFD, U+2028 and
// U+2029 escaped.
func appendStringBefore(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
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
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
