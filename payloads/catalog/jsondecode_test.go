package catalog

import (
	"encoding/json"
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
	if gotOK != json.Valid(body) {
		t.Fatalf("decodeJSON(%.200q) ok=%v but json.Valid says %v", body, gotOK, !gotOK)
	}
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
