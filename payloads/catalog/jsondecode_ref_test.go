package catalog

import (
	"bytes"
	"encoding/json"
	"io"
)

// decodeJSONStd is encoding/json's answer that decodeJSON must give: the decoder the
// catalog used before, kept as the fuzz target's oracle and the benchmarks' baseline.
func decodeJSONStd(body []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false // trailing data after the value
	}
	return v, true
}
