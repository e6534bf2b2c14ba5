package store

import (
	"net/http"
	"strings"

	"github.com/dexra/dexra-tui/payloads/sig"
)

// Redacted replaces the value of a secret header in the history.
const Redacted = "[redacted]"

// secretHeaders carry credentials rather than signatures: the schemes' own (Telegram's
// secret token is the webhook secret itself), and Authorization, which carries API keys
// (outbound calls) or basic credentials.
var secretHeaders = append(sig.SecretHeaders(), "Authorization", "Proxy-Authorization")

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
