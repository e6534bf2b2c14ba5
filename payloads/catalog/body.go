package catalog

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// at walks object keys; nil when any step is missing or not an object. An integer-like
// key also indexes arrays ("0").
func at(v any, path ...string) any {
	for _, k := range path {
		switch n := v.(type) {
		case map[string]any:
			v = n[k]
		case []any:
			i, ok := index(k, len(n))
			if !ok {
				return nil
			}
			v = n[i]
		default:
			return nil
		}
	}
	return v
}

func index(k string, n int) (int, bool) {
	if k == "" || len(k) > 6 {
		return 0, false
	}
	i := 0
	for _, c := range k {
		if c < '0' || c > '9' {
			return 0, false
		}
		i = i*10 + int(c-'0')
	}
	return i, i < n
}

// str is the value at path as text when it is a string or a number, else "".
func str(v any, path ...string) string {
	switch s := at(v, path...).(type) {
	case string:
		return s
	case json.Number:
		return s.String()
	}
	return ""
}

// form parses a urlencoded body; what fails to decode is skipped.
func form(body []byte) url.Values {
	vals, _ := url.ParseQuery(string(body)) // partial results are what a label needs
	return vals
}

// parsedBody parses a body on first use, so the derivations of one event share one parse.
type parsedBody struct {
	raw       []byte
	v         any
	ok        bool
	done      bool
	valid     bool // validJSON(raw), once validDone
	validDone bool
	longs     longStrings // where validJSON found long strings, for str
	// parentPos is where str found the value of parentKey, the first key of its last path.
	parentKey  string
	parentPos  int
	parentOK   bool
	parentDone bool
	vals       url.Values
	formDone   bool
}

func parse(body []byte) *parsedBody { return &parsedBody{raw: body} }

// json is the body as JSON; ok=false when it is not one JSON value.
func (p *parsedBody) json() (any, bool) {
	if !p.done {
		p.done = true
		if !p.validDone || p.valid {
			p.v, p.ok = decodeJSON(p.raw)
		}
	}
	return p.v, p.ok
}

// isJSON reports whether the body is one JSON value, without decoding it.
func (p *parsedBody) isJSON() bool {
	if p.done {
		return p.ok
	}
	if !p.validDone {
		p.validDone = true
		p.valid = validJSON(p.raw, &p.longs)
	}
	return p.valid
}

// str is str(p.doc(), path...), read from the body while no derivation needed the tree.
func (p *parsedBody) str(path ...string) string {
	if p.done {
		return str(p.v, path...)
	}
	if !p.isJSON() {
		return ""
	}
	if len(path) < 2 {
		return strAt(p.raw, &p.longs, path...)
	}
	// The fields asked for share their parent ("data"): find it once per body.
	if !p.parentDone || p.parentKey != path[0] {
		p.parentDone, p.parentKey = true, path[0]
		p.parentPos, p.parentOK = rawValueAt(p.raw, &p.longs, rootAt(p.raw), path[0])
	}
	if !p.parentOK {
		return ""
	}
	pos, ok := rawValueAt(p.raw, &p.longs, p.parentPos, path[1:]...)
	if !ok {
		return ""
	}
	return strValue(p.raw, pos)
}

// doc is the JSON value, nil when the body is not JSON.
func (p *parsedBody) doc() any {
	v, _ := p.json()
	return v
}

// form is the body as urlencoded fields.
func (p *parsedBody) form() url.Values {
	if !p.formDone {
		p.formDone = true
		p.vals = form(p.raw)
	}
	return p.vals
}

// header is h.Get that also finds keys a hand-built map did not canonicalize.
func header(h http.Header, name string) string {
	if h == nil {
		return ""
	}
	if v := h.Get(name); v != "" {
		return v
	}
	for k, vs := range h {
		if len(vs) > 0 && strings.EqualFold(k, name) {
			return vs[0]
		}
	}
	return ""
}
