package catalog

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
)

// deriveMatchesSeparateCalls fails t when Derive (and Parsed.Check, IsJSON) disagree
// with the single calls.
func deriveMatchesSeparateCalls(t *testing.T, path, src, typ string, h http.Header, body []byte) {
	t.Helper()
	want := Derived{
		DedupKey:    DedupKey(src, typ, "", h, body),
		Correlation: Correlation(src, typ, body),
		Summary:     Summary(src, typ, body),
	}
	if got := Derive(src, typ, "", h, body); !reflect.DeepEqual(got, want) {
		t.Fatalf("Derive(%s, %s) = %+v, want %+v", src, typ, got, want)
	}
	p := Parse(body)
	s, ty := p.Classify(path, h)
	if ws, wt := Classify(path, h, body); s != ws || ty != wt {
		t.Fatalf("Parsed.Classify = %s.%s, Classify = %s.%s", s, ty, ws, wt)
	}
	if got := p.Derive(src, typ, "", h); !reflect.DeepEqual(got, want) {
		t.Fatalf("Parsed.Derive(%s, %s) after Classify = %+v, want %+v", src, typ, got, want)
	}
	if got, want := p.Check(src, typ), Check(src, typ, body); !reflect.DeepEqual(got, want) {
		t.Fatalf("Parsed.Check(%s, %s) = %+v, Check = %+v", src, typ, got, want)
	}
	if p.IsJSON() != json.Valid(body) {
		t.Fatalf("Parsed.IsJSON = %v for %q, json.Valid says otherwise", p.IsJSON(), body)
	}
}

func TestDeriveMatchesTheSingleCalls(t *testing.T) {
	for _, body := range []string{seedDelivery, seedMessage, `{"data":{}}`, "", "MessageSid=SM1&MessageStatus=sent", "\xff"} {
		for _, e := range All() {
			deriveMatchesSeparateCalls(t, e.Path, e.Source, e.Type, hdr("Webhook-Id", "m1"), []byte(body))
		}
		deriveMatchesSeparateCalls(t, "/", "twilio", "message_status", nil, []byte(body))
		deriveMatchesSeparateCalls(t, "/x", "unknown", "", nil, []byte(body))
	}
}
