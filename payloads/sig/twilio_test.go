package sig

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// Twilio's own library tests: twilio/twilio-go client/request_validator_test.go and
// twilio/twilio-python tests/unit/test_request_validator.py (auth token "12345").
const (
	twilioToken       = "12345"
	twilioURL         = "https://mycompany.com/myapp.php?foo=1&bar=2"
	twilioExpected    = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
	twilioBody        = `{"property": "value", "boolean": true}`
	twilioDocBodyHash = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
)

var twilioParams = url.Values{
	"CallSid": {"CA1234567890ABCDE"},
	"Digits":  {"1234"},
	"From":    {"+14158675309"},
	"To":      {"+18005551212"},
	"Caller":  {"+14158675309"},
}

func twilioForm(u, sig, body string) Request {
	return Request{Method: http.MethodPost, URL: u, Body: []byte(body),
		Header: hdr("X-Twilio-Signature", sig, "Content-Type", "application/x-www-form-urlencoded; charset=utf-8")}
}

func TestTwilioLibraryVectors(t *testing.T) {
	form := twilioParams.Encode()
	opts := at(t0, twilioToken)
	wantPass(t, Check("twilio", twilioForm(twilioURL, twilioExpected, form), opts), "twilio", 0)
	wantPass(t, Check(Auto, twilioForm(twilioURL, twilioExpected, form), opts), "twilio", 0)

	// Ports: "removes port on https", "adds port on https", "removes port on http",
	// "adds port on http".
	withPort := strings.Replace(twilioURL, ".com", ".com:1234", 1)
	httpURL := strings.Replace(twilioURL, "https", "http", 1)
	httpWithPort := strings.Replace(withPort, "https", "http", 1)
	for _, c := range []struct{ url, sig string }{
		{withPort, twilioExpected},
		{twilioURL, "kvajT1Ptam85bY51eRf/AJRuM3w="},    // signed with :443
		{httpWithPort, "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="}, // signed with :1234
		{httpURL, "0ZXoZLH/DfblKGATFgpif+LLRf4="},      // signed with :80
	} {
		wantPass(t, Check("twilio", twilioForm(c.url, c.sig, form), opts), "twilio", 0)
	}
	wantMismatch(t, Check("twilio", twilioForm(twilioURL, "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=", form), opts), "twilio")

	// "duplicate multi dict": repeated names sign their values in sorted order.
	dup := "Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234"
	wantPass(t, Check("twilio", twilioForm(twilioURL, "IK+Dwps556ElfBT0I3Rgjkr1wJU=", dup), opts), "twilio", 0)

	// Sign reproduces the library's signature.
	h, err := twilioScheme{}.Sign(SignInput{Secret: twilioToken, URL: twilioURL, Body: []byte(form), ContentType: "application/x-www-form-urlencoded"})
	if err != nil {
		t.Fatal(err)
	}
	if h.Get("X-Twilio-Signature") != twilioExpected || h.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Fatalf("signed %v", h)
	}
}

func TestTwilioJSONBodyHash(t *testing.T) {
	opts := at(t0, twilioToken)
	jsonReq := func(u, sig, body string) Request {
		return Request{Method: http.MethodPost, URL: u, Body: []byte(body), Header: hdr("X-Twilio-Signature", sig, "Content-Type", "application/json")}
	}
	// "validation of body succeeds" and "no other parameters".
	withHash := twilioURL + "&bodySHA256=" + twilioDocBodyHash
	wantPass(t, Check("twilio", jsonReq(withHash, "a9nBmqA0ju/hNViExpshrM61xv4=", twilioBody), opts), "twilio", 0)
	onlyHash := "https://mycompany.com/myapp.php?bodySHA256=" + twilioDocBodyHash
	wantPass(t, Check("twilio", jsonReq(onlyHash, "y77kIzt2vzLz71DgmJGsen2scGs=", twilioBody), opts), "twilio", 0)
	if got := TwilioBodyURL("https://mycompany.com/myapp.php", []byte(twilioBody)); got != onlyHash {
		t.Fatalf("TwilioBodyURL = %q", got)
	}
	if got := TwilioBodyURL(twilioURL, []byte(twilioBody)); got != withHash {
		t.Fatalf("TwilioBodyURL = %q", got)
	}

	// The URL is genuine but the body is not the one it hashes.
	v := Check("twilio", jsonReq(withHash, "a9nBmqA0ju/hNViExpshrM61xv4=", `{"property": "other"}`), opts)
	wantMismatch(t, v, "twilio")
	if v.Received != "bodySHA256="+twilioDocBodyHash || !strings.HasPrefix(v.Expected, "bodySHA256=") {
		t.Fatalf("got %+v", v)
	}
}

