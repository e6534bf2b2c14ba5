package sig

import (
	"strings"
	"testing"
)

// Telegram has no signature to compute: https://core.telegram.org/bots/api#setwebhook
// says the secret_token (1-256 characters A-Z, a-z, 0-9, _ and -) is sent back verbatim
// in X-Telegram-Bot-Api-Secret-Token.

func TestTelegramToken(t *testing.T) {
	const token = "my_bot-Secret_42"
	h, err := telegramScheme{}.Sign(SignInput{Secret: token})
	if err != nil {
		t.Fatal(err)
	}
	if h.Get("X-Telegram-Bot-Api-Secret-Token") != token || len(h) != 1 {
		t.Fatalf("signed %v", h)
	}
	req := Request{Header: h, Body: []byte(`{"update_id":1}`)}
	wantPass(t, Check("telegram", req, at(t0, "old_token", token)), "telegram", 1)
	wantPass(t, Check(Auto, req, at(t0, token)), "telegram", 0)

	for _, near := range []string{token + "x", token[:len(token)-1], strings.ToUpper(token), ""} {
		v := Check("telegram", req, at(t0, near, "another"))
		if near == "" {
			wantMismatch(t, Check("telegram", req, at(t0, near, "another")), "telegram")
			continue
		}
		wantMismatch(t, v, "telegram")
		// The header is the secret: a verdict, which is stored, must show neither side.
		if strings.Contains(v.Expected+v.Received, token) || strings.Contains(v.Expected+v.Received, near) {
			t.Fatalf("verdict leaks a token: %+v", v)
		}
	}
}

func TestTelegramRefusesTokensTelegramWouldReject(t *testing.T) {
	for _, s := range []string{"has space", "slash/", "ü", strings.Repeat("a", 257), "line\nbreak"} {
		if _, err := (telegramScheme{}).Sign(SignInput{Secret: s}); err == nil {
			t.Errorf("signed with %q", s)
		}
	}
	if _, err := (telegramScheme{}).Sign(SignInput{Secret: strings.Repeat("a", 256)}); err != nil {
		t.Error(err)
	}
}

func TestTelegramTokenIsASecretHeader(t *testing.T) {
	if !slicesContainsFold(SecretHeaders(), "x-telegram-bot-api-secret-token") {
		t.Fatalf("SecretHeaders() = %v", SecretHeaders())
	}
}

func slicesContainsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
