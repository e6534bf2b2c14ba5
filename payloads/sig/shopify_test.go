package sig

import "testing"

// Shopify's own library test: shopify-api-js,
// packages/shopify-api/lib/webhooks/__tests__/validate.test.ts ("returns true for valid
// request"): body {"foo": "bar"}, apiSecretKey 'test_secret_key' (the test config in
// packages/shopify-api/lib/__tests__/test-helper), hmac B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=.
const (
	shopifySecret = "test_secret_key"
	shopifyBody   = `{"foo": "bar"}`
	shopifyHMAC   = "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g="
)

func TestShopifyLibraryVector(t *testing.T) {
	req := Request{Header: hdr("X-Shopify-Hmac-Sha256", shopifyHMAC), Body: []byte(shopifyBody)}
	wantPass(t, Check("shopify", req, at(t0, shopifySecret)), "shopify", 0)
	wantPass(t, Check(Auto, req, at(t0, shopifySecret)), "shopify", 0)

	h, err := shopifyScheme.Sign(SignInput{Secret: shopifySecret, Body: []byte(shopifyBody)})
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Get("X-Shopify-Hmac-Sha256"); got != shopifyHMAC {
		t.Fatalf("signed %q, want %q", got, shopifyHMAC)
	}
}

func TestShopifyIsBase64Only(t *testing.T) {
	mac := algSHA256.mac([]byte(shopifySecret), []byte(shopifyBody))
	hexReq := Request{Header: hdr("X-Shopify-Hmac-Sha256", encHex.encode(mac)), Body: []byte(shopifyBody)}
	wantMalformed(t, Check("shopify", hexReq, at(t0, shopifySecret)), "shopify", "X-Shopify-Hmac-Sha256")
}
