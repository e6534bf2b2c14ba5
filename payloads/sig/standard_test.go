package sig

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// The Standard Webhooks reference library's signing test (standard-webhooks/standard-webhooks,
// libraries/go/webhook_test.go, TestWebhookSign), the same vector as Svix's
// (svix/svix-webhooks, go/webhook_test.go, TestWebhookSign).
const (
	stdSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	stdMsgID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	stdTimestamp = 1614265330
	stdPayload   = `{"test": 2432232314}`
	stdSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	// A well-formed signature of something else, from the same tests ("invalid signature is invalid").
	stdOtherSignature = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="
)

var stdSignedAt = time.Unix(stdTimestamp, 0)

func stdRequest(prefix, signature string) Request {
	return Request{Body: []byte(stdPayload), Header: hdr(
		prefix+"-id", stdMsgID,
		prefix+"-timestamp", "1614265330",
		prefix+"-signature", signature,
	)}
}

func TestStandardLibraryVector(t *testing.T) {
	for _, sc := range []struct {
		scheme stdScheme
		prefix string
	}{{standardScheme, "webhook"}, {svixScheme, "svix"}} {
		h, err := sc.scheme.Sign(SignInput{Secret: stdSecret, ID: stdMsgID, Timestamp: stdSignedAt, Body: []byte(stdPayload)})
		if err != nil {
			t.Fatal(err)
		}
		want := hdr(sc.prefix+"-id", stdMsgID, sc.prefix+"-timestamp", "1614265330", sc.prefix+"-signature", stdSignature)
		if len(h) != 3 || h.Get(sc.prefix+"-signature") != stdSignature || h.Get(sc.prefix+"-id") != stdMsgID || h.Get(sc.prefix+"-timestamp") != "1614265330" {
			t.Fatalf("%s signed %v, want %v", sc.scheme.name, h, want)
		}
		req := stdRequest(sc.prefix, stdSignature)
		wantPass(t, Check(sc.scheme.name, req, at(stdSignedAt, stdSecret)), sc.scheme.name, 0)
		wantPass(t, Check(Auto, req, at(stdSignedAt, stdSecret)), sc.scheme.name, 0)
	}
}

func TestStandardSecretForms(t *testing.T) {
	req := stdRequest("webhook", stdSignature)
	// The reference libraries base64-decode a secret given without its prefix (TestWebhookPrefix).
	wantPass(t, Check("standard", req, at(stdSignedAt, strings.TrimPrefix(stdSecret, "whsec_"))), "standard", 0)
	// A secret that is not base64 is used as its raw bytes, both ways.
	h, err := standardScheme.Sign(SignInput{Secret: "plain secret!", ID: "msg_1", Timestamp: t0, Body: []byte("{}")})
	if err != nil {
		t.Fatal(err)
	}
	mac := algSHA256.mac([]byte("plain secret!"), []byte("msg_1.1700000000.{}"))
	if got := h.Get("webhook-signature"); got != "v1,"+encBase64.encode(mac) {
		t.Fatalf("raw secret signed %q", got)
	}
	wantPass(t, Check("standard", Request{Header: h, Body: []byte("{}")}, at(t0, "plain secret!")), "standard", 0)

	// A whsec_ secret whose rest is not base64 is a typo; its raw bytes are the best guess,
	// the same on both sides.
	if keys := standardKeys("whsec_not base64!"); len(keys) != 1 || string(keys[0]) != "whsec_not base64!" {
		t.Fatalf("keys %q", keys)
	}
	if keys := standardKeys(stdSecret); len(keys) != 1 || len(keys[0]) != 24 {
		t.Fatalf("whsec_ keys %q", keys)
	}
}

func TestStandardSignsTheParsedTimestamp(t *testing.T) {
	// The reference libraries parse webhook-timestamp and sign the number, so a "+"
	// sign in the header does not change what was signed.
	req := stdRequest("webhook", stdSignature)
	req.Header.Set("webhook-timestamp", "+1614265330")
	wantPass(t, Check("standard", req, at(stdSignedAt, stdSecret)), "standard", 0)
}

