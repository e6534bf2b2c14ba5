package sig

import (
	"crypto/sha256"
	"fmt"
	"net/http"
)

// Telegram echoes the secret_token given to setWebhook in
// X-Telegram-Bot-Api-Secret-Token: the header value IS the secret.
// https://core.telegram.org/bots/api#setwebhook
type telegramScheme struct{}

const telegramHeader = "X-Telegram-Bot-Api-Secret-Token"

func (telegramScheme) Name() string { return "telegram" }

func (telegramScheme) Detect(h http.Header) bool { return hasHeader(h, telegramHeader) }

func (telegramScheme) Sign(in SignInput) (http.Header, error) {
	if in.Secret == "" {
		return nil, errNoSigningSecret("telegram")
	}
	if !validTelegramToken(in.Secret) {
		return nil, fmt.Errorf("signing with telegram: a secret token is 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram rejects others)")
	}
	h := http.Header{}
	h.Set(telegramHeader, in.Secret)
	return h, nil
}

func (telegramScheme) Verify(req Request, opts Options) Verdict {
	value, ok := headerValue(req.Header, telegramHeader)
	if !ok {
		return missing("telegram", telegramHeader)
	}
	if value == "" {
		return malformed("telegram", telegramHeader, "empty value")
	}
	// Digests of equal length make the comparison constant-time whatever the lengths,
	// and keep the token itself out of the verdict, which is stored.
	received := sha256.Sum256([]byte(value))
	return attempt{
		scheme:   "telegram",
		received: fmt.Sprintf("(a %d-character token, not shown)", len(value)),
		sigs:     [][]byte{received[:]},
		macs: func(secret string) [][]byte {
			d := sha256.Sum256([]byte(secret))
			return [][]byte{d[:]}
		},
		expected: func([]byte) string { return "(the configured secret token, not shown)" },
	}.verify(opts)
}

func validTelegramToken(s string) bool {
	if len(s) < 1 || len(s) > 256 {
		return false
	}
	for _, c := range []byte(s) {
		ok := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}
