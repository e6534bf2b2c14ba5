package store

import (
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strings"

	"github.com/dexra/dexra-tui/payloads/sig"
)

// Redacted replaces the value of a secret header or query parameter in the history.
const Redacted = "[redacted]"

// secretHeaders carry credentials rather than signatures: the schemes' own (Telegram's
// secret token is the webhook secret itself), Authorization and cookies (API keys,
// basic credentials, sessions), and the common API-key headers. Signature headers are
// not among them: a signature proves one request only, and re-checking needs it.
var secretHeaders = append(sig.SecretHeaders(),
	"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie",
	"X-Api-Key", "Api-Key", "Apikey", "X-Api-Token", "X-Auth-Token", "X-Access-Token",
	"X-Auth-Key", "X-Refresh-Token", "X-Csrf-Token", "X-Xsrf-Token", "X-Amz-Security-Token",
)

// secretHeaderSuffixes name API-key headers by their tail, whatever the vendor prefix
// (X-Shopify-Access-Token, X-Dexra-Api-Key).
var secretHeaderSuffixes = []string{"-Api-Key", "-Api-Token", "-Auth-Token", "-Access-Token"}

// secretQueryParams are query parameters that carry credentials (compared ignoring
// case). hub.verify_token is the shared secret of Meta's subscription handshake.
// Signatures (signature, sig) are kept: they prove one request only, and re-checking
// a stored event needs them.
var secretQueryParams = []string{
	"token", "access_token", "refresh_token", "id_token", "auth_token", "auth",
	"api_key", "apikey", "api-key", "key", "secret", "client_secret", "password",
	"hub.verify_token",
}

// DefaultRedactHeaders and DefaultRedactQuery list what every history redacts, for
// help texts; the header suffixes -Api-Key, -Api-Token, -Auth-Token and -Access-Token
// are redacted too.
func DefaultRedactHeaders() []string { return slices.Clone(secretHeaders) }

// DefaultRedactQuery lists the query parameters every history redacts.
func DefaultRedactQuery() []string { return slices.Clone(secretQueryParams) }

// Redaction says which header values and query parameter values the history keeps
// redacted: the defaults above plus what the configuration adds. A nil *Redaction is
// the defaults.
type Redaction struct {
	headers map[string]bool // canonical names beyond the defaults
	query   map[string]bool // lower-case names beyond the defaults
}

// NewRedaction adds header names and query parameter names to the defaults; a name
// that cannot be a header or parameter is an error that names it.
func NewRedaction(headers, query []string) (*Redaction, error) {
	r := &Redaction{headers: map[string]bool{}, query: map[string]bool{}}
	for _, h := range headers {
		name := strings.TrimSpace(h)
		if name == "" || strings.ContainsFunc(name, notTokenChar) {
			return nil, fmt.Errorf("redact_headers: %q is not a header name (letters, digits and -_. only)", h)
		}
		r.headers[textproto.CanonicalMIMEHeaderKey(name)] = true
	}
	for _, q := range query {
		name := strings.TrimSpace(q)
		if name == "" || strings.ContainsAny(name, "&=#? ") {
			return nil, fmt.Errorf("redact_query: %q is not a query parameter name", q)
		}
		r.query[strings.ToLower(name)] = true
	}
	return r, nil
}

func notTokenChar(c rune) bool {
	return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.')
}

// Header reports whether the history keeps the values of header name redacted.
func (r *Redaction) Header(name string) bool {
	if isSecretHeader(name) {
		return true
	}
	return r != nil && len(r.headers) > 0 && r.headers[textproto.CanonicalMIMEHeaderKey(name)]
}

// QueryParam reports whether the history keeps the values of query parameter name
// (already unescaped) redacted.
func (r *Redaction) QueryParam(name string) bool {
	for _, s := range secretQueryParams {
		if strings.EqualFold(name, s) {
			return true
		}
	}
	return r != nil && len(r.query) > 0 && r.query[strings.ToLower(name)]
}

// Headers is h with every secret value replaced by Redacted, and whether any was:
// a copy when one was, h itself (unchanged, not copied) when none was.
func (r *Redaction) Headers(h http.Header) (http.Header, bool) {
	found := false
	for name := range h {
		if r.Header(name) {
			found = true
			break
		}
	}
	if !found {
		return h, false
	}
	out := make(http.Header, len(h))
	for name, values := range h {
		vs := slices.Clone(values)
		if r.Header(name) {
			for i := range vs {
				vs[i] = Redacted
			}
		}
		out[name] = vs
	}
	return out, true
}

// Query is the raw query with the value of every secret parameter replaced by
// Redacted (names, order and every other byte kept), and whether any was.
func (r *Redaction) Query(raw string) (string, bool) {
	if raw == "" {
		return raw, false
	}
	parts := strings.Split(raw, "&")
	changed := false
	for i, part := range parts {
		name, value, hasValue := strings.Cut(part, "=")
		if hasValue && value != "" && value != Redacted && r.QueryParam(unescapeName(name)) {
			parts[i] = name + "=" + Redacted
			changed = true
		}
	}
	if !changed {
		return raw, false
	}
	return strings.Join(parts, "&"), true
}

// unescapeName decodes a query parameter name as sent (api%5Fkey, api+key).
func unescapeName(name string) string {
	if !strings.ContainsAny(name, "%+") {
		return name
	}
	if n, err := url.QueryUnescape(name); err == nil {
		return n
	}
	return name
}

// RedactHeaders returns a copy of h with the value of every secret header (the
// defaults) replaced by Redacted; h itself is not changed (the live request may still
// need them).
func RedactHeaders(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out, changed := (*Redaction)(nil).Headers(h)
	if !changed {
		out = h.Clone()
	}
	return out
}

func isSecretHeader(name string) bool {
	if secretHeaderSet[textproto.CanonicalMIMEHeaderKey(name)] {
		return true
	}
	for _, s := range secretHeaderSuffixes {
		if len(name) > len(s) && strings.EqualFold(name[len(name)-len(s):], s) {
			return true
		}
	}
	return false
}

// secretHeaderSet is secretHeaders by canonical name: the request path looks up every
// header it receives.
var secretHeaderSet = func() map[string]bool {
	m := make(map[string]bool, len(secretHeaders))
	for _, h := range secretHeaders {
		m[textproto.CanonicalMIMEHeaderKey(h)] = true
	}
	return m
}()