func TestStandardSignatureLists(t *testing.T) {
	// "valid multi sig is valid" from the reference tests: other versions and other
	// signatures around the good one.
	list := strings.Join([]string{stdOtherSignature, "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=", stdSignature, stdOtherSignature}, " ")
	wantPass(t, Check("standard", stdRequest("webhook", list), at(stdSignedAt, stdSecret)), "standard", 0)
	// An undecodable v1 beside a good one is skipped, not fatal.
	wantPass(t, Check("standard", stdRequest("webhook", "v1,@@@ "+stdSignature), at(stdSignedAt, stdSecret)), "standard", 0)

	v := Check("standard", stdRequest("webhook", stdOtherSignature), at(stdSignedAt, stdSecret))
	wantMismatch(t, v, "standard")
	if v.Expected != stdSignature || v.Received != stdOtherSignature {
		t.Fatalf("mismatch shows %q vs %q", v.Expected, v.Received)
	}
}

func TestStandardMalformedHeaders(t *testing.T) {
	for _, sig := range []string{"v1,", "v1", "v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", "v2," + stdSignature[3:], "v1,AAAA", "   "} {
		wantMalformed(t, Check("standard", stdRequest("webhook", sig), at(stdSignedAt, stdSecret)), "standard", "webhook-signature")
	}
	for _, ts := range []string{"", "abc", "1614265330.5", "-5", "99999999999999", "0x10"} {
		req := stdRequest("webhook", stdSignature)
		req.Header.Set("webhook-timestamp", ts)
		wantMalformed(t, Check("standard", req, at(stdSignedAt, stdSecret)), "standard", "webhook-timestamp")
	}
	req := stdRequest("webhook", stdSignature)
	req.Header.Set("webhook-id", "")
	wantMalformed(t, Check("standard", req, at(stdSignedAt, stdSecret)), "standard", "webhook-id")
}

func TestStandardNamesTheFirstMissingHeader(t *testing.T) {
	for _, missingHeader := range []string{"webhook-signature", "webhook-id", "webhook-timestamp"} {
		req := stdRequest("webhook", stdSignature)
		req.Header.Del(missingHeader)
		v := Check("standard", req, at(stdSignedAt, stdSecret))
		if v.Status != Missing || v.Reason != "header "+missingHeader+" missing" {
			t.Fatalf("without %s: %+v", missingHeader, v)
		}
	}
}

func TestSvixAcceptsUnbrandedHeadersButStandardNotSvix(t *testing.T) {
	// svix-webhooks go/webhook_test.go, "valid unbranded signature is valid".
	wantPass(t, Check("svix", stdRequest("webhook", stdSignature), at(stdSignedAt, stdSecret)), "svix", 0)
	v := Check("standard", stdRequest("svix", stdSignature), at(stdSignedAt, stdSecret))
	if v.Status != Missing || v.Reason != "header webhook-signature missing" {
		t.Fatalf("standard must not read svix-* headers: %+v", v)
	}
}

func TestStandardGeneratesMessageIDs(t *testing.T) {
	a, err := standardScheme.Sign(SignInput{Secret: stdSecret, Body: []byte("{}"), Timestamp: t0})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := standardScheme.Sign(SignInput{Secret: stdSecret, Body: []byte("{}"), Timestamp: t0})
	idA, idB := a.Get("webhook-id"), b.Get("webhook-id")
	if !strings.HasPrefix(idA, "msg_") || idA == idB {
		t.Fatalf("ids %q and %q", idA, idB)
	}
	wantPass(t, Check("standard", Request{Header: a, Body: []byte("{}")}, at(t0, stdSecret)), "standard", 0)
}

func TestStandardReadsRawHeaderKeys(t *testing.T) {
	// Events imported from JSON may keep HTTP/2 style lowercase keys.
	req := Request{Body: []byte(stdPayload), Header: http.Header{
		"webhook-id":        {stdMsgID},
		"webhook-timestamp": {"1614265330"},
		"webhook-signature": {stdSignature},
	}}
	wantPass(t, Check(Auto, req, at(stdSignedAt, stdSecret)), "standard", 0)
}

func TestStandardRefusesIDsThatCannotTravel(t *testing.T) {
	for _, id := range []string{" msg", "msg ", "msg\r\nX-Evil: 1", "msg\x00"} {
		if _, err := standardScheme.Sign(SignInput{Secret: stdSecret, ID: id, Body: []byte("{}")}); err == nil {
			t.Errorf("signed with id %q", id)
		}
	}
}
