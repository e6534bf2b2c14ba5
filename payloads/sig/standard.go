package sig

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Standard Webhooks (https://www.standardwebhooks.com, spec/standard-webhooks.md):
// webhook-signature is a space-separated list of "v1,<base64 HMAC-SHA256>" over
// "<webhook-id>.<webhook-timestamp>.<body>", keyed with the base64 part of a
// "whsec_" secret. Svix is the same algorithm under svix-* headers.
type stdScheme struct {
	name string
	// sets are tried in order: the first whose signature header is present is used.
	// Svix libraries also accept the unbranded webhook-* headers. Sign writes sets[0].
	sets []stdHeaders
}

type stdHeaders struct{ id, timestamp, signature string }

var standardScheme = stdScheme{name: "standard", sets: []stdHeaders{
	{"webhook-id", "webhook-timestamp", "webhook-signature"},
}}

var svixScheme = stdScheme{name: "svix", sets: []stdHeaders{
	{"svix-id", "svix-timestamp", "svix-signature"},
	{"webhook-id", "webhook-timestamp", "webhook-signature"},
}}

const whsecPrefix = "whsec_"

func (s stdScheme) Name() string { return s.name }

// Detect looks at the scheme's own brand only, so auto tells standard and svix apart.
func (s stdScheme) Detect(h http.Header) bool { return hasHeader(h, s.sets[0].signature) }

func (s stdScheme) Sign(in SignInput) (http.Header, error) {
	if in.Secret == "" {
		return nil, errNoSigningSecret(s.name)
	}
	id := in.ID
	if id == "" {
		id = newMessageID()
	}
	if !headerSafe(id) {
		return nil, fmt.Errorf("signing with %s: message id %q cannot be sent as a header value", s.name, id)
	}
	ts := strconv.FormatInt(orNow(in.Timestamp).Unix(), 10)
	mac := algSHA256.mac(standardKeys(in.Secret)[0], standardContent(id, ts, in.Body)...)
	set := s.sets[0]
	h := http.Header{}
	h.Set(set.id, id)
	h.Set(set.timestamp, ts)
	h.Set(set.signature, "v1,"+base64.StdEncoding.EncodeToString(mac))
	return h, nil
}

func (s stdScheme) Verify(req Request, opts Options) Verdict {
	set := s.sets[0]
	for _, candidate := range s.sets {
		if hasHeader(req.Header, candidate.signature) {
			set = candidate
			break
		}
	}
	sigValue, ok := headerValue(req.Header, set.signature)
	if !ok {
		return missing(s.name, set.signature)
	}
	id, ok := headerValue(req.Header, set.id)
	if !ok {
		return missing(s.name, set.id)
	}
	tsValue, ok := headerValue(req.Header, set.timestamp)
	if !ok {
		return missing(s.name, set.timestamp)
	}
	sigs, what := parseStandardSignatures(sigValue)
	if what != "" {
		return malformed(s.name, set.signature, what)
	}
	if id == "" {
		return malformed(s.name, set.id, "empty value")
	}
	signedAt, what := parseUnix(tsValue)
	if what != "" {
		return malformed(s.name, set.timestamp, what)
	}
	// The libraries sign the parsed timestamp, so "+1614265330" signs as "1614265330".
	content := standardContent(id, strconv.FormatInt(signedAt.Unix(), 10), req.Body)
	return attempt{
		scheme:   s.name,
		received: sigValue,
		sigs:     sigs,
		macs: func(secret string) [][]byte {
			keys := standardKeys(secret)
			macs := make([][]byte, len(keys))
			for i, k := range keys {
				macs[i] = algSHA256.mac(k, content...)
			}
			return macs
		},
		expected: func(mac []byte) string { return "v1," + base64.StdEncoding.EncodeToString(mac) },
		signedAt: signedAt,
	}.verify(opts)
}

func standardContent(id, ts string, body []byte) [][]byte {
	return [][]byte{[]byte(id), {'.'}, []byte(ts), {'.'}, body}
}

// standardKeys are the HMAC keys a configured secret may stand for; [0] is the one
// Sign uses. "whsec_<base64>" is the spec's form. A secret without the prefix is used
// as its raw bytes, and also tried base64-decoded because the reference libraries
// decode unprefixed secrets too.
func standardKeys(secret string) [][]byte {
	if rest, ok := strings.CutPrefix(secret, whsecPrefix); ok {
		if key, ok := decodeBase64Secret(rest); ok {
			return [][]byte{key}
		}
		return [][]byte{[]byte(secret)}
	}
	keys := [][]byte{[]byte(secret)}
	if key, ok := decodeBase64Secret(secret); ok {
		keys = append(keys, key)
	}
	return keys
}

func decodeBase64Secret(s string) ([]byte, bool) {
	for _, e := range base64Encodings {
		if b, err := e.b64.DecodeString(s); err == nil && len(b) > 0 {
			return b, true
		}
	}
	return nil, false
}

// parseStandardSignatures returns the decodable v1 signatures of a webhook-signature
// value. Other versions (v1a is asymmetric) and undecodable entries are skipped, as the
// reference libraries do; what says why when none is left.
func parseStandardSignatures(value string) (sigs [][]byte, what string) {
	entries := strings.Fields(value)
	if len(entries) == 0 {
		return nil, "empty value"
	}
	sawV1 := false
	for _, entry := range entries {
		version, sig, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" {
			continue
		}
		sawV1 = true
		if mac, _, ok := decodeMAC(sig, algSHA256.size, acceptBase64); ok {
			sigs = append(sigs, mac)
		}
	}
	switch {
	case len(sigs) > 0:
		return sigs, ""
	case sawV1:
		return nil, "v1 signature is not base64 of a 32-byte HMAC-SHA256"
	}
	return nil, `no "v1,<base64>" signature`
}
