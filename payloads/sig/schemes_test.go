package sig

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// Rules every scheme follows, checked for each one so none can drift.

var genericCfg = HMACConfig{Header: "X-Signature", Algorithm: "sha512", Encoding: "base64", Prefix: "sha512="}

// signatureHeader names, per scheme, the header Verify reports missing first and whose
// value a mismatch verdict shows.
var signatureHeader = map[string]string{
	"dexatel":  "X-Dexatel-Signature",
	"dexra":    "X-Dexra-Signature",
	"standard": "webhook-signature",
	"svix":     "svix-signature",
	"stripe":   "Stripe-Signature",
	"github":   "X-Hub-Signature-256",
	"slack":    "X-Slack-Signature",
	"shopify":  "X-Shopify-Hmac-Sha256",
	"twilio":   "X-Twilio-Signature",
	"telegram": "X-Telegram-Bot-Api-Secret-Token",
	"hmac":     "X-Signature",
}

var timestamped = []string{"standard", "svix", "stripe", "slack"}

const (
	formBody   = "From=%2B15551234567&Body=hello+world&To=%2B15557654321"
	hookURL    = "https://example.com/hooks/in?src=test"
	goodSecret = "s3cret_A"
)

func signInput(secret string) SignInput {
	return SignInput{Secret: secret, Body: []byte(formBody), Method: http.MethodPost, URL: hookURL,
		ID: "msg_1", Timestamp: t0, HMAC: genericCfg}
}

// signed is a request as the provider would send it, signed with goodSecret.
func signed(t *testing.T, name string) Request {
	t.Helper()
	s, ok := Lookup(name)
	if !ok {
		t.Fatalf("scheme %s not registered", name)
	}
	h, err := s.Sign(signInput(goodSecret))
	if err != nil {
		t.Fatalf("%s: sign: %v", name, err)
	}
	return Request{Method: http.MethodPost, URL: hookURL, Header: h, Body: []byte(formBody)}
}

func optsFor(secrets ...string) Options {
	return Options{Secrets: secrets, Now: t0, HMAC: genericCfg}
}

func TestNamesCoverTheDesign(t *testing.T) {
	want := []string{"dexatel", "dexra", "standard", "svix", "stripe", "github", "slack", "shopify", "twilio", "telegram", "hmac"}
	if got := Names(); !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	for _, name := range want {
		if _, ok := signatureHeader[name]; !ok {
			t.Fatalf("test table lacks %s", name)
		}
	}
}

func TestEverySchemeRoundTrips(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			req := signed(t, name)
			wantPass(t, Check(name, req, optsFor(goodSecret)), name, 0)
			s, _ := Lookup(name)
			wantPass(t, s.Verify(req, optsFor(goodSecret)), name, 0)
			// auto finds the scheme from the headers alone (hmac through Options.HMAC).
			wantPass(t, Check(Auto, req, optsFor(goodSecret)), name, 0)
		})
	}
}

func TestEverySchemeTriesEverySecret(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			req := signed(t, name)
			wantPass(t, Check(name, req, optsFor("retired-secret", goodSecret)), name, 1)
			wantPass(t, Check(name, req, optsFor("", goodSecret)), name, 1)
			wantPass(t, Check(name, req, optsFor(goodSecret, "next-secret")), name, 0)
		})
	}
}

func TestEverySchemeRejectsAWrongSecret(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			req := signed(t, name)
			v := Check(name, req, optsFor("wrong-secret", "also-wrong"))
			wantMismatch(t, v, name)
			if name == "telegram" {
				return // its header is the secret: neither side may be shown (telegram_test.go)
			}
			if got := req.Header.Get(signatureHeader[name]); v.Received != got {
				t.Fatalf("received = %q, want the header as sent %q", v.Received, got)
			}
			// Expected is what the first secret would have sent in that header.
			s, _ := Lookup(name)
			other, err := s.Sign(signInput("wrong-secret"))
			if err != nil {
				t.Fatal(err)
			}
			if want := other.Get(signatureHeader[name]); v.Expected != want {
				t.Fatalf("expected = %q, want %q", v.Expected, want)
			}
		})
	}
}

func TestEverySchemeExceptTelegramCoversTheBody(t *testing.T) {
	for _, name := range Names() {
		if name == "telegram" {
			continue // Telegram's token does not depend on the body
		}
		t.Run(name, func(t *testing.T) {
			req := signed(t, name)
			req.Body = []byte(formBody + "&Extra=1")
			wantMismatch(t, Check(name, req, optsFor(goodSecret)), name)
		})
	}
}

