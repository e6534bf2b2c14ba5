package sig

import (
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Stripe sends Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...][,v0=<hex>], where v1 is
// the hex HMAC-SHA256 of "<t>.<body>" keyed with the whole whsec_ secret string. Only
// v1 counts; several v1 entries appear while a secret is being rolled.
// https://docs.stripe.com/webhooks#verify-manually
type stripeScheme struct{}

const stripeHeader = "Stripe-Signature"

func (stripeScheme) Name() string { return "stripe" }

func (stripeScheme) Detect(h http.Header) bool { return hasHeader(h, stripeHeader) }

func (stripeScheme) Sign(in SignInput) (http.Header, error) {
	if in.Secret == "" {
		return nil, errNoSigningSecret("stripe")
	}
	ts := strconv.FormatInt(orNow(in.Timestamp).Unix(), 10)
	h := http.Header{}
	h.Set(stripeHeader, stripeValue(ts, stripeMAC(in.Secret, ts, in.Body)))
	return h, nil
}

func (stripeScheme) Verify(req Request, opts Options) Verdict {
	value, ok := headerValue(req.Header, stripeHeader)
	if !ok {
		return missing("stripe", stripeHeader)
	}
	sh, what := parseStripeHeader(value)
	if what != "" {
		return malformed("stripe", stripeHeader, what)
	}
	ts := strconv.FormatInt(sh.signedAt.Unix(), 10)
	return attempt{
		scheme:   "stripe",
		received: value,
		sigs:     sh.v1,
		macs:     func(secret string) [][]byte { return [][]byte{stripeMAC(secret, ts, req.Body)} },
		expected: func(mac []byte) string { return stripeValue(ts, mac) },
		signedAt: sh.signedAt,
	}.verify(opts)
}

func stripeMAC(secret, ts string, body []byte) []byte {
	return algSHA256.mac([]byte(secret), []byte(ts), []byte{'.'}, body)
}

func stripeValue(ts string, mac []byte) string {
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac)
}

type stripeSignature struct {
	signedAt time.Time
	v1       [][]byte
}

// parseStripeHeader reads a Stripe-Signature value the way stripe-go does: pairs
// separated by commas, the last t wins, unknown keys and undecodable v1 values are
// skipped. what says what is wrong when the value cannot be checked.
func parseStripeHeader(value string) (sh stripeSignature, what string) {
	if value == "" {
		return sh, "empty value"
	}
	tsRaw, sawT, sawV1 := "", false, false
	for _, item := range strings.Split(value, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		key, val, ok := strings.Cut(item, "=")
		if !ok {
			return stripeSignature{}, "item without '=' (want t=...,v1=...)"
		}
		switch key {
		case "t":
			tsRaw, sawT = val, true
		case "v1":
			sawV1 = true
			if mac, _, ok := decodeMAC(val, algSHA256.size, acceptHex); ok {
				sh.v1 = append(sh.v1, mac)
			}
		}
	}
	if !sawT {
		return stripeSignature{}, "no timestamp t="
	}
	signedAt, what := parseUnix(tsRaw)
	if what != "" {
		return stripeSignature{}, what
	}
	sh.signedAt = signedAt
	if len(sh.v1) == 0 {
		if sawV1 {
			return stripeSignature{}, "v1 is not hex of a 32-byte HMAC-SHA256"
		}
		return stripeSignature{}, "no v1= signature (v0 is not accepted)"
	}
	return sh, ""
}
