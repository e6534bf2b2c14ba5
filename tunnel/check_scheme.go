package tunnel

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/dexra/dexra-tui/payloads/sig"
)

// checkScheme is what the handler check must know of a scheme beyond sig's Sign: where
// its signature travels, whether it is timestamped and whether it covers the body.
type checkScheme struct {
	name string
	// signatureHeaders carry the signature; the no-signature probe removes them and
	// the malformed probe garbles them.
	signatureHeaders []string
	// idHeader carries the platform's delivery id, repeated on a redelivery ("" if none).
	idHeader    string
	timestamped bool
	// coversBody is false when the "signature" is a shared token (telegram): a changed
	// body then cannot be detected, and the tampered-body probe does not apply.
	coversBody bool
	twilioURL  bool // signs the URL with a bodySHA256 parameter (twilio)
	// verifyHow says how a handler computes the signature, dedupBy what identifies a delivery.
	verifyHow, dedupBy string
}

// checkSchemes are the schemes check can probe; hmac is not one (its header is configured).
var checkSchemes = map[string]checkScheme{
	"dexatel": {name: "dexatel", signatureHeaders: []string{"X-Dexatel-Signature"}, coversBody: true,
		verifyHow: "HMAC-SHA256 of the raw body with the secret, hex, in X-Dexatel-Signature", dedupBy: "the SHA-256 of the raw body (Dexatel sends no event id)"},
	"dexra": {name: "dexra", signatureHeaders: []string{"X-Dexra-Signature"}, coversBody: true,
		verifyHow: "HMAC-SHA256 of the raw body with the secret, hex, in X-Dexra-Signature", dedupBy: "the event_id"},
	"standard": {name: "standard", signatureHeaders: []string{"Webhook-Signature"}, idHeader: "Webhook-Id", timestamped: true, coversBody: true,
		verifyHow: "base64 HMAC-SHA256 of \"<webhook-id>.<webhook-timestamp>.<raw body>\" keyed with the base64-decoded part of the whsec_ secret, sent as \"v1,<sig>\" (or use a Standard Webhooks library)", dedupBy: "the webhook-id header"},
	"svix": {name: "svix", signatureHeaders: []string{"Svix-Signature"}, idHeader: "Svix-Id", timestamped: true, coversBody: true,
		verifyHow: "base64 HMAC-SHA256 of \"<svix-id>.<svix-timestamp>.<raw body>\" keyed with the base64-decoded part of the whsec_ secret, sent as \"v1,<sig>\" (or use the svix library)", dedupBy: "the svix-id header"},
	"stripe": {name: "stripe", signatureHeaders: []string{"Stripe-Signature"}, timestamped: true, coversBody: true,
		verifyHow: "hex HMAC-SHA256 of \"<t>.<raw body>\" keyed with the whole whsec_ string, the v1= of Stripe-Signature (stripe-go: webhook.ConstructEvent)", dedupBy: "the event's id field"},
	"github": {name: "github", signatureHeaders: []string{"X-Hub-Signature-256", "X-Hub-Signature"}, idHeader: "X-GitHub-Delivery", coversBody: true,
		verifyHow: "\"sha256=\" + hex HMAC-SHA256 of the raw body, in X-Hub-Signature-256", dedupBy: "the X-GitHub-Delivery header"},
	"slack": {name: "slack", signatureHeaders: []string{"X-Slack-Signature"}, timestamped: true, coversBody: true,
		verifyHow: "\"v0=\" + hex HMAC-SHA256 of \"v0:<X-Slack-Request-Timestamp>:<raw body>\"", dedupBy: "the event_id field"},
	"shopify": {name: "shopify", signatureHeaders: []string{"X-Shopify-Hmac-Sha256"}, idHeader: "X-Shopify-Webhook-Id", coversBody: true,
		verifyHow: "base64 HMAC-SHA256 of the raw body, in X-Shopify-Hmac-Sha256", dedupBy: "the X-Shopify-Webhook-Id header"},
	"twilio": {name: "twilio", signatureHeaders: []string{"X-Twilio-Signature"}, idHeader: "I-Twilio-Idempotency-Token", coversBody: true, twilioURL: true,
		verifyHow: "Twilio's RequestValidator over the full URL (with bodySHA256) and the SHA-256 of the raw body", dedupBy: "the I-Twilio-Idempotency-Token header"},
	"telegram": {name: "telegram", signatureHeaders: []string{"X-Telegram-Bot-Api-Secret-Token"},
		verifyHow: "compare X-Telegram-Bot-Api-Secret-Token with the secret_token you set, in constant time", dedupBy: "the update_id field"},
}

