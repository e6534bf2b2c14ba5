package store

import (
	"net/http"
	"strings"
)

// Redacted replaces the value of a secret header in the history.
const Redacted = "[redacted]"

// secretHeaders carry credentials rather than signatures: a Telegram secret token is the
// webhook secret itself, and Authorization carries API keys (outbound calls) or basic
// credentials. Switch to sig.SecretHeaders() once payloads/sig exports it.
var secretHeaders = []string{
	"X-Telegram-Bot-Api-Secret-Token",
	"Authorization",
	"Proxy-Authorization",
}

// RedactHeaders returns a copy of h with the value of every secret header replaced by
// Redacted; h itself is not changed (the live request may still need them).
func RedactHeaders(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := make(http.Header, len(h))
	for name, values := range h {
		vs := append([]string(nil), values...)
		if isSecretHeader(name) {
			for i := range vs {
				vs[i] = Redacted
			}
		}
		out[name] = vs
	}
	return out
}

func isSecretHeader(name string) bool {
	for _, s := range secretHeaders {
		if strings.EqualFold(name, s) {
			return true
		}
	}
	return false
}
