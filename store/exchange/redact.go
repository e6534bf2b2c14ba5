package exchange

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store"
)

// Redactor removes secrets from events before they are exported: the history's secret
// headers (Authorization, Telegram's token; store.RedactHeaders), API-key headers and
// query parameters, and every configured webhook secret wherever it appears.
type Redactor struct {
	secrets [][]byte
}

// NewRedactor redacts the given secrets (webhook secrets, API keys) as well.
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{}
	for _, s := range secrets {
		if s = strings.TrimSpace(s); s != "" {
			r.secrets = append(r.secrets, []byte(s))
			// A whsec_ secret is also used as its base64 key; neither form may leak.
			if k, ok := strings.CutPrefix(s, "whsec_"); ok && k != "" {
				r.secrets = append(r.secrets, []byte(k))
			}
		}
	}
	return r
}

// apiKeyHeaders carry credentials in the APIs people call (besides Authorization).
var apiKeyHeaders = []string{"X-Api-Key", "Api-Key", "X-Auth-Token", "X-Access-Token", "Cookie", "Set-Cookie", "X-Dexra-Api-Key"}

// apiKeyParams are query parameters that carry credentials.
var apiKeyParams = []string{"api_key", "apikey", "api-key", "access_token", "token", "secret", "client_secret", "password", "key"}

// Event is a redacted copy of ev; ev is not changed. The body changes only when it
// holds a configured secret verbatim.
func (r *Redactor) Event(ev *payloads.Event) *payloads.Event {
	c := *ev
	c.Headers = r.headers(ev.Headers)
	c.Query = r.query(ev.Query)
	c.Body = r.bytes(ev.Body)
	if len(c.Body) != len(ev.Body) {
		c.Size = len(c.Body)
	}
	if len(ev.Attempts) > 0 {
		c.Attempts = make([]payloads.Attempt, len(ev.Attempts))
		for i, a := range ev.Attempts {
			a.ResponseHeaders = r.headers(a.ResponseHeaders)
			a.ResponseBody = r.bytes(a.ResponseBody)
			a.Target = r.text(a.Target)
			a.Error = r.text(a.Error)
			c.Attempts[i] = a
		}
	}
	c.Summary = r.text(ev.Summary)
	return &c
}

// eventShared is Event without the copy when there is nothing to redact: ev itself,
// which the caller must then not change. Exports read fresh events and most hold no
// secret, so the copy was most of the redactor's time.
func (r *Redactor) eventShared(ev *payloads.Event) *payloads.Event {
	if len(ev.Attempts) == 0 && r.clean(ev.Headers) && !r.holds(ev.Body) && r.text(ev.Summary) == ev.Summary &&
		(ev.Query == "" || r.query(ev.Query) == ev.Query) {
		return ev
	}
	return r.Event(ev)
}

// holds reports whether b holds a configured secret.
func (r *Redactor) holds(b []byte) bool {
	for _, sec := range r.secrets {
		if bytes.Contains(b, sec) {
			return true
		}
	}
	return false
}

func (r *Redactor) headers(h http.Header) http.Header {
	if r.clean(h) {
		return h // most events: nothing to redact, and writers do not change headers
	}
	out := store.RedactHeaders(h)
	for name, values := range out {
		secret := false
		for _, k := range apiKeyHeaders {
			if strings.EqualFold(name, k) {
				secret = true
			}
		}
		for i, v := range values {
			if secret {
				values[i] = store.Redacted
			} else {
				values[i] = r.text(v)
			}
		}
	}
	return out
}

func (r *Redactor) query(q string) string {
	if q == "" {
		return q
	}
	parts := strings.Split(q, "&")
	for i, p := range parts {
		name, _, _ := strings.Cut(p, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		for _, k := range apiKeyParams {
			if strings.EqualFold(name, k) {
				parts[i] = p[:strings.IndexByte(p+"=", '=')] + "=" + url.QueryEscape(store.Redacted)
			}
		}
	}
	return r.text(strings.Join(parts, "&"))
}

func (r *Redactor) text(s string) string {
	for _, sec := range r.secrets {
		if strings.Contains(s, string(sec)) {
			s = strings.ReplaceAll(s, string(sec), store.Redacted)
		}
	}
	return s
}

func (r *Redactor) bytes(b []byte) []byte {
	for _, sec := range r.secrets {
		if bytes.Contains(b, sec) {
			b = bytes.ReplaceAll(b, sec, []byte(store.Redacted))
		}
	}
	return b
}

// knownSecretHeaders are the names store.RedactHeaders redacts (the history already
// did) and apiKeyHeaders; clean uses them to skip the copy.
var knownSecretHeaders = append(append(sig.SecretHeaders(), "Authorization", "Proxy-Authorization"), apiKeyHeaders...)

// knownSecretLower are the ASCII knownSecretHeaders in lower case: an ASCII name is
// strings.EqualFold to one exactly when its lower case is in the set.
var knownSecretLower, knownSecretOther = func() (map[string]bool, []string) {
	lower, other := map[string]bool{}, []string(nil)
	for _, k := range knownSecretHeaders {
		if b, ok := asciiLower(k, nil); ok {
			lower[string(b)] = true
		} else {
			other = append(other, k)
		}
	}
	return lower, other
}()

// asciiLower appends s in lower case to b, or reports false if s is not ASCII.
func asciiLower(s string, b []byte) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return b, false
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b, true
}

// knownSecretName reports whether name is strings.EqualFold to a knownSecretHeaders
// name: by a map lookup for ASCII names, by the comparisons for others (Unicode
// folding matches "K", the Kelvin sign, to "k").
func knownSecretName(name string) bool {
	for _, k := range knownSecretOther {
		if strings.EqualFold(name, k) {
			return true
		}
	}
	var scratch [64]byte
	if len(name) <= len(scratch) {
		if lower, ok := asciiLower(name, scratch[:0]); ok {
			return knownSecretLower[string(lower)]
		}
	}
	for _, k := range knownSecretHeaders {
		if strings.EqualFold(name, k) {
			return true
		}
	}
	return false
}

// clean reports whether h has no header to redact: no secret header name, no value
// holding a configured secret.
func (r *Redactor) clean(h http.Header) bool {
	for name, values := range h {
		if knownSecretName(name) {
			return false
		}
		if len(r.secrets) == 0 {
			continue
		}
		for _, v := range values {
			if r.text(v) != v {
				return false
			}
		}
	}
	return true
}