// CheckSchemes lists the scheme names check can probe.
func CheckSchemes() []string {
	var names []string
	for _, n := range sig.Names() {
		if _, ok := checkSchemes[n]; ok {
			names = append(names, n)
		}
	}
	return names
}

func lookupCheckScheme(name string) (checkScheme, error) {
	s, ok := checkSchemes[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return checkScheme{}, fmt.Errorf("%w: %q (check knows: %s)", ErrCheckScheme, name, strings.Join(CheckSchemes(), ", "))
	}
	return s, nil
}

// ErrCheckScheme: the scheme is not one check can sign probes with; nothing was sent.
var ErrCheckScheme = fmt.Errorf("unknown scheme for check")

// probeRequest is one request as a platform would send it.
type probeRequest struct {
	url    string
	header http.Header
	body   []byte
}

// signed is body signed with secret at signedAt, addressed to target; id is the
// delivery id reused by a redelivery (generated when empty).
func (s checkScheme) signed(target, secret string, body []byte, id string, signedAt time.Time) (probeRequest, error) {
	if id == "" {
		id = "msg_" + checkRandomHex(12)
	}
	url := target
	if s.twilioURL {
		// Twilio signs a JSON body through a bodySHA256 parameter of the URL it posts to.
		url = sig.TwilioBodyURL(target, body)
	}
	scheme, ok := sig.Lookup(s.name)
	if !ok {
		return probeRequest{}, fmt.Errorf("%w: %q", ErrCheckScheme, s.name)
	}
	h, err := scheme.Sign(sig.SignInput{Secret: secret, Body: body, Method: http.MethodPost, URL: url,
		ContentType: "application/json", ID: id, Timestamp: signedAt})
	if err != nil {
		return probeRequest{}, fmt.Errorf("signing a probe with %s: %w", s.name, err)
	}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "dexra-tui-check")
	if s.idHeader != "" && h.Get(s.idHeader) == "" {
		h.Set(s.idHeader, id)
	}
	return probeRequest{url: url, header: h, body: body}, nil
}

// withoutSignature removes the signature headers, keeping the rest (id, timestamp).
func (s checkScheme) withoutSignature(d probeRequest) probeRequest {
	d.header = d.header.Clone()
	for _, name := range s.signatureHeaders {
		d.header.Del(name)
	}
	return d
}

// malformedSignatureValue has none of the separators or prefixes any scheme expects, so naive
// parsers that index into split results or assume a prefix hit their edge case.
const malformedSignatureValue = "malformed"

func (s checkScheme) withMalformedSignature(d probeRequest) probeRequest {
	d.header = d.header.Clone()
	for _, name := range s.signatureHeaders {
		d.header.Set(name, malformedSignatureValue)
	}
	return d
}

// otherSecret is a random secret of the same form as secret (whsec_ base64 stays so;
// a telegram token keeps to the characters Telegram allows).
func (s checkScheme) otherSecret(secret string) string {
	b := make([]byte, 24)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	if strings.HasPrefix(secret, "whsec_") && s.coversBody {
		return "whsec_" + base64.StdEncoding.EncodeToString(b)
	}
	return hex.EncodeToString(b)
}

func checkRandomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return hex.EncodeToString(b)
}
