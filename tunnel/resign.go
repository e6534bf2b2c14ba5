package tunnel

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
)

// Timestamped reports whether scheme signs a timestamp that receivers check against
// a tolerance, so a captured signature goes stale.
func Timestamped(scheme string) bool {
	switch strings.ToLower(scheme) {
	case "standard", "svix", "stripe", "slack":
		return true
	}
	return false
}

// eventScheme is the scheme ev was judged by, or the one its headers carry.
// EventScheme is the signature scheme an event was signed with (verified or not), by
// its verdict or its headers; "" when it carries none, so a replay cannot re-sign it.
func EventScheme(ev *payloads.Event) string { return eventScheme(ev) }

func eventScheme(ev *payloads.Event) string {
	if ev.Signature.Scheme != "" {
		return ev.Signature.Scheme
	}
	if s, ok := sig.Detect(ev.Headers); ok {
		return s.Name()
	}
	return ""
}

// SignedAt is the timestamp a timestamped scheme's headers carry (Stripe's t=, Slack's
// X-Slack-Request-Timestamp, webhook-timestamp / svix-timestamp); false when there
// is none or it is not a Unix time in seconds.
func SignedAt(scheme string, h http.Header) (time.Time, bool) {
	var raw string
	switch strings.ToLower(scheme) {
	case "standard":
		raw = h.Get("Webhook-Timestamp")
	case "svix":
		if raw = h.Get("Svix-Timestamp"); raw == "" {
			raw = h.Get("Webhook-Timestamp")
		}
	case "slack":
		raw = h.Get("X-Slack-Request-Timestamp")
	case "stripe":
		for _, item := range strings.Split(h.Get("Stripe-Signature"), ",") {
			if k, v, ok := strings.Cut(strings.TrimSpace(item), "="); ok && k == "t" {
				raw = v // the last t wins, as stripe-go reads it
			}
		}
	default:
		return time.Time{}, false
	}
	secs, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
	if err != nil || secs < 0 || secs > 1<<40 {
		return time.Time{}, false
	}
	return time.Unix(secs, 0), true
}

// staleWarning is non-empty when a captured replay of ev at now carries a signed
// timestamp older (or newer) than tol, which the receiver will reject.
func staleWarning(ev *payloads.Event, now time.Time, tol time.Duration) string {
	scheme := eventScheme(ev)
	if !Timestamped(scheme) {
		return ""
	}
	signed, ok := SignedAt(scheme, ev.Headers)
	if !ok {
		return ""
	}
	age := now.Sub(signed)
	if age < 0 {
		age = -age
	}
	if age <= tol {
		return ""
	}
	return fmt.Sprintf("stale: its %s signature is %s old, beyond the %s tolerance; the app will reject it (replay with --mode resign)",
		scheme, age.Round(time.Second), tol)
}

// signer re-signs requests the way the event's scheme does.
type signer struct {
	scheme string
	secret string
	hmac   sig.HMACConfig
	now    time.Time
}

// errNoScheme: the event has no signature scheme to re-sign with.
var errNoScheme = errors.New("the event carries no signature scheme to re-sign with")

// sign replaces the scheme's signature headers in h with a fresh signature of body
// sent to target. Standard Webhooks and Svix keep the event's message id (receivers
// dedup on it) and the header brand it came with; Twilio signs target itself.
func (s signer) sign(h http.Header, method, target string, body []byte) error {
	scheme, ok := sig.Lookup(s.scheme)
	if !ok {
		return fmt.Errorf("re-signing: unknown scheme %q", s.scheme)
	}
	if s.secret == "" {
		return fmt.Errorf("re-signing with %s: no secret configured (pass --secret)", s.scheme)
	}
	in := sig.SignInput{
		Secret: s.secret, Body: body, Method: method, URL: target,
		ContentType: h.Get("Content-Type"), Timestamp: s.now, HMAC: s.hmac,
	}
	webhookBrand := false
	switch s.scheme {
	case "standard":
		in.ID = h.Get("Webhook-Id")
	case "svix":
		if in.ID = h.Get("Svix-Id"); in.ID == "" {
			in.ID = h.Get("Webhook-Id")
			webhookBrand = in.ID != "" || h.Get("Webhook-Signature") != ""
		}
	}
	signed, err := scheme.Sign(in)
	if err != nil {
		return fmt.Errorf("re-signing: %w", err)
	}
	for name, values := range signed {
		if webhookBrand {
			name = http.CanonicalHeaderKey(strings.Replace(strings.ToLower(name), "svix-", "webhook-", 1))
		}
		h.Del(name)
		h[http.CanonicalHeaderKey(name)] = values
	}
	return nil
}

// withBodyHash returns query with Twilio's bodySHA256 parameter recomputed for body,
// when it has one (an edited JSON body changes its hash, which the URL carries).
func withBodyHash(query string, body []byte) string {
	if !strings.Contains(query, "bodySHA256=") {
		return query
	}
	var kept []string
	for _, part := range strings.Split(query, "&") {
		if name, _, _ := strings.Cut(part, "="); name == "bodySHA256" {
			continue
		}
		kept = append(kept, part)
	}
	rebuilt := sig.TwilioBodyURL("x?"+strings.Join(kept, "&"), body)
	_, q, _ := strings.Cut(rebuilt, "?")
	return q
}
