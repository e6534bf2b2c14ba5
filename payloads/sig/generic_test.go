package sig

import (
	"strings"
	"testing"
)

// The hmac scheme is the same mechanism as the named body-HMAC schemes, so configured
// like them it must accept their providers' vectors.
func TestGenericHMACReproducesNamedSchemes(t *testing.T) {
	github := Options{Secrets: []string{githubDocSecret}, HMAC: HMACConfig{Header: "X-Hub-Signature-256", Prefix: "sha256="}}
	req := Request{Header: hdr("X-Hub-Signature-256", githubDocSignature), Body: []byte(githubDocPayload)}
	wantPass(t, Check("hmac", req, github), "hmac", 0)

	shopify := Options{Secrets: []string{shopifySecret}, HMAC: HMACConfig{Header: "X-Shopify-Hmac-Sha256", Algorithm: "SHA-256", Encoding: "base64"}}
	req = Request{Header: hdr("X-Shopify-Hmac-Sha256", shopifyHMAC), Body: []byte(shopifyBody)}
	wantPass(t, Check("hmac", req, shopify), "hmac", 0)
}

func TestGenericHMACAlgorithmsAndEncodings(t *testing.T) {
	body := []byte(`{"event":"x"}`)
	for _, cfg := range []HMACConfig{
		{Header: "X-Signature"},
		{Header: "X-Signature", Algorithm: "sha1", Encoding: "hex", Prefix: "sha1="},
		{Header: "X-Sig", Algorithm: "sha512", Encoding: "base64"},
		{Header: "X-Sig", Algorithm: "SHA512", Encoding: "BASE64", Prefix: "v1="},
	} {
		h, err := genericHMAC{}.Sign(SignInput{Secret: "k", Body: body, HMAC: cfg})
		if err != nil {
			t.Fatal(err)
		}
		value := h.Get(cfg.Header)
		m := mustScheme(t, cfg).macs[0]
		if _, enc, ok := decodeMAC(strings.TrimPrefix(value, cfg.Prefix), m.alg.size, m.accept); !strings.HasPrefix(value, cfg.Prefix) || !ok || enc != m.emit {
			t.Fatalf("%+v signed %q", cfg, value)
		}
		opts := Options{Secrets: []string{"k"}, HMAC: cfg}
		wantPass(t, Check("hmac", Request{Header: h, Body: body}, opts), "hmac", 0)
		// auto falls back to the configured header when no named scheme's is present.
		wantPass(t, Check(Auto, Request{Header: h, Body: body}, opts), "hmac", 0)
		wantMismatch(t, Check("hmac", Request{Header: h, Body: append(body, ' ')}, opts), "hmac")
	}
}

func TestGenericHMACConfigErrors(t *testing.T) {
	for cfg, want := range map[HMACConfig]string{
		{}:                                  "hmac scheme needs a header name",
		{Header: "X", Algorithm: "md5"}:     `hmac scheme: unknown algorithm "md5" (sha1, sha256, sha512)`,
		{Header: "X", Encoding: "base32"}:   `hmac scheme: unknown encoding "base32" (hex, base64)`,
		{Header: "  ", Algorithm: "sha256"}: "hmac scheme needs a header name",
	} {
		if err := cfg.Validate(); err == nil || err.Error() != want {
			t.Errorf("%+v: Validate() = %v, want %q", cfg, err, want)
		}
		v := Check("hmac", Request{Header: hdr("X", "00")}, Options{Secrets: []string{"k"}, HMAC: cfg})
		if v != (Verdict{Scheme: "hmac", Status: Unchecked, Reason: want, SecretIndex: -1}) {
			t.Errorf("%+v: verdict %+v", cfg, v)
		}
		if _, err := (genericHMAC{}).Sign(SignInput{Secret: "k", HMAC: cfg}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: Sign error %v", cfg, err)
		}
	}
	if err := (HMACConfig{Header: "X-Sig"}).Validate(); err != nil {
		t.Fatal(err)
	}
}

func mustScheme(t *testing.T, cfg HMACConfig) bodyHMAC {
	t.Helper()
	s, err := cfg.scheme()
	if err != nil {
		t.Fatal(err)
	}
	return s
}
