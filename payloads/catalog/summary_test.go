package catalog

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSummary(t *testing.T) {
	cases := []struct{ source, typ, body, want string }{
		{"dexatel", "delivery", seedDelivery, "delivered"},
		{"dexatel", "message", seedMessage, `"sign me in please" sms`},
		{"dexatel", "message", `{"data":{"text":"line one\nline two\u001b[2J\u202e","channel":"viber"}}`, `"line one line two [2J" viber`},
		{"dexra", "message_in", `{"data":{"message_text":"hi","source_channel":"telegram"}}`, `"hi" telegram`},
		{"dexra", "conversation_created", `{"data":{"conversation_id":"c1","source_channel":"whatsapp","customer_lifetime_value":7200}}`, "c1 whatsapp clv 7200"},
		{"dexra", "user_updated", `{"data":{"email":"a@b.c","tags":["Hot Lead","VIP"]}}`, "a@b.c tags: Hot Lead, VIP"},
		{"conversa", "conversation.resolved", `{"data":{"conversation_id":"c2","status":"resolved"}}`, "c2 resolved"},
		{"conversa", "payment.paid", `{"data":{"amount":49.90,"currency":"usd"}}`, "49.90 USD paid"},
		{"conversa", "deal.stage_changed", `{"data":{"deal_id":"d1","from_stage":"qualified","to_stage":"proposal"}}`, "d1 qualified → proposal"},
		{"stripe", "charge.succeeded", `{"data":{"object":{"id":"ch_1","status":"succeeded"}}}`, "ch_1 succeeded"},
		{"github", "push", `{"repository":{"full_name":"acme/app"}}`, "acme/app"},
		{"twilio", "message_status", `MessageStatus=undelivered&ErrorCode=30003`, "undelivered 30003"},
		{"twilio", "message", `Body=Hello&From=%2B15551234567`, `"Hello" from +15551234567`},
		{"telegram", "message", `{"update_id":1,"message":{"text":"/start","chat":{"type":"private"}}}`, `"/start" private`},
		{"whatsapp", "messages", `{"entry":[{"changes":[{"value":{"statuses":[{"status":"read"}]}}]}]}`, "read"},
		{"unknown", "", `{"text":"x"}`, ""},
		{"dexatel", "delivery", "not json", ""},
	}
	for _, c := range cases {
		if got := Summary(c.source, c.typ, []byte(c.body)); got != c.want {
			t.Errorf("%s.%s: %q, want %q", c.source, c.typ, got, c.want)
		}
	}
}

func TestSummaryTruncatesLongTexts(t *testing.T) {
	body := `{"data":{"text":"` + strings.Repeat("é", 100) + `","channel":"sms"}}`
	got := Summary("dexatel", "message", []byte(body))
	want := `"` + strings.Repeat("é", maxTextRunes) + `…" sms`
	if got != want {
		t.Errorf("got %q (%d runes)", got, utf8.RuneCountInString(got))
	}
}
