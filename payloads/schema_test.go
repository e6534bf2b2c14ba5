package payloads

import (
	"slices"
	"strings"
	"testing"

	"github.com/dexra/dexra-tui/payloads/sig"
)

// The schema check is computed from the analyzed event, not stored by Analyze.
func TestCheckSchemaOfAnalyzedEvents(t *testing.T) {
	scheme, _ := sig.Lookup("dexatel")
	h, err := scheme.Sign(sig.SignInput{Secret: "s3cret", Body: []byte(seedDelivery)})
	if err != nil {
		t.Fatal(err)
	}
	ev := inbound(seedDelivery, h)
	Analyze(ev, VerifyConfig{Secrets: []string{"s3cret"}})
	if r := CheckSchema(ev); !r.Checked || !r.Documented || !r.Valid || len(r.Errors)+len(r.Missing)+len(r.Unknown) != 0 {
		t.Fatalf("seed delivery: %+v", r)
	}

	odd := strings.Replace(seedDelivery, `"status": "delivered",`, `"colour": "red",`, 1)
	ev = inbound(odd, nil)
	Analyze(ev, VerifyConfig{})
	r := CheckSchema(ev)
	if !r.Checked || r.Valid || !slices.Equal(r.Missing, []string{"/data/status"}) || !slices.Equal(r.Unknown, []string{"/data/colour"}) || len(r.Errors) == 0 {
		t.Fatalf("delivery without status: %+v", r)
	}

	ev = inbound(`{"hello":"world"}`, nil)
	Analyze(ev, VerifyConfig{})
	if r := CheckSchema(ev); r.Checked || !strings.Contains(r.Note, "no catalog schema") {
		t.Fatalf("unknown event: %+v", r)
	}
}

// A refused body was never kept: its check says so instead of judging an empty body.
func TestCheckSchemaOfRejectedEvent(t *testing.T) {
	ev := &Event{Method: "POST", Path: "/dexatel", Source: "dexatel", Type: "delivery", Status: 413,
		Rejected: "body exceeds 100 bytes", BodyKind: BodyEmpty, Size: 101}
	if r := CheckSchema(ev); r.Checked || r.Valid || r.Note != "not checked: body rejected" || len(r.Errors) != 0 {
		t.Fatalf("rejected event: %+v", r)
	}
}
