package catalog

import (
	"net/http"
	"testing"
)

func TestClassify(t *testing.T) {
	whatsapp := `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"statuses":[{"id":"wamid.X","status":"delivered"}]}}]}]}`
	cases := []struct {
		name, path string
		h          http.Header
		body       string
		src, typ   string
	}{
		{"seed delivery with its header", "/", hdr("X-Dexatel-Signature", seedSignature), seedDelivery, "dexatel", "delivery"},
		{"seed message with its header", "/", hdr("X-Dexatel-Signature", seedSignature), seedMessage, "dexatel", "message"},
		{"seed delivery, body only", "/", nil, seedDelivery, "dexatel", "delivery"},
		{"seed message, body only", "/anything", nil, seedMessage, "dexatel", "message"},
		{"dexatel header, unknown event", "/", hdr("X-Dexatel-Signature", "x"), `{"data":{"event":"read"}}`, "dexatel", "read"},
		{"dexatel path hint", "/dexatel", nil, `{"data":{"event":"read"}}`, "dexatel", "read"},
		{"dexatel nested path hint", "/hooks/Dexatel/v1", nil, `not json`, "dexatel", ""},
		{"dexra header", "/", hdr("X-Dexra-Signature", "x"), `{"event":"message_in"}`, "dexra", "message_in"},
		{"dexra envelope", "/", nil, `{"event":"user_updated","event_id":"e1","data":{}}`, "dexra", "user_updated"},
		{"dexra path hint", "/dexra/", nil, `{"event":"typing"}`, "dexra", "typing"},
		{"conversa envelope signed like Standard Webhooks", "/", hdr("Webhook-Id", "msg_1", "Webhook-Signature", "v1,x"), `{"id":"evt_1","event":"deal.stage_changed","data":{}}`, "conversa", "deal.stage_changed"},
		{"conversa path hint", "/conversa", nil, `{"event":"contact.created"}`, "conversa", "contact.created"},
		{"segment must match whole", "/dexratui", nil, `{}`, "unknown", ""},
		{"stripe", "/", hdr("Stripe-Signature", "t=1,v1=x"), `{"id":"evt_1","object":"event","type":"payment_intent.succeeded"}`, "stripe", "payment_intent.succeeded"},
		{"stripe body only", "/", nil, `{"id":"evt_1","object":"event","type":"invoice.paid"}`, "stripe", "invoice.paid"},
		{"github", "/", hdr("X-GitHub-Event", "pull_request", "X-Hub-Signature-256", "sha256=x"), `{"action":"opened"}`, "github", "pull_request"},
		{"hub signature alone", "/", hdr("X-Hub-Signature-256", "sha256=x"), `{"zen":"x"}`, "github", ""},
		{"whatsapp", "/", hdr("X-Hub-Signature-256", "sha256=x"), whatsapp, "whatsapp", "messages"},
		{"whatsapp body only", "/", nil, whatsapp, "whatsapp", "messages"},
		{"meta page", "/", hdr("X-Hub-Signature-256", "sha256=x"), `{"object":"page","entry":[{"changes":[{"field":"feed"}]}]}`, "meta", "feed"},
		{"slack event", "/", hdr("X-Slack-Signature", "v0=x"), `{"type":"event_callback","event_id":"Ev1","event":{"type":"app_mention"}}`, "slack", "app_mention"},
		{"slack url verification", "/", hdr("X-Slack-Signature", "v0=x"), `{"type":"url_verification","challenge":"c"}`, "slack", "url_verification"},
		{"slack slash command", "/", hdr("X-Slack-Signature", "v0=x"), `command=%2Fdeploy&text=now`, "slack", "slash_command"},
		{"slack interactivity", "/", hdr("X-Slack-Signature", "v0=x"), `payload=%7B%22type%22%3A%22block_actions%22%7D`, "slack", "block_actions"},
		{"shopify", "/", hdr("X-Shopify-Topic", "orders/create", "X-Shopify-Hmac-Sha256", "x"), `{"id":1}`, "shopify", "orders/create"},
		{"twilio status", "/", hdr("X-Twilio-Signature", "x"), `MessageSid=SM1&MessageStatus=delivered`, "twilio", "message_status"},
		{"twilio inbound", "/", hdr("X-Twilio-Signature", "x"), `MessageSid=SM1&SmsStatus=received&Body=hi`, "twilio", "message"},
		{"twilio call", "/", hdr("X-Twilio-Signature", "x"), `CallSid=CA1&CallStatus=ringing`, "twilio", "call_status"},
		{"telegram", "/", hdr("X-Telegram-Bot-Api-Secret-Token", "s"), `{"update_id":5,"callback_query":{}}`, "telegram", "callback_query"},
		{"telegram body only", "/", nil, `{"update_id":5,"message":{"text":"hi"}}`, "telegram", "message"},
		{"standard", "/", hdr("Webhook-Id", "msg_1", "Webhook-Timestamp", "1", "Webhook-Signature", "v1,x"), `{"type":"user.created"}`, "standard", "user.created"},
		{"svix", "/", hdr("Svix-Id", "msg_1", "Svix-Signature", "v1,x"), `{"type":"invoice.paid"}`, "svix", "invoice.paid"},
		{"unknown with type", "/", nil, `{"type":"ping"}`, "unknown", "ping"},
		{"unknown with event", "/", nil, `{"event":"ping"}`, "unknown", "ping"},
		{"unknown non-string type", "/", nil, `{"type":{"a":1}}`, "unknown", ""},
		{"empty", "/", nil, ``, "unknown", ""},
		{"binary", "/", nil, "\xff\x00\xfe", "unknown", ""},
		{"control characters in the type are removed", "/", nil, `{"type":"a\u001b]52;c;x\u0007b\nc"}`, "unknown", "a ]52;c;x b c"},
		{"lower-case header keys of a hand-built map", "/", http.Header{"x-dexra-signature": {"x"}}, `{}`, "dexra", ""},
	}
	for _, c := range cases {
		src, typ := Classify(c.path, c.h, []byte(c.body))
		if src != c.src || typ != c.typ {
			t.Errorf("%s: Classify = (%q, %q), want (%q, %q)", c.name, src, typ, c.src, c.typ)
		}
	}
}

func TestClassifyCapsLongTypes(t *testing.T) {
	long := make([]byte, 10000)
	for i := range long {
		long[i] = 'a'
	}
	_, typ := Classify("/", hdr("X-GitHub-Event", string(long)), nil)
	if r := []rune(typ); len(r) != maxTypeRunes+1 || r[maxTypeRunes] != '…' {
		t.Errorf("type of %d runes, want %d and an ellipsis", len(r), maxTypeRunes+1)
	}
}