func TestTwilioSignsJSONOnlyThroughTheBodyHash(t *testing.T) {
	in := SignInput{Secret: twilioToken, URL: twilioURL, Body: []byte(twilioBody)}
	if _, err := (twilioScheme{}).Sign(in); err == nil {
		t.Fatal("signed a JSON body the URL does not cover")
	}
	in.URL = TwilioBodyURL(twilioURL, in.Body)
	h, err := twilioScheme{}.Sign(in)
	if err != nil {
		t.Fatal(err)
	}
	if h.Get("X-Twilio-Signature") != "a9nBmqA0ju/hNViExpshrM61xv4=" || h.Get("Content-Type") != "" {
		t.Fatalf("signed %v", h)
	}
	in.Body = []byte(`{}`)
	if _, err := (twilioScheme{}).Sign(in); err == nil {
		t.Fatal("signed a body that does not match the URL's bodySHA256")
	}
	if _, err := (twilioScheme{}).Sign(SignInput{Secret: twilioToken, Body: []byte("a=1")}); err == nil {
		t.Fatal("signed without a URL")
	}
}

func TestTwilioNeedsTheURL(t *testing.T) {
	req := twilioForm("", twilioExpected, twilioParams.Encode())
	want := Verdict{Scheme: "twilio", Status: Unchecked, Reason: "request URL unknown: twilio signs the URL it called", SecretIndex: -1}
	if v := Check("twilio", req, at(t0, twilioToken)); v != want {
		t.Fatalf("got %+v", v)
	}
}

func TestTwilioMalformed(t *testing.T) {
	for _, sig := range []string{"", "not base64!", "AAAA", twilioExpected + "AAAA"} {
		wantMalformed(t, Check("twilio", twilioForm(twilioURL, sig, "a=1"), at(t0, twilioToken)), "twilio", "X-Twilio-Signature")
	}
	v := Check("twilio", twilioForm(twilioURL, twilioExpected, "a=%zz"), at(t0, twilioToken))
	if v.Status != Fail || !strings.HasPrefix(v.Reason, "malformed form body: ") {
		t.Fatalf("got %+v", v)
	}
}

func TestTwilioURLVariants(t *testing.T) {
	for u, want := range map[string][]string{
		"https://h/p":              {"https://h/p", "https://h:443/p"},
		"http://h?q=1":             {"http://h?q=1", "http://h:80?q=1"},
		"https://h:8443/p":         {"https://h:8443/p", "https://h/p"},
		"HTTPS://u:pw@h/p":         {"HTTPS://u:pw@h/p", "HTTPS://u:pw@h:443/p"},
		"https://u:pw@h:1/p":       {"https://u:pw@h:1/p", "https://u:pw@h/p"},
		"http://[::1]/x":           {"http://[::1]/x", "http://[::1]:80/x"},
		"http://[::1]:4242/x#frag": {"http://[::1]:4242/x#frag", "http://[::1]/x#frag"},
		"ftp://h/p":                {"ftp://h/p"},
		"no scheme":                {"no scheme"},
		"https://":                 {"https://", "https://:443"},
	} {
		if got := twilioURLVariants(u); !slices.Equal(got, want) {
			t.Errorf("twilioURLVariants(%q) = %q, want %q", u, got, want)
		}
	}
}

func TestTwilioSignEdgeCases(t *testing.T) {
	if _, err := (twilioScheme{}).Sign(SignInput{Secret: twilioToken, URL: twilioURL, Body: []byte("a=%zz"), ContentType: formType}); err == nil {
		t.Fatal("signed an unreadable form body")
	}
	// No body: only the URL is signed, and nothing claims a content type.
	h, err := twilioScheme{}.Sign(SignInput{Secret: twilioToken, URL: twilioURL})
	if err != nil || h.Get("Content-Type") != "" {
		t.Fatalf("signed %v, %v", h, err)
	}
	wantPass(t, Check("twilio", Request{Method: http.MethodGet, URL: twilioURL, Header: h}, at(t0, twilioToken)), "twilio", 0)
	if got := TwilioBodyURL("https://h/p?a=1&#top", []byte(twilioBody)); got != "https://h/p?a=1&bodySHA256="+twilioDocBodyHash+"#top" {
		t.Fatalf("TwilioBodyURL kept the fragment wrong: %q", got)
	}
}
