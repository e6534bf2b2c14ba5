package sig

import (
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

// Stripe publishes no fixed signature vector: its libraries' tests sign on the fly
// (stripe/stripe-go webhook/client_test.go). The cases below follow those tests, and the
// one fixed value was computed independently with Python's hmac module:
// hmac.new(b"whsec_test_secret", b"1700000000." + payload, hashlib.sha256).hexdigest().
const (
	stripeSecret  = "whsec_test_secret" // stripe-go's testSecret
	stripePayload = "{\n  \"id\": \"evt_test_webhook\",\n  \"object\": \"event\"\n}"
	stripeV1      = "4f1cd7feda9826e746b7d482c4badebb657398df1099e1046364f6196a230150"
)

func stripeReq(value string) Request {
	return Request{Header: hdr("Stripe-Signature", value), Body: []byte(stripePayload)}
}

func TestStripeKnownAnswer(t *testing.T) {
	h, err := stripeScheme{}.Sign(SignInput{Secret: stripeSecret, Timestamp: t0, Body: []byte(stripePayload)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := h.Get("Stripe-Signature"), "t=1700000000,v1="+stripeV1; got != want {
		t.Fatalf("signed %q, want %q", got, want)
	}
	wantPass(t, Check("stripe", stripeReq("t=1700000000,v1="+stripeV1), at(t0, stripeSecret)), "stripe", 0)
	// Stripe's test-mode header shape: a v0 entry after v1 is ignored.
	wantPass(t, Check("stripe", stripeReq("t=1700000000,v1="+stripeV1+",v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39"), at(t0, stripeSecret)), "stripe", 0)
}

func TestStripeLibraryCases(t *testing.T) {
	good := "t=1700000000,v1=" + stripeV1
	// "an unreadable signature in the header (should be ignored)".
	wantPass(t, Check("stripe", stripeReq(good+",v1=bad_signature"), at(t0, stripeSecret)), "stripe", 0)
	// "bad header format": "v1,t=1" and "t=".
	wantMalformed(t, Check("stripe", stripeReq("v1,t=1"), at(t0, stripeSecret)), "stripe", "Stripe-Signature")
	wantMalformed(t, Check("stripe", stripeReq("t="), at(t0, stripeSecret)), "stripe", "Stripe-Signature")
	// "mismatched schema": a v0-only header does not verify.
	wantMalformed(t, Check("stripe", stripeReq("t=1700000000,v0="+stripeV1), at(t0, stripeSecret)), "stripe", "Stripe-Signature")
	// "fake signature": hex of the bytes "deadbeef" is no SHA-256 MAC.
	wantMalformed(t, Check("stripe", stripeReq("t=1700000000,v1="+hex.EncodeToString([]byte("deadbeef"))), at(t0, stripeSecret)), "stripe", "Stripe-Signature")

	// "rolled key": the header carries one v1 per secret; either secret verifies.
	rolled := stripeMAC(stripeSecret+"_rolled_key", "1700000000", []byte(stripePayload))
	header := good + ",v1=" + hex.EncodeToString(rolled)
	wantPass(t, Check("stripe", stripeReq(header), at(t0, stripeSecret)), "stripe", 0)
	wantPass(t, Check("stripe", stripeReq(header), at(t0, "whsec_other", stripeSecret+"_rolled_key")), "stripe", 1)

	// "timestamp outside of allowed timing window": 15 s old with a 10 s tolerance.
	v := Check("stripe", stripeReq(good), Options{Secrets: []string{stripeSecret}, Now: t0.Add(15 * time.Second), Tolerance: 10 * time.Second})
	wantFail(t, v, "stripe", "timestamp outside tolerance by 5s (in the past)")
}

func TestStripeMismatchShowsTheWholeHeader(t *testing.T) {
	v := Check("stripe", stripeReq("t=1700000000,v1="+strings.Repeat("0", 64)), at(t0, stripeSecret))
	wantMismatch(t, v, "stripe")
	if v.Expected != "t=1700000000,v1="+stripeV1 {
		t.Fatalf("expected %q", v.Expected)
	}
}

func TestParseStripeHeader(t *testing.T) {
	sh, what := parseStripeHeader(" t=1700000000 , v1=" + strings.ToUpper(stripeV1) + ",,v1=" + stripeV1 + ",x=y")
	if what != "" || !sh.signedAt.Equal(t0) || len(sh.v1) != 2 {
		t.Fatalf("got %+v %q", sh, what)
	}
	for value, want := range map[string]string{
		"":                               "empty value",
		"v1=" + stripeV1:                 "no timestamp t=",
		"t=abc,v1=" + stripeV1:           "timestamp is not an integer number of seconds",
		"t=1700000000":                   "no v1= signature (v0 is not accepted)",
		"t=1700000000,v1=zz":             "v1 is not hex of a 32-byte HMAC-SHA256",
		"t=1700000000,garbage":           "item without '=' (want t=...,v1=...)",
		"t=-1,v1=" + stripeV1:            "timestamp out of range",
		"t=1700000000,t=,v1=" + stripeV1: "empty timestamp",
	} {
		if _, got := parseStripeHeader(value); got != want {
			t.Errorf("parseStripeHeader(%q) = %q, want %q", value, got, want)
		}
	}
}
