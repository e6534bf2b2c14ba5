package catalog

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
)

func TestDexatelDedupIsTheBodyHash(t *testing.T) {
	h := hdr("X-Dexatel-Signature", seedSignature)
	first := DedupKey("dexatel", "delivery", "", h, []byte(seedDelivery))
	redelivery := DedupKey("dexatel", "delivery", "", h.Clone(), []byte(seedDelivery))
	sum := sha256.Sum256([]byte(seedDelivery))
	if first != "sha256:"+hex.EncodeToString(sum[:]) {
		t.Errorf("key %q is not the body's sha256", first)
	}
	if redelivery != first {
		t.Errorf("a redelivered identical body must give the same key: %q vs %q", redelivery, first)
	}
	other := strings.Replace(seedDelivery, "13:00:00", "13:00:01", 1)
	if DedupKey("dexatel", "delivery", "", h, []byte(other)) == first {
		t.Error("a different body must give a different key")
	}
}

// With no event id, the same body is a redelivery only at the same endpoint: two
// endpoints that get the same body (a test's {"x":1}) got two events.
func TestBodyDedupKeyIsPerPath(t *testing.T) {
	body := []byte(`{"x":1}`)
	at := func(path string) string { return DedupKey("unknown", "", path, nil, body) }
	if at("/live") != at("/live") {
		t.Error("the same body at the same path must give the same key")
	}
	if at("/live") == at("/nolive") {
		t.Errorf("the same body at two paths gave one key %q", at("/live"))
	}
	if k := at("/live"); !strings.HasPrefix(k, "sha256:") || len(k) != len("sha256:")+64 {
		t.Errorf("key %q is not sha256:<hex>", k)
	}
}

func TestDedupUsesThePlatformEventID(t *testing.T) {
	cases := []struct {
		source string
		h      http.Header
		body   string
		want   string
	}{
		{"conversa", nil, `{"id":"evt_1","event":"payment.paid"}`, "conversa:id:evt_1"},
		{"conversa", hdr("Webhook-Id", "msg_9"), `{"event":"payment.paid"}`, "conversa:id:msg_9"},
		{"dexra", nil, `{"event":"message_in","event_id":"e-7"}`, "dexra:id:e-7"},
		{"standard", hdr("Webhook-Id", "msg_2"), `{}`, "standard:id:msg_2"},
		{"svix", hdr("Svix-Id", "msg_3"), `{}`, "svix:id:msg_3"},
		{"stripe", nil, `{"id":"evt_4","object":"event"}`, "stripe:id:evt_4"},
		{"github", hdr("X-GitHub-Delivery", "72d3162e"), `{}`, "github:id:72d3162e"},
		{"shopify", hdr("X-Shopify-Webhook-Id", "b54557e4"), `{}`, "shopify:id:b54557e4"},
		{"slack", nil, `{"type":"event_callback","event_id":"Ev08"}`, "slack:id:Ev08"},
		{"telegram", nil, `{"update_id":10000,"message":{}}`, "telegram:id:10000"},
		{"twilio", hdr("I-Twilio-Idempotency-Token", "tok-1"), `MessageSid=SM1`, "twilio:id:tok-1"},
		{"unknown", hdr("Webhook-Id", "msg_5"), `{}`, "unknown:id:msg_5"},
	}
	for _, c := range cases {
		if got := DedupKey(c.source, "", "", c.h, []byte(c.body)); got != c.want {
			t.Errorf("%s %s: %q, want %q", c.source, c.body, got, c.want)
		}
	}
}

func TestDedupFallsBackToTheBodyHash(t *testing.T) {
	for _, src := range []string{"conversa", "stripe", "github", "slack", "whatsapp", "unknown"} {
		if k := DedupKey(src, "", "", nil, []byte(`{"x":1}`)); !strings.HasPrefix(k, "sha256:") {
			t.Errorf("%s without an event id: %q", src, k)
		}
	}
	if k := DedupKey("unknown", "", "", nil, nil); k != "" {
		t.Errorf("an empty body identifies nothing: %q", k)
	}
}

func TestDedupHashesUnsafeOrLongIDs(t *testing.T) {
	for _, id := range []string{strings.Repeat("x", maxIDLen+1), "a\nb", "\x1b]2;t\x07"} {
		k := DedupKey("standard", "", "", hdr("Webhook-Id", id), []byte(`{}`))
		if !strings.HasPrefix(k, "standard:idhash:") || len(k) != len("standard:idhash:")+64 {
			t.Errorf("id %q: key %q", id, k)
		}
	}
}

func TestCorrelation(t *testing.T) {
	cases := []struct{ source, typ, body, want string }{
		{"dexatel", "delivery", seedDelivery, "4ca07d94-7b4d-4434-97aa-9ec34772f111"},
		{"dexatel", "message", seedMessage, ""},
		{"dexra", "message_in", `{"data":{"conversation_id":"conv_1"}}`, "conv_1"},
		{"dexra", "message_in", `{"conversation_id":"conv_2"}`, "conv_2"},
		{"dexra", "user_updated", `{"data":{"user_id":"usr_1"}}`, "usr_1"},
		{"conversa", "conversation.resolved", `{"data":{"conversation_id":"conv_3"}}`, "conv_3"},
		{"conversa", "payment.paid", `{"data":{"payment_id":"pay_1","conversation_id":"conv_3"}}`, "pay_1"},
		{"conversa", "deal.stage_changed", `{"data":{"deal_id":42}}`, "42"},
		{"stripe", "payment_intent.succeeded", `{"data":{"object":{"id":"pi_1"}}}`, "pi_1"},
		{"twilio", "message_status", `MessageSid=SM123&MessageStatus=sent`, "SM123"},
		{"whatsapp", "messages", `{"entry":[{"changes":[{"value":{"statuses":[{"id":"wamid.A"}]}}]}]}`, "wamid.A"},
		{"telegram", "message", `{"update_id":1,"message":{"chat":{"id":-100}}}`, "-100"},
		{"unknown", "", `{"id":"x"}`, ""},
		{"dexatel", "delivery", "\xff", ""},
	}
	for _, c := range cases {
		if got := Correlation(c.source, c.typ, []byte(c.body)); got != c.want {
			t.Errorf("%s.%s %s: %q, want %q", c.source, c.typ, c.body, got, c.want)
		}
	}
}
