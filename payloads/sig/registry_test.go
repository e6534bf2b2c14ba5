package sig

import (
	"net/http"
	"strings"
	"testing"
)

func TestAutoWithoutSignatureHeader(t *testing.T) {
	want := Verdict{Scheme: "", Status: Missing, Reason: "no signature header found", SecretIndex: -1}
	for _, h := range []http.Header{nil, {}, hdr("Content-Type", "application/json", "X-Signature", "abc")} {
		if v := Check(Auto, Request{Header: h, Body: []byte("{}")}, at(t0, "k")); v != want {
			t.Fatalf("headers %v: got %+v", h, v)
		}
	}
	if v := Check("", Request{}, at(t0)); v != want {
		t.Fatalf(`Check("") is auto: got %+v`, v)
	}
}

func TestUnknownScheme(t *testing.T) {
	v := Check("x", Request{Header: hdr("X-Dexatel-Signature", "00")}, at(t0, "k"))
	want := Verdict{Status: Unchecked, Reason: `unknown scheme "x"`, SecretIndex: -1}
	if v != want {
		t.Fatalf("got %+v, want %+v", v, want)
	}
}

// TestAutoDetectionOrder strips signature headers one at a time, most specific first,
// and checks auto moves down the documented order.
func TestAutoDetectionOrder(t *testing.T) {
	order := []struct{ scheme, header string }{
		{"stripe", "Stripe-Signature"},
		{"standard", "webhook-signature"},
		{"svix", "svix-signature"},
		{"slack", "X-Slack-Signature"},
		{"shopify", "X-Shopify-Hmac-Sha256"},
		{"twilio", "X-Twilio-Signature"},
		{"telegram", "X-Telegram-Bot-Api-Secret-Token"},
		{"github", "X-Hub-Signature-256"},
		{"github", "X-Hub-Signature"},
		{"dexatel", "X-Dexatel-Signature"},
		{"dexra", "X-Dexra-Signature"},
	}
	h := http.Header{}
	for _, o := range order {
		h.Set(o.header, "x")
	}
	for _, o := range order {
		s, ok := Detect(h)
		if !ok || s.Name() != o.scheme {
			t.Fatalf("with %s still present, detected %v", o.header, s)
		}
		if v := Check(Auto, Request{Header: h}, at(t0, "k")); v.Scheme != o.scheme {
			t.Fatalf("auto judged %s, want %s", v.Scheme, o.scheme)
		}
		h.Del(o.header)
	}
	if s, ok := Detect(h); ok {
		t.Fatalf("nothing left, detected %s", s.Name())
	}
}

func TestAutoPrefersNamedSchemesOverConfiguredHMAC(t *testing.T) {
	req := Request{Header: hdr("X-Signature", "00", "X-Dexatel-Signature", "00"), Body: []byte("{}")}
	opts := Options{Secrets: []string{"k"}, HMAC: HMACConfig{Header: "X-Signature"}}
	if v := Check(Auto, req, opts); v.Scheme != "dexatel" {
		t.Fatalf("got %+v", v)
	}
	// The hmac scheme cannot recognise its header without configuration.
	if s, _ := Lookup("hmac"); s.Detect(req.Header) {
		t.Fatal("hmac detected without knowing its header")
	}
}

func TestLookupAndValid(t *testing.T) {
	for _, name := range append(Names(), "auto", "AUTO", " Stripe ") {
		if !Valid(name) || ParseScheme(name) != nil {
			t.Errorf("%q should be valid", name)
		}
	}
	if s, ok := Lookup(" GitHub"); !ok || s.Name() != "github" {
		t.Errorf("Lookup is case-insensitive")
	}
	if _, ok := Lookup("auto"); ok {
		t.Errorf("auto is not a scheme")
	}
	for _, name := range []string{"x", "stripe2", "meta", "hmac-sha256"} {
		err := ParseScheme(name)
		if Valid(name) || err == nil || !strings.Contains(err.Error(), "known: auto, dexatel,") {
			t.Errorf("%q: Valid=%v err=%v", name, Valid(name), err)
		}
	}
}

func TestGitHubCoversMetaCloudAPI(t *testing.T) {
	// Meta's WhatsApp Cloud API sends only X-Hub-Signature-256, keyed with the app secret.
	h, _ := githubScheme.Sign(SignInput{Secret: "app-secret", Body: []byte(`{"object":"whatsapp_business_account"}`)})
	req := Request{Header: hdr("X-Hub-Signature-256", h.Get("X-Hub-Signature-256")), Body: []byte(`{"object":"whatsapp_business_account"}`)}
	wantPass(t, Check(Auto, req, at(t0, "app-secret")), "github", 0)
}
