package catalog

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// jsonEdgeCases are inputs where a JSON decoder most easily parts from encoding/json.
var jsonEdgeCases = []string{
	``, ` `, `null`, `true`, `false`, `nul`, `truex`, `"x"`, `0`, `-0`, `01`, `-`, `1.`, `.5`,
	`1e`, `1e+`, `1E-7`, `-12.5e+30`, `123456789012345678901234567890`, `1e400`, `[1,2,]`,
	`{"a":1,}`, `{"a" 1}`, `{"a":1 "b":2}`, `{a:1}`, `{"a":1}{"b":2}`, `{"a":1} x`, "{\"a\":1}\n\t\r ",
	` {"a":1}`, `{"a":1,"a":2}`, `{"a":{"x":1},"a":[]}`, `{}`, `[]`, `[[]]`, `[{}]`, `{"":""}`,
	`"\u00e9\ud83d\ude00"`, `"\ud800"`, `"\ud800x"`, `"\ud800\u0041"`, `"\udc00\ud800"`, `"\ud83d\ude00\ude00"`,
	`"\u12"`, `"\uzzzz"`, `"\x"`, `"\'"`, `"\/\b\f\n\r\t\"\\"`, "\"a\x01b\"", "\"a\x7fb\"",
	"\"\xff\"", "\"a\xc3\"", "\"\xed\xa0\x80\"", "\"\xe2\x82\"", "\"caf\xc3\xa9\"", "\"\xf0\x9f\x98\x80\"",
	"{\"k\xff\":1}", `{"k\n":1}`, `"unterminated`, `"ends with backslash\`, `[1,[2,[3]]]`,
	"\xef\xbb\xbf{}", `{"data":{"event":"delivery","status":"delivered"}}`, `[true,false,null,"x",-1.5]`,
	strings.Repeat("[", maxJSONDepth) + strings.Repeat("]", maxJSONDepth),
	strings.Repeat("[", maxJSONDepth+1) + strings.Repeat("]", maxJSONDepth+1),
	strings.Repeat(`{"a":`, maxJSONDepth) + "1" + strings.Repeat("}", maxJSONDepth),
	strings.Repeat(`{"a":`, maxJSONDepth+1) + "1" + strings.Repeat("}", maxJSONDepth+1),
	`"` + strings.Repeat("plain text ", 20) + `\n` + strings.Repeat("more", 10) + `"`,
}

// sameAsStd fails t when decodeJSON parts from encoding/json on body.
func sameAsStd(t *testing.T, body []byte) {
	t.Helper()
	want, wantOK := decodeJSONStd(body)
	got, gotOK := decodeJSON(body)
	if gotOK != wantOK || !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeJSON(%.200q) = %#v, %v; encoding/json gives %#v, %v", body, got, gotOK, want, wantOK)
	}
	if gotOK != json.Valid(body) || validJSON(body, nil) != gotOK {
		t.Fatalf("decodeJSON(%.200q) ok=%v, validJSON %v, json.Valid %v", body, gotOK, validJSON(body, nil), json.Valid(body))
	}
	if !wantOK {
		return
	}
	var longs longStrings
	validJSON(body, &longs)
	shared := parse(body) // one parse asked every path in turn, as the derivations do
	for _, path := range pathsOf(want, nil, 0) {
		if got, want := shared.str(path...), str(want, path...); got != want {
			t.Fatalf("parsedBody.str(%.200q, %q) = %q; str of encoding/json's tree gives %q", body, path, got, want)
		}
		for _, l := range []*longStrings{nil, &longs} {
			if got, want := strAt(body, l, path...), str(want, path...); got != want {
				t.Fatalf("strAt(%.200q, %q, long strings %v) = %q; str of encoding/json's tree gives %q", body, path, l != nil, got, want)
			}
		}
	}
}

// pathsOf lists paths into v, present and absent, for strAt to be checked on: every key
// and index down to depth 3, an index past the end, a missing key, and a path into a scalar.
func pathsOf(v any, prefix []string, depth int) [][]string {
	p := func(k string) []string { return append(append([]string(nil), prefix...), k) }
	out := [][]string{prefix, p("missing"), p("0")}
	if depth >= 3 {
		return out
	}
	const width = 6 // members per level, so a wide body does not cost the fuzzer width^3 lookups
	switch n := v.(type) {
	case map[string]any:
		seen := 0
		for k, e := range n {
			if seen++; seen > width {
				break
			}
			out = append(out, pathsOf(e, p(k), depth+1)...)
		}
	case []any:
		for i, e := range n[:min(len(n), width)] {
			out = append(out, pathsOf(e, p(fmt.Sprint(i)), depth+1)...)
		}
		out = append(out, p(fmt.Sprint(len(n))), p("01"), p("-1"))
	}
	return out
}

func TestDecodeJSONMatchesEncodingJSON(t *testing.T) {
	for _, s := range jsonEdgeCases {
		sameAsStd(t, []byte(s))
	}
	for _, s := range [][]byte{[]byte(seedDelivery), []byte(seedMessage), benchBody} {
		sameAsStd(t, s)
	}
	for _, e := range Samples() {
		body, err := e.Sample(time.Unix(1700000000, 0), nil)
		if err != nil {
			t.Fatalf("sample %s: %v", e.Name(), err)
		}
		sameAsStd(t, body)
	}
}

func TestDecodeJSONShapes(t *testing.T) {
	v, ok := decodeJSON([]byte(`{"n":1.50,"s":"a\u00e9","b":true,"z":null,"a":[],"o":{},"d":1,"d":"last"}`))
	if !ok {
		t.Fatal("valid JSON rejected")
	}
	want := map[string]any{"n": json.Number("1.50"), "s": "aé", "b": true, "z": nil, "a": []any{},
		"o": map[string]any{}, "d": "last"}
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("got %#v, want %#v", v, want)
	}
	if _, ok := decodeJSON([]byte(strings.Repeat("[", maxJSONDepth+1) + strings.Repeat("]", maxJSONDepth+1))); ok {
		t.Fatal("nesting deeper than encoding/json's limit accepted")
	}
}

// TestDecodeJSONKeepsNoBody checks a decoded string does not share the body's memory:
// the listener may reuse its buffer.
func TestDecodeJSONKeepsNoBody(t *testing.T) {
	body := []byte(`{"note":"abcdefgh12345678","status":"ok"}`)
	v, _ := decodeJSON(body)
	for i := range body {
		body[i] = ' '
	}
	if got := str(v, "note"); got != "abcdefgh12345678" {
		t.Fatalf("decoded string changed with the body: %q", got)
	}
}

// FuzzStrAt holds strAt to str on encoding/json's tree for any path, the fuzzer's own
// keys included (FuzzDecodeJSON tries the paths present in each body).
func FuzzStrAt(f *testing.F) {
	f.Add([]byte(`{"data":{"event":"delivery","event":"message"}}`), "data.event")
	f.Add([]byte(`{"a":[{"b":1},{"b":"\u0041"}]}`), "a.1.b")
	f.Add([]byte(`{"k\u00e9":"v","k\u00e9":2.5e3}`), "k\u00e9")
	f.Add([]byte(`{"a\"b":{"":[null,true,"x"]}}`), "a\"b..2")
	f.Add([]byte(`[[],[1],{"0":"zero"}]`), "2.0")
	long := strings.Repeat("long text ", 20)
	f.Add([]byte(`{"a":{"n":"`+long+`","k":"`+long+`\n","k":"v"},"b":["`+long+`","x"]}`), "a.k")
	f.Add([]byte(`{"`+long+`":1,"a":"`+long+`"}`), long)
	f.Fuzz(func(t *testing.T, body []byte, path string) {
		want, ok := decodeJSONStd(body)
		if !ok {
			return
		}
		keys := strings.SplitN(path, ".", 6)
		var longs longStrings
		validJSON(body, &longs)
		for _, l := range []*longStrings{nil, &longs} {
			if got, want := strAt(body, l, keys...), str(want, keys...); got != want {
				t.Fatalf("strAt(%q, %q, long strings %v) = %q; str of encoding/json's tree gives %q", body, keys, l != nil, got, want)
			}
		}
		shared := parse(body)
		shared.str(keys[0], "other")
		if got, want := shared.str(keys...), str(want, keys...); got != want {
			t.Fatalf("parsedBody.str(%q, %q) = %q; str of encoding/json's tree gives %q", body, keys, got, want)
		}
	})
}

// TestDexatelFieldsWithoutTree checks the listener's derivations for a signed Dexatel
// event read their fields from the body and decode no tree, and agree with the tree.
func TestDexatelFieldsWithoutTree(t *testing.T) {
	h := hdr("X-Dexatel-Signature", seedSignature)
	for _, body := range [][]byte{benchDelivery1KiB, []byte(seedMessage)} {
		lazy := Parse(body)
		src, typ := lazy.Classify("/dexatel", h)
		isJSON := lazy.IsJSON()
		d := lazy.Derive(src, typ, "", h)
		if lazy.b.done {
			t.Fatalf("%s.%s: the whole body was decoded", src, typ)
		}
		full := Parse(body)
		full.b.json()
		fsrc, ftyp := full.Classify("/dexatel", h)
		if fsrc != src || ftyp != typ || !isJSON || full.Derive(fsrc, ftyp, "", h) != d {
			t.Fatalf("lazy %s.%s %+v differs from the decoded tree's %s.%s %+v", src, typ, d, fsrc, ftyp, full.Derive(fsrc, ftyp, "", h))
		}
		if d.Summary == "" {
			t.Fatalf("nothing derived: %+v", d)
		}
	}
}

// FuzzDecodeJSON holds decodeJSON to encoding/json's answer on any input.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range jsonEdgeCases {
		if len(s) < 1000 {
			f.Add([]byte(s))
		}
	}
	f.Add([]byte(seedDelivery))
	f.Add([]byte(seedMessage))
	f.Fuzz(func(t *testing.T, body []byte) {
		sameAsStd(t, body)
	})
}
