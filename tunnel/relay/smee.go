package relay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"
)

// delivery is one webhook as a smee channel relays it: smee.io sends, as JSON, the
// request's headers as top-level keys (lower-cased) beside "body" (the parsed JSON
// body), "query" (the parsed query) and "timestamp" (ms since the epoch).
type delivery struct {
	Header    http.Header
	Host      string
	Body      []byte
	Query     url.Values
	Timestamp time.Time
	Skipped   []string // header keys that could not be carried (invalid names or values)
}

// notCarried are headers about the relay's own connection or a body that no longer
// exists in that form (smee decoded it): the rebuilt request has its own.
var notCarried = map[string]bool{
	"connection": true, "keep-alive": true, "proxy-connection": true, "transfer-encoding": true,
	"upgrade": true, "te": true, "trailer": true, "content-length": true, "content-encoding": true,
}

// decodeSmee reads one smee event's data.
func decodeSmee(data []byte) (*delivery, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, fmt.Errorf("relay event is not a JSON object: %w", err)
	}
	d := &delivery{Header: http.Header{}, Query: url.Values{}}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the same event always becomes the same request
	for _, k := range keys {
		raw := fields[k]
		switch k {
		case "body":
			d.Body = bodyBytes(raw)
		case "query":
			if err := decodeQuery(raw, d.Query); err != nil {
				return nil, err
			}
		case "timestamp":
			var ms float64
			if json.Unmarshal(raw, &ms) == nil && ms > 0 {
				d.Timestamp = time.UnixMilli(int64(ms)).UTC()
			}
		default:
			values, ok := textValues(raw)
			name := http.CanonicalHeaderKey(k)
			if !ok || !httpguts.ValidHeaderFieldName(k) {
				d.Skipped = append(d.Skipped, k)
				continue
			}
			if strings.EqualFold(k, "host") {
				if len(values) > 0 && httpguts.ValidHostHeader(values[0]) {
					d.Host = values[0]
				}
				continue
			}
			if notCarried[strings.ToLower(k)] {
				continue
			}
			for _, v := range values {
				if !httpguts.ValidHeaderFieldValue(v) {
					d.Skipped = append(d.Skipped, k)
					continue
				}
				d.Header.Add(name, v)
			}
		}
	}
	return d, nil
}

// bodyBytes is the body as smee's client sends it on: a JSON string as its text,
// null or absent as nothing, anything else as the JSON the relay re-serialized.
func bodyBytes(raw json.RawMessage) []byte {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || string(trimmed) == "null" {
		return nil
	}
	if trimmed[0] == '"' {
		var s string
		if json.Unmarshal(trimmed, &s) == nil {
			return []byte(s)
		}
	}
	return append([]byte(nil), trimmed...)
}

func decodeQuery(raw json.RawMessage, into url.Values) error {
	if string(bytes.TrimSpace(raw)) == "null" {
		return nil
	}
	var q map[string]json.RawMessage
	if err := json.Unmarshal(raw, &q); err != nil {
		return fmt.Errorf("relay event: query is not an object: %w", err)
	}
	for k, v := range q {
		values, ok := textValues(v)
		if !ok {
			return fmt.Errorf("relay event: query %q is not text", k)
		}
		into[k] = values
	}
	return nil
}

// textValues reads a header or query value: a string, a list of strings, or a number
// or boolean taken as its text.
func textValues(raw json.RawMessage) ([]string, bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []string{s}, true
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		var out []string
		for _, item := range list {
			vs, ok := textValues(item)
			if !ok || len(vs) != 1 {
				return nil, false
			}
			out = append(out, vs[0])
		}
		return out, true
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return []string{n.String()}, true
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return []string{strconv.FormatBool(b)}, true
	}
	return nil, false
}
