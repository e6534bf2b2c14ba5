package exchange

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
)

// reflectRecord is the jsonl line as encoding/json writes it: the reference.
func reflectRecord(t testing.TB, ev *payloads.Event) []byte {
	rec := jsonlRecord{Version: jsonlVersion, Event: ev}
	switch {
	case len(ev.Body) == 0:
	case utf8.Valid(ev.Body):
		s := string(ev.Body)
		rec.Body = &s
	default:
		rec.BodyBase64 = base64.StdEncoding.EncodeToString(ev.Body)
	}
	b, err := marshalNoHTML(rec)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFastEncoderMatchesEncodingJSON(t *testing.T) {
	at := time.Date(2025, 1, 2, 3, 4, 5, 600, time.UTC)
	events := []*payloads.Event{
		{},
		{ID: "01JNE0R1T8M3S4Q2W5K6A7B8C9", Seq: 7, Received: at, Direction: payloads.Inbound, Method: "POST", Path: "/a\"b\\c",
			Query: "x=<1>&y=\u2028", Host: "h", RemoteAddr: "r", Headers: http.Header{"B": {"1", "\x01\x1f\x7f"}, "A": {}, "C": nil, "\xff": {"\xfe"}},
			Body: []byte("\t\n\r\b\f<&>\u2029 ü"), Size: 3, BodyKind: payloads.BodyText, Source: "s", Type: "t",
			Signature: sig.Verdict{Scheme: "dexatel", Status: sig.Fail, Reason: "mismatch", SecretIndex: -1, Expected: "e", Received: "r"},
			DedupKey:  "d", DuplicateOf: "o", Correlation: "c", Summary: "sum", Status: 413, Simulated: "500", Rejected: "big",
			Attempts:    []payloads.Attempt{{Target: "http://x/<y>", At: at, Status: 200, Latency: time.Second, ResponseBody: []byte{0, 1}}},
			DerivedFrom: "df"},
		{Received: at.In(time.FixedZone("x", 3600)), Body: []byte{0xff, 0, 'a'}},
	}
	for i, ev := range events {
		fast, err := appendRecord(nil, ev, new([]string))
		if err != nil {
			t.Fatal(err)
		}
		if want := reflectRecord(t, ev); !bytes.Equal(fast, want) {
			t.Errorf("event %d:\nfast %s\njson %s", i, fast, want)
		}
	}
}

func FuzzFastEncoder(f *testing.F) {
	f.Add("a\"b", []byte("x\u2028\xff"), "h\x00")
	f.Fuzz(func(t *testing.T, s string, body []byte, hv string) {
		ev := &payloads.Event{ID: s, Path: s, Headers: http.Header{s: {hv}}, Body: body, Summary: hv}
		fast, err := appendRecord(nil, ev, new([]string))
		if err != nil {
			t.Fatal(err)
		}
		if want := reflectRecord(t, ev); !bytes.Equal(fast, want) {
			t.Fatalf("\nfast %s\njson %s", fast, want)
		}
		if !json.Valid(fast) {
			t.Fatal("invalid JSON")
		}
	})
}

func TestHurlValueEscapes(t *testing.T) {
	for in, want := range map[string]string{
		`a#b{{c}}\d`: `a\u{23}b\u{7b}\u{7b}c}}\\d`,
		" padded ":   `\u{20}padded\u{20}`,
		"plain":      "plain",
	} {
		if got := hurlValue(in); got != want {
			t.Errorf("hurlValue(%q) = %s, want %s", in, got, want)
		}
	}
}
