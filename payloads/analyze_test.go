package payloads

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads/sig"
)

// seedDelivery is the Delivery example of the Dexatel webhook document.
const seedDelivery = `{
    "data": {
        "account_id": "4ca07d94-7b4d-4434-97aa-9ec34772f111",
        "message_id": "4ca07d94-7b4d-4434-97aa-9ec34772f111",
        "event": "delivery",
        "status": "delivered",
        "timestamp": "2022-03-01 13:00:00"
    }
}`

func inbound(body string, h http.Header) *Event {
	if h == nil {
		h = http.Header{}
	}
	return &Event{ID: NewID(time.Now()), Received: time.Now(), Direction: Inbound, Method: "POST", Path: "/", Host: "127.0.0.1:4242", Headers: h, Body: []byte(body)}
}

func TestAnalyzeSignedDexatelDelivery(t *testing.T) {
	scheme, _ := sig.Lookup("dexatel")
	h, err := scheme.Sign(sig.SignInput{Secret: "s3cret", Body: []byte(seedDelivery)})
	if err != nil {
		t.Fatal(err)
	}
	ev := inbound(seedDelivery, h)
	Analyze(ev, VerifyConfig{Secrets: []string{"old", "s3cret"}})
	if ev.Source != "dexatel" || ev.Type != "delivery" {
		t.Fatalf("classified as %s/%s", ev.Source, ev.Type)
	}
	if ev.Signature.Status != sig.Pass || ev.Signature.SecretIndex != 1 {
		t.Fatalf("signature: %+v", ev.Signature)
	}
	if ev.Correlation != "4ca07d94-7b4d-4434-97aa-9ec34772f111" {
		t.Fatalf("correlation %q", ev.Correlation)
	}
	if !strings.HasPrefix(ev.DedupKey, "sha256:") || ev.Summary == "" || ev.BodyKind != BodyJSON || ev.Size != len(seedDelivery) {
		t.Fatalf("dedup %q summary %q kind %s size %d", ev.DedupKey, ev.Summary, ev.BodyKind, ev.Size)
	}
}

// An unsigned Dexatel body under auto names Dexatel's missing header, not a generic one.
func TestAnalyzeUnsignedPlatformEventNamesItsHeader(t *testing.T) {
	ev := inbound(seedDelivery, nil)
	Analyze(ev, VerifyConfig{Secrets: []string{"s"}})
	if ev.Signature.Status != sig.Missing || !strings.Contains(ev.Signature.Reason, "X-Dexatel-Signature") {
		t.Fatalf("signature: %+v", ev.Signature)
	}
	other := inbound(`{"hello":"world"}`, nil)
	Analyze(other, VerifyConfig{Secrets: []string{"s"}})
	if other.Signature.Status != sig.Missing || other.Signature.Reason != "no signature header found" {
		t.Fatalf("unknown body: %+v", other.Signature)
	}
}

func TestAnalyzeWrongSecretIsMismatch(t *testing.T) {
	ev := inbound(seedDelivery, http.Header{"X-Dexatel-Signature": {strings.Repeat("ab", 32)}})
	Analyze(ev, VerifyConfig{Scheme: "dexatel", Secrets: []string{"s"}})
	if ev.Signature.Status != sig.Fail || ev.Signature.Reason != "mismatch" {
		t.Fatalf("%+v", ev.Signature)
	}
}

// kindCases are bodies of every kind, and JSON's near misses.
var kindCases = map[string]BodyKind{"": BodyEmpty, `{"a":1}`: BodyJSON, " [1, 2]\n": BodyJSON, `"x"`: BodyJSON,
	"hello": BodyText, "{bad": BodyText, `{"a":1} {}`: BodyText, `{"a":1}x`: BodyText, "\xff\xfe": BodyBinary,
	"{\"a\":\"\xff\"}": BodyBinary}

func TestKindOf(t *testing.T) {
	for body, want := range kindCases {
		if got := KindOf([]byte(body)); got != want {
			t.Errorf("KindOf(%q) = %s, want %s", body, got, want)
		}
		ev := inbound(body, nil)
		if Analyze(ev, VerifyConfig{}); ev.BodyKind != want {
			t.Errorf("Analyze of %q: kind %s, want %s", body, ev.BodyKind, want)
		}
	}
}

// Analyze reuses the catalog's parse for the kind; it must agree with KindOf.
func FuzzAnalyzeKindMatchesKindOf(f *testing.F) {
	for body := range kindCases {
		f.Add("/", body)
	}
	f.Add("/dexatel", seedDelivery)
	f.Fuzz(func(t *testing.T, path, body string) {
		ev := inbound(body, nil)
		ev.Path = path
		Analyze(ev, VerifyConfig{})
		if want := KindOf([]byte(body)); ev.BodyKind != want {
			t.Fatalf("Analyze of %q: kind %s, KindOf says %s", body, ev.BodyKind, want)
		}
	})
}

func TestNewIDIsSortableAndUnique(t *testing.T) {
	now := time.Now()
	prev := ""
	for i := 0; i < 1000; i++ {
		id := NewID(now)
		if id <= prev {
			t.Fatalf("id %s not after %s", id, prev)
		}
		prev = id
	}
}

// Analyze keys a body without an event id by the path it came to: the same body at
// another endpoint is not a redelivery.
func TestAnalyzeBodyDedupKeyFollowsThePath(t *testing.T) {
	key := func(path string) string {
		ev := inbound(`{"x":1}`, nil)
		ev.Path = path
		Analyze(ev, VerifyConfig{})
		return ev.DedupKey
	}
	if key("/live") == "" || key("/live") != key("/live") {
		t.Fatalf("the same body at one path: keys %q, %q", key("/live"), key("/live"))
	}
	if key("/live") == key("/nolive") {
		t.Errorf("the same body at /live and /nolive got one key %q", key("/live"))
	}
}
