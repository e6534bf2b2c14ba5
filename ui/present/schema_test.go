package present

import (
	"net/http"
	"strings"
	"testing"

	"github.com/dexra/dexra-tui/payloads"
)

const seedDelivery = `{"data":{"account_id":"4ca07d94-7b4d-4434-97aa-9ec34772f111","message_id":"4ca07d94-7b4d-4434-97aa-9ec34772f111","event":"delivery","status":"delivered","timestamp":"2022-03-01 13:00:00"}}`

func analyzed(body string) *payloads.Event {
	ev := &payloads.Event{Method: "POST", Path: "/dexatel", Headers: http.Header{}, Body: []byte(body)}
	payloads.Analyze(ev, payloads.VerifyConfig{})
	return ev
}

// The Schema tab checks the event's body when it is shown: the history keeps no result.
func TestSchemaTabChecksTheBody(t *testing.T) {
	got := plain(Schema(analyzed(seedDelivery)))
	for _, want := range []string{"Event     dexatel delivery", "Result    ✓ valid", "Shape     documented by the platform"} {
		if !strings.Contains(got, want) {
			t.Fatalf("valid delivery: no %q in\n%s", want, got)
		}
	}

	odd := strings.Replace(seedDelivery, `"status":"delivered"`, `"colour":"red"`, 1)
	got = plain(Schema(analyzed(odd)))
	for _, want := range []string{"Result    ✗ invalid", "Missing fields\n  • /data/status", "Unknown fields\n  • /data/colour"} {
		if !strings.Contains(got, want) {
			t.Fatalf("delivery without status: no %q in\n%s", want, got)
		}
	}

	got = plain(Schema(analyzed(`{"hello":"world"}`)))
	if got != "no schema in the catalog for dexatel -" { // said once
		t.Fatalf("event of no known type:\n%s", got)
	}
}

// A refused body was never kept: the tab says it was not checked, not that it is invalid.
func TestSchemaTabOfARejectedEvent(t *testing.T) {
	ev := &payloads.Event{Method: "POST", Path: "/dexatel", Source: "dexatel", Type: "delivery",
		Status: 413, Rejected: "body exceeds 100 bytes", BodyKind: payloads.BodyEmpty, Size: 101}
	got := plain(Schema(ev))
	if !strings.Contains(got, "not checked: body rejected") || strings.Contains(got, "invalid") {
		t.Fatalf("rejected event:\n%s", got)
	}
}

func TestSchemaOfAnUnknownSourceIsSaidOnce(t *testing.T) {
	got := plain(Schema(&payloads.Event{Body: []byte(`{}`)}))
	if got != "no schema for this source" {
		t.Fatalf("unknown source:\n%s", got)
	}
}
