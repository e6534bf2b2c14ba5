package sig

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

// The Dexatel webhook document (seeds/002, "Signature") defines X-Dexatel-Signature as
// HMAC-SHA256 of the raw body and shows this header on its examples, but not the secret
// that produced it, so it is no test vector: it only shows the format (lowercase hex).
const dexatelDocExample = "9051c49f2eed4cfe8125cba47a275e1460402ad2a4bc94d417fd1e10d9c55339"

const dexatelDocBody = `{
    "data": {
        "account_id": "4ca07d94-7b4d-4434-97aa-9ec34772f111",
        "message_id": "4ca07d94-7b4d-4434-97aa-9ec34772f111",
        "event": "delivery",
        "status": "delivered",
        "timestamp": "2022-03-01 13:00:00"
    }
}`

func TestDexatelDocumentedHeaderIsWellFormed(t *testing.T) {
	v := Check("dexatel", Request{Header: hdr("X-Dexatel-Signature", dexatelDocExample), Body: []byte(dexatelDocBody)}, at(t0, "not-their-secret"))
	wantMismatch(t, v, "dexatel")
	if v.Received != dexatelDocExample || len(v.Expected) != 64 || strings.ToLower(v.Expected) != v.Expected {
		t.Fatalf("want lowercase hex expected beside the received value, got %+v", v)
	}
}

func TestDexatelSignsLowercaseHex(t *testing.T) {
	h, err := dexatelScheme.Sign(SignInput{Secret: "k", Body: []byte(dexatelDocBody)})
	if err != nil {
		t.Fatal(err)
	}
	mac := algSHA256.mac([]byte("k"), []byte(dexatelDocBody))
	if got := h.Get("X-Dexatel-Signature"); got != hex.EncodeToString(mac) {
		t.Fatalf("header %q, want %x", got, mac)
	}
	if len(h) != 1 {
		t.Fatalf("dexatel sends one header, got %v", h)
	}
}

func TestDexatelAcceptsHexAnyCaseAndEveryBase64(t *testing.T) {
	// This body's MAC has '+' and '/' in standard base64, so std and url forms differ.
	body := []byte(`{"data":{"event":"message","text":"sign me in please"}}`)
	mac := algSHA256.mac([]byte("k"), body)
	std := base64.StdEncoding.EncodeToString(mac)
	if !strings.ContainsAny(std, "+/") {
		t.Fatalf("pick a body whose MAC exercises the url alphabet (got %s)", std)
	}
	for _, enc := range []string{
		hex.EncodeToString(mac),
		strings.ToUpper(hex.EncodeToString(mac)),
		std,
		base64.URLEncoding.EncodeToString(mac),
		base64.RawStdEncoding.EncodeToString(mac),
		base64.RawURLEncoding.EncodeToString(mac),
	} {
		wantPass(t, Check("dexatel", Request{Header: hdr("X-Dexatel-Signature", enc), Body: body}, at(t0, "k")), "dexatel", 0)
		// A mismatch shows the expected value the way the sender wrote it.
		v := Check("dexatel", Request{Header: hdr("X-Dexatel-Signature", enc), Body: body}, at(t0, "other"))
		wantMismatch(t, v, "dexatel")
		if len(v.Expected) != len(enc) {
			t.Fatalf("received %q, expected shown as %q", enc, v.Expected)
		}
	}
}

func TestDexatelMalformedHeaders(t *testing.T) {
	for _, value := range []string{
		"",
		"zz",
		dexatelDocExample[:63],
		dexatelDocExample + "00",
		"sha256=" + dexatelDocExample,
		"not base64 at all!!",
		base64.StdEncoding.EncodeToString(make([]byte, 20)), // a SHA-1 sized MAC
	} {
		v := Check("dexatel", Request{Header: hdr("X-Dexatel-Signature", value), Body: []byte("{}")}, at(t0, "k"))
		wantMalformed(t, v, "dexatel", "X-Dexatel-Signature")
	}
}

func TestDexraUsesItsOwnHeader(t *testing.T) {
	h, err := dexraScheme.Sign(SignInput{Secret: "k", Body: []byte("{}")})
	if err != nil {
		t.Fatal(err)
	}
	if h.Get("X-Dexra-Signature") == "" || h.Get("X-Dexatel-Signature") != "" {
		t.Fatalf("dexra headers: %v", h)
	}
	dexatelSigned := hdr("X-Dexatel-Signature", h.Get("X-Dexra-Signature"))
	v := Check("dexra", Request{Header: dexatelSigned, Body: []byte("{}")}, at(t0, "k"))
	if v.Status != Missing || v.Reason != "header X-Dexra-Signature missing" {
		t.Fatalf("dexra must not read Dexatel's header: %+v", v)
	}
	// Same algorithm: Dexatel's verifier accepts the same value under its own header.
	wantPass(t, Check("dexatel", Request{Header: dexatelSigned, Body: []byte("{}")}, at(t0, "k")), "dexatel", 0)
}
