package sandbox

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/dexra/dexra-tui/tunnel"
)

// FuzzSendRequest: the sandbox's reading of a request body never panics, a refusal
// always says why, and an accepted message encodes to a request accepted again.
func FuzzSendRequest(f *testing.F) {
	for _, seed := range []string{
		`{"channel":"sms","recipient_id":"+15551234567","message_type":"text","text":"hi"}`,
		`{"channel":"email","recipient_id":"a@b.co","message_type":"media","media_url":"https://x.test/a.png","caption":"c"}`,
		`{"channel":"viber","recipient_id":"+15551234567","message_type":"button","text":"t","buttons":[{"id":"a","title":"A"}]}`,
		`{"channel":"whatsapp","recipient_id":"+15551234567","message_type":"template","template":{"name":"n","language":"en","parameters":{"k":"v"}}}`,
		`{"channel":"telegram","recipient_id":"-100123","message_type":"text","text":"\u0000"}`,
		`{"channel":1}`, `{"x":1}`, `[]`, `null`, `{} {}`, `{"buttons":[{"id":""}]}`, "\xff",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := decodeMessage(body)
		if err == nil {
			err = m.Validate()
		}
		if err != nil {
			var fe *tunnel.FieldError
			if !errors.As(err, &fe) || fe.Reason == "" {
				t.Fatalf("refusal without a reason: %v", err)
			}
			return
		}
		again, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		m2, err := decodeMessage(again)
		if err == nil {
			err = m2.Validate()
		}
		if err != nil {
			t.Fatalf("accepted %q, but not its re-encoding %q: %v", body, again, err)
		}
	})
}
