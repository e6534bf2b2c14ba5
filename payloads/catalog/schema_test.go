package catalog

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestSchemasCompile(t *testing.T) {
	all, err := schemas()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(registry) {
		t.Fatalf("compiled %d schemas for %d types", len(all), len(registry))
	}
}

func TestSeedExamplesAreValid(t *testing.T) {
	for typ, body := range map[string]string{"delivery": seedDelivery, "message": seedMessage} {
		r := Check("dexatel", typ, []byte(body))
		if !r.Checked || !r.Documented || !r.Valid || len(r.Errors)+len(r.Unknown)+len(r.Missing) > 0 {
			t.Errorf("seed %s: %+v", typ, r)
		}
	}
}

func TestDocumentedMissingAndExtraFields(t *testing.T) {
	body := strings.Replace(seedMessage, `"text": "sign me in please",`, `"txt": "sign me in please",`, 1)
	r := Check("dexatel", "message", []byte(body))
	if r.Valid || !r.Documented {
		t.Fatalf("a renamed documented field must make the body invalid: %+v", r)
	}
	if !slices.Equal(r.Missing, []string{"/data/text"}) || !slices.Equal(r.Unknown, []string{"/data/txt"}) {
		t.Errorf("missing %v unknown %v", r.Missing, r.Unknown)
	}
	joined := strings.Join(r.Errors, "\n")
	if !strings.Contains(joined, "missing property 'text'") || !strings.Contains(joined, "'txt'") {
		t.Errorf("validator errors must name both fields: %q", r.Errors)
	}
	if !strings.Contains(r.Note, "shape documented by") {
		t.Errorf("note: %q", r.Note)
	}
}

func TestDocumentedWrongValues(t *testing.T) {
	cases := map[string]string{
		"channel not in the documented list": strings.Replace(seedMessage, `"sms"`, `"fax"`, 1),
		"account_id is not a uuid":           strings.Replace(seedMessage, `"4ca07d94-7b4d-4434-97aa-9ec34772f111"`, `"acct-1"`, 1),
		"event differs from the type":        strings.Replace(seedDelivery, `"event": "delivery"`, `"event": "message"`, 1),
		"timestamp is a number":              strings.Replace(seedDelivery, `"2022-03-01 13:00:00"`, `1646139600`, 1),
		"data is missing":                    `{"event":"delivery"}`,
		"body is an array":                   `[]`,
	}
	for name, body := range cases {
		typ := "message"
		if strings.Contains(body, "delivery") || body == "[]" {
			typ = "delivery"
		}
		r := Check("dexatel", typ, []byte(body))
		if r.Valid || len(r.Errors) == 0 {
			t.Errorf("%s: want invalid with errors, got %+v", name, r)
		}
	}
}

func TestNotJSON(t *testing.T) {
	for _, body := range []string{"", "data=1", "{", `{"data":{}} trailing`, "\xff\xfe"} {
		for _, e := range All() {
			r := Check(e.Source, e.Type, []byte(body))
			if !r.Checked || r.Valid || !slices.Equal(r.Errors, []string{"body is not JSON"}) {
				t.Errorf("%s %q: %+v", e.Name(), body, r)
			}
		}
	}
}

func TestUnknownTypeIsNotChecked(t *testing.T) {
	for _, c := range [][2]string{{"dexatel", "read"}, {"stripe", "invoice.paid"}, {"unknown", ""}, {"", ""}} {
		r := Check(c[0], c[1], []byte(seedDelivery))
		if r.Checked || r.Valid || r.Note == "" {
			t.Errorf("%v: %+v", c, r)
		}
	}
}

func TestUndocumentedGivesHintsNotErrors(t *testing.T) {
	// A Dexra payload whose real shape differs from dexra-tui's assumed envelope.
	body := `{"event":"message_in","conversation_id":"c1","message_text":"hi","data":{"source_channel":"whatsapp"}}`
	r := Check("dexra", "message_in", []byte(body))
	if !r.Checked || r.Documented || !r.Valid || len(r.Errors) != 0 {
		t.Fatalf("undocumented shapes give hints, not errors: %+v", r)
	}
	if !slices.Equal(r.Unknown, []string{"/conversation_id", "/message_text"}) {
		t.Errorf("unknown: %v", r.Unknown)
	}
	if !slices.Equal(r.Missing, []string{"/data/conversation_id", "/data/message_text", "/event_id"}) {
		t.Errorf("missing: %v", r.Missing)
	}
	if !strings.Contains(r.Note, "not documented") || strings.Contains(r.Note, "hint:") {
		t.Errorf("note must explain, without repeating missing fields as a hint: %q", r.Note)
	}
}

func TestUndocumentedTypeMismatchIsAHint(t *testing.T) {
	body := `{"id":"evt_1","event":"payment.paid","data":{"payment_id":"p1","amount":"49.90"}}`
	r := Check("conversa", "payment.paid", []byte(body))
	if !r.Valid || len(r.Errors) != 0 || !strings.Contains(r.Note, "/data/amount") {
		t.Errorf("%+v", r)
	}
}

func TestUnknownPointersAreEscapedAndCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"data":{"account_id":"4ca07d94-7b4d-4434-97aa-9ec34772f111","message_id":"4ca07d94-7b4d-4434-97aa-9ec34772f111","event":"delivery","status":"delivered","timestamp":"t","a/b~c":1`)
	for i := range 120 {
		fmt.Fprintf(&b, `,"x%03d":1`, i)
	}
	b.WriteString("}}")
	r := Check("dexatel", "delivery", []byte(b.String()))
	if r.Unknown[0] != "/data/a~1b~0c" {
		t.Errorf("first unknown %q, want RFC 6901 escaping", r.Unknown[0])
	}
	if len(r.Unknown) != maxListed+1 || r.Unknown[maxListed] != "… 71 more" {
		t.Errorf("unknown list must be capped: %d entries, last %q", len(r.Unknown), r.Unknown[len(r.Unknown)-1])
	}
	if len(r.Errors) > maxListed+1 {
		t.Errorf("errors must be capped: %d", len(r.Errors))
	}
}

func TestErrorsAreDeterministic(t *testing.T) {
	body := []byte(`{"data":{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"event":"delivery"}}`)
	first := Check("dexatel", "delivery", body).Errors
	for range 30 {
		if got := Check("dexatel", "delivery", body).Errors; !slices.Equal(got, first) {
			t.Fatalf("errors differ between runs:\n%q\n%q", got, first)
		}
	}
}
