// Package sig signs and verifies webhook signatures for every scheme dexra-tui speaks.
// It is pure: no network, no disk.
package sig

import (
	"net/http"
	"time"
)

// Status is the outcome of a signature check.
type Status string

const (
	Pass      Status = "pass"      // a configured secret produced the received signature
	Fail      Status = "fail"      // a signature was present but did not verify
	Missing   Status = "missing"   // the scheme's signature header is absent
	Unchecked Status = "unchecked" // nothing to check against (no secret, no scheme)
)

// Verdict is what a check concluded and why.
type Verdict struct {
	Scheme string `json:"scheme"`
	Status Status `json:"status"`
	// Reason names the exact cause; "mismatch" for a wrong secret or altered body.
	Reason string `json:"reason,omitempty"`
	// SecretIndex is the position of the configured secret that matched, -1 if none.
	SecretIndex int `json:"secret_index"`
	// Expected and Received are set on a mismatch: the signature the first secret
	// computes and the one the request carried (neither is a secret).
	Expected string `json:"expected,omitempty"`
	Received string `json:"received,omitempty"`
}

// Request is what a verification looks at: the request exactly as received.
type Request struct {
	Method string
	URL    string // full URL as the sender addressed it (Twilio signs it)
	Header http.Header
	Body   []byte
}

// Options configure a verification.
type Options struct {
	Secrets   []string      // tried in order (rotation)
	Now       time.Time     // zero means time.Now()
	Tolerance time.Duration // zero means DefaultTolerance; applied both to past and future
	HMAC      HMACConfig    // only for the "hmac" scheme
}

// SignInput is what signing needs.
type SignInput struct {
	Secret string
	Body   []byte
	Method string
	URL    string // Twilio
	// ContentType of Body, for Twilio: form bodies are signed as sorted params; empty
	// means form unless Body is JSON.
	ContentType string
	ID          string    // Standard Webhooks / Svix message id; generated if empty
	Timestamp   time.Time // zero means time.Now()
	HMAC        HMACConfig
}

// DefaultTolerance is the accepted clock skew for timestamped schemes.
const DefaultTolerance = 5 * time.Minute

// HMACConfig describes a generic HMAC scheme.
type HMACConfig struct {
	Header    string // e.g. "X-Signature"
	Algorithm string // sha256 (default), sha1, sha512
	Encoding  string // hex (default), base64
	Prefix    string // e.g. "sha256="
}

// Scheme signs and verifies one provider's signatures.
type Scheme interface {
	Name() string
	// Detect reports whether the headers carry this scheme's signature.
	Detect(h http.Header) bool
	Sign(in SignInput) (http.Header, error)
	Verify(req Request, opts Options) Verdict
}
