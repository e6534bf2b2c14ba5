package cli

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/catalog"
)

// deliveryWithoutStatus is the seed's Dexatel delivery with its required status left out.
const deliveryWithoutStatus = `{"data":{"account_id":"4ca07d94-7b4d-4434-97aa-9ec34772f111","message_id":"4ca07d94-7b4d-4434-97aa-9ec34772f111","event":"delivery","timestamp":"2022-03-01 13:00:00"}}`

func showEvent(body string) *payloads.Event {
	ev := &payloads.Event{ID: "01JNGQ0000000000000000000A", Received: time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC),
		Direction: payloads.Inbound, Method: "POST", Path: "/dexatel", Headers: http.Header{}, Body: []byte(body)}
	payloads.Analyze(ev, payloads.VerifyConfig{})
	return ev
}

func showOutput(t *testing.T, ev *payloads.Event, asJSON bool) string {
	t.Helper()
	var buf bytes.Buffer
	if err := writeShow(&buf, ev, asJSON); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// show computes the schema check from the stored event (it is not kept in the history).
func TestShowChecksTheSchema(t *testing.T) {
	t.Parallel()
	ev := showEvent(deliveryWithoutStatus)
	if got := showOutput(t, ev, false); !strings.Contains(got, "\nschema       invalid · missing /data/status · ") {
		t.Fatalf("show does not give the schema check:\n%s", got)
	}
	var shown struct{ Schema catalog.Result }
	if err := json.Unmarshal([]byte(showOutput(t, ev, true)), &shown); err != nil {
		t.Fatal(err)
	}
	if s := shown.Schema; !s.Checked || !s.Documented || s.Valid || len(s.Missing) != 1 || s.Missing[0] != "/data/status" {
		t.Fatalf("show --json schema %+v", s)
	}

	valid := strings.Replace(deliveryWithoutStatus, `"event"`, `"status":"delivered","event"`, 1)
	if got := showOutput(t, showEvent(valid), false); !strings.Contains(got, "\nschema       valid\n") {
		t.Fatalf("show of a valid delivery:\n%s", got)
	}
}

// A refused body was not kept: show --json says the check was not made, and why.
func TestShowSchemaOfARejectedEvent(t *testing.T) {
	t.Parallel()
	ev := &payloads.Event{ID: "01JNGQ0000000000000000000B", Method: "POST", Path: "/dexatel", Source: "dexatel",
		Type: "delivery", Status: 413, Rejected: "body exceeds 100 bytes", BodyKind: payloads.BodyEmpty, Size: 101}
	var shown map[string]any
	if err := json.Unmarshal([]byte(showOutput(t, ev, true)), &shown); err != nil {
		t.Fatal(err)
	}
	schema, _ := shown["schema"].(map[string]any)
	if schema["note"] != "not checked: body rejected" || schema["checked"] != false {
		t.Fatalf("show --json schema of a rejected event: %v", shown["schema"])
	}
	if got := showOutput(t, ev, false); strings.Contains(got, "\nschema ") {
		t.Fatalf("show gives a schema line for a body it never had:\n%s", got)
	}
}
