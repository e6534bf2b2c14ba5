package sig

import (
	"crypto/hmac"
	"fmt"
	"time"
)

// Reasons shared by every scheme; tests and the console depend on the exact words.
const (
	ReasonNoSecret = "no secret configured"
	ReasonMismatch = "mismatch"
	ReasonNoHeader = "no signature header found"
)

func missing(scheme, header string) Verdict {
	return Verdict{Scheme: scheme, Status: Missing, Reason: "header " + header + " missing", SecretIndex: -1}
}

func malformed(scheme, header, what string) Verdict {
	return Verdict{Scheme: scheme, Status: Fail, Reason: "malformed header " + header + ": " + what, SecretIndex: -1}
}

func unchecked(scheme, reason string) Verdict {
	return Verdict{Scheme: scheme, Status: Unchecked, Reason: reason, SecretIndex: -1}
}

// firstSecret is the index of the first non-empty secret, -1 when none is configured.
func firstSecret(secrets []string) int {
	for i, s := range secrets {
		if s != "" {
			return i
		}
	}
	return -1
}

// attempt is a parsed request ready to be checked against the configured secrets.
// Every scheme parses its headers into one; the rules after parsing live here only.
type attempt struct {
	scheme   string
	received string   // the signature header as received, for the verdict
	sigs     [][]byte // the signatures the request carries
	// macs computes what a secret signs this request as; several when a scheme
	// accepts variants (URL with and without port, raw or base64 key). [0] is what
	// Sign would send.
	macs func(secret string) [][]byte
	// expected writes mac the way the signature header carries it.
	expected func(mac []byte) string
	signedAt time.Time // zero for schemes without a timestamp
}

// verify tries every secret (rotation), then the timestamp: a wrong signature is
// reported as a mismatch even when the timestamp is stale too.
func (a attempt) verify(opts Options) Verdict {
	first := firstSecret(opts.Secrets)
	if first < 0 {
		return unchecked(a.scheme, ReasonNoSecret)
	}
	matched := -1
	for i, secret := range opts.Secrets {
		if secret != "" && a.matches(secret) {
			matched = i
			break
		}
	}
	if matched < 0 {
		return Verdict{
			Scheme: a.scheme, Status: Fail, Reason: ReasonMismatch, SecretIndex: -1,
			Expected: a.expected(a.macs(opts.Secrets[first])[0]),
			Received: clip(a.received),
		}
	}
	if !a.signedAt.IsZero() {
		if reason := toleranceReason(a.signedAt, opts); reason != "" {
			// SecretIndex stays set: the signature itself was good.
			return Verdict{Scheme: a.scheme, Status: Fail, Reason: reason, SecretIndex: matched}
		}
	}
	return Verdict{Scheme: a.scheme, Status: Pass, SecretIndex: matched}
}

func (a attempt) matches(secret string) bool {
	for _, mac := range a.macs(secret) {
		for _, sig := range a.sigs {
			if hmac.Equal(mac, sig) {
				return true
			}
		}
	}
	return false
}

// toleranceReason is empty when signedAt is within the tolerance of now, in either
// direction, and otherwise says by how many whole seconds (rounded up) and which way.
func toleranceReason(signedAt time.Time, opts Options) string {
	now := orNow(opts.Now)
	tol := opts.Tolerance
	if tol <= 0 {
		tol = DefaultTolerance
	}
	if age := now.Sub(signedAt); age > tol {
		return fmt.Sprintf("timestamp outside tolerance by %ds (in the past)", ceilSeconds(age-tol))
	}
	if ahead := signedAt.Sub(now); ahead > tol {
		return fmt.Sprintf("timestamp outside tolerance by %ds (in the future)", ceilSeconds(ahead-tol))
	}
	return ""
}

func ceilSeconds(d time.Duration) int64 {
	s := int64(d / time.Second)
	if d%time.Second != 0 {
		s++
	}
	return s
}