func TestEverySchemeNamesTheMissingHeader(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			req := Request{Method: http.MethodPost, URL: hookURL, Header: http.Header{}, Body: []byte(formBody)}
			for _, secrets := range [][]string{{goodSecret}, nil} { // missing wins over no secret
				v := Check(name, req, optsFor(secrets...))
				want := Verdict{Scheme: name, Status: Missing, Reason: "header " + signatureHeader[name] + " missing", SecretIndex: -1}
				if v != want {
					t.Fatalf("secrets %v: got %+v, want %+v", secrets, v, want)
				}
			}
		})
	}
}

func TestEverySchemeWithoutSecretIsUnchecked(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			req := signed(t, name)
			for _, secrets := range [][]string{nil, {}, {""}} {
				want := Verdict{Scheme: name, Status: Unchecked, Reason: "no secret configured", SecretIndex: -1}
				if v := Check(name, req, optsFor(secrets...)); v != want {
					t.Fatalf("secrets %q: got %+v, want %+v", secrets, v, want)
				}
			}
		})
	}
}

func TestEverySchemeRefusesToSignWithoutSecret(t *testing.T) {
	for _, name := range Names() {
		s, _ := Lookup(name)
		if _, err := s.Sign(signInput("")); err == nil {
			t.Errorf("%s: signed with an empty secret", name)
		}
	}
}

func TestEverySchemeSurvivesEmptyRequests(t *testing.T) {
	for _, name := range Names() {
		s, _ := Lookup(name)
		for _, req := range []Request{{}, {Header: http.Header{}}, {Header: hdr(signatureHeader[name], "")}} {
			v := s.Verify(req, optsFor(goodSecret))
			if v.Status == Pass || v.SecretIndex != -1 || v.Reason == "" {
				t.Errorf("%s: %+v gave %+v", name, req, v)
			}
		}
	}
}

func TestTimestampedSchemesEnforceToleranceBothWays(t *testing.T) {
	for _, name := range timestamped {
		t.Run(name, func(t *testing.T) {
			req := signed(t, name)
			check := func(now time.Time, tol time.Duration) Verdict {
				return Check(name, req, Options{Secrets: []string{"retired", goodSecret}, Now: now, Tolerance: tol})
			}
			wantPass(t, check(t0.Add(DefaultTolerance), 0), name, 1)
			wantPass(t, check(t0.Add(-DefaultTolerance), 0), name, 1)

			stale := check(t0.Add(DefaultTolerance+95*time.Second), 0)
			wantFail(t, stale, name, "timestamp outside tolerance by 95s (in the past)")
			if stale.SecretIndex != 1 {
				t.Fatalf("a stale but genuine signature keeps its secret index: %+v", stale)
			}
			wantFail(t, check(t0.Add(-DefaultTolerance-95*time.Second), 0), name, "timestamp outside tolerance by 95s (in the future)")
			wantFail(t, check(t0.Add(DefaultTolerance+time.Nanosecond), 0), name, "timestamp outside tolerance by 1s (in the past)")
			wantFail(t, check(t0.Add(11*time.Second), 10*time.Second), name, "timestamp outside tolerance by 1s (in the past)")
			wantPass(t, check(t0.Add(10*time.Second), 10*time.Second), name, 1)

			// The signature is judged first: a wrong secret on a stale request is a mismatch.
			v := Check(name, req, Options{Secrets: []string{"wrong"}, Now: t0.Add(time.Hour)})
			wantMismatch(t, v, name)
		})
	}
}

func TestTimestampedSchemesSignNowByDefault(t *testing.T) {
	for _, name := range timestamped {
		s, _ := Lookup(name)
		in := signInput(goodSecret)
		in.Timestamp = time.Time{}
		h, err := s.Sign(in)
		if err != nil {
			t.Fatal(err)
		}
		req := Request{Header: h, Body: in.Body}
		// Verified against the real clock: a zero Options.Now means time.Now().
		wantPass(t, s.Verify(req, Options{Secrets: []string{goodSecret}}), name, 0)
		if v := s.Verify(req, Options{Secrets: []string{goodSecret}, Now: t0}); v.Status != Fail ||
			!strings.HasPrefix(v.Reason, "timestamp outside tolerance by ") || !strings.HasSuffix(v.Reason, "s (in the future)") {
			t.Fatalf("%s: signed now, checked at t0: %+v", name, v)
		}
	}
}
