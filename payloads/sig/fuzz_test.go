package sig

import (
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func FuzzParseStripeHeader(f *testing.F) {
	for _, seed := range []string{
		"t=1700000000,v1=" + stripeV1,
		"t=1700000000,v1=" + stripeV1 + ",v1=" + strings.Repeat("a", 64) + ",v0=" + stripeV1,
		" t=1 , v1=" + strings.ToUpper(stripeV1) + ",,",
		"v1,t=1", "t=", "t=1,v0=00", "t=-1,v1=" + stripeV1, "t=1,v1=zz", "=,=,=", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, value string) {
		sh, what := parseStripeHeader(value)
		if what != "" {
			if sh.v1 != nil || !sh.signedAt.IsZero() {
				t.Fatalf("a rejected header returned data: %+v", sh)
			}
			return
		}
		if len(sh.v1) == 0 || sh.signedAt.Unix() < 0 || sh.signedAt.Unix() > maxUnix {
			t.Fatalf("accepted %q as %+v", value, sh)
		}
		// What was accepted survives being written out canonically and read back.
		canon := "t=" + strconv.FormatInt(sh.signedAt.Unix(), 10)
		for _, mac := range sh.v1 {
			if len(mac) != 32 {
				t.Fatalf("v1 of %d bytes", len(mac))
			}
			canon += ",v1=" + hex.EncodeToString(mac)
		}
		again, what := parseStripeHeader(canon)
		if what != "" || !again.signedAt.Equal(sh.signedAt) || !slices.EqualFunc(again.v1, sh.v1, slices.Equal) {
			t.Fatalf("%q re-read as %+v, %q", canon, again, what)
		}
	})
}

func FuzzParseStandardSignature(f *testing.F) {
	for _, seed := range []string{
		stdSignature,
		stdOtherSignature + " v2,abc " + stdSignature,
		"v1,", "v1", "v1a,AAAA", "v1,g0hM9SsE-OTPJTGt_tmIKtSyZlE3uFJELVlNIOLJ1OE", "  ", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, value string) {
		sigs, what := parseStandardSignatures(value)
		if what != "" {
			if sigs != nil {
				t.Fatalf("a rejected value returned signatures")
			}
			return
		}
		if len(sigs) == 0 {
			t.Fatalf("accepted %q without a signature", value)
		}
		parts := make([]string, len(sigs))
		for i, mac := range sigs {
			if len(mac) != 32 {
				t.Fatalf("signature of %d bytes", len(mac))
			}
			parts[i] = "v1," + base64.StdEncoding.EncodeToString(mac)
		}
		again, what := parseStandardSignatures(strings.Join(parts, " "))
		if what != "" || !slices.EqualFunc(again, sigs, slices.Equal) {
			t.Fatalf("re-read as %x, %q", again, what)
		}
	})
}

// parseHeaderLines reads "Name: value" lines, as a fuzzer's way to make any headers.
func parseHeaderLines(s string) http.Header {
	h := http.Header{}
	for _, line := range strings.Split(s, "\n") {
		name, value, _ := strings.Cut(line, ":")
		h[name] = append(h[name], value) // raw keys too: imported events keep them
		h.Add(name, value)
	}
	return h
}

// FuzzCheckAuto feeds arbitrary headers, bodies, URLs and secrets to auto and to every
// named scheme: no panic, and every verdict is one of the four with a coherent shape.
func FuzzCheckAuto(f *testing.F) {
	for _, name := range Names() {
		in := signInput(goodSecret)
		s, _ := Lookup(name)
		h, err := s.Sign(in)
		if err != nil {
			f.Fatal(err)
		}
		var lines []string
		for k, vs := range h {
			for _, v := range vs {
				lines = append(lines, k+": "+v)
			}
		}
		slices.Sort(lines)
		f.Add(strings.Join(lines, "\n"), []byte(formBody), hookURL, goodSecret, t0.Unix())
	}
	f.Add("X-Hub-Signature-256: "+githubDocSignature, []byte(githubDocPayload), "", githubDocSecret, int64(0))
	f.Add("X-Slack-Signature: "+slackDocSignature+"\nX-Slack-Request-Timestamp: "+slackDocTimestamp, []byte(slackDocBody), "", slackDocSecret, int64(1531420618))
	f.Add("X-Twilio-Signature: a9nBmqA0ju/hNViExpshrM61xv4=\nContent-Type: application/json", []byte(twilioBody),
		twilioURL+"&bodySHA256="+twilioDocBodyHash, twilioToken, int64(0))
	f.Add("Stripe-Signature: t=99999999999,v1=00", []byte{0xff, 0}, "http://[::1", "", int64(-1))
	f.Add("webhook-signature: v1,\nwebhook-id:\nwebhook-timestamp: x", []byte(nil), "%", "whsec_!!", int64(1))
	f.Add("", []byte("{}"), "", "", int64(0))

	statuses := []Status{Pass, Fail, Missing, Unchecked}
	f.Fuzz(func(t *testing.T, headers string, body []byte, u, secret string, now int64) {
		req := Request{Method: http.MethodPost, URL: u, Header: parseHeaderLines(headers), Body: body}
		opts := Options{Secrets: []string{secret}, Now: time.Unix(now%maxUnix, 0), HMAC: genericCfg}
		for _, name := range append([]string{Auto}, Names()...) {
			v := Check(name, req, opts)
			if !slices.Contains(statuses, v.Status) {
				t.Fatalf("%s: status %q", name, v.Status)
			}
			switch {
			case v.Status == Pass:
				if v.SecretIndex != 0 || v.Reason != "" || v.Scheme == "" {
					t.Fatalf("%s: pass shaped %+v", name, v)
				}
			case v.Reason == "":
				t.Fatalf("%s: %s without a reason", name, v.Status)
			case strings.HasPrefix(v.Reason, "timestamp outside tolerance"):
				if v.SecretIndex != 0 {
					t.Fatalf("%s: stale but signed, yet %+v", name, v)
				}
			case v.SecretIndex != -1:
				t.Fatalf("%s: %+v names a secret", name, v)
			}
			if len(v.Received) > maxShown+len("bodySHA256=…") {
				t.Fatalf("%s: received kept %d bytes", name, len(v.Received))
			}
			if v.Scheme == "telegram" && v.Status == Fail && !telegramRedacted(v) {
				t.Fatalf("telegram verdict may show a token: %+v", v)
			}
		}
	})
}

func telegramRedacted(v Verdict) bool {
	n, ok := strings.CutPrefix(v.Received, "(a ")
	n, ok2 := strings.CutSuffix(n, "-character token, not shown)")
	_, err := strconv.Atoi(n)
	return v.Received == "" && v.Expected == "" ||
		ok && ok2 && err == nil && v.Expected == "(the configured secret token, not shown)"
}

// FuzzSignVerify: whatever a scheme agrees to sign, it verifies.
func FuzzSignVerify(f *testing.F) {
	f.Add([]byte(formBody), goodSecret, "msg_1", t0.Unix(), hookURL, "")
	f.Add([]byte(twilioBody), twilioToken, "", int64(0), TwilioBodyURL(twilioURL, []byte(twilioBody)), "application/json")
	f.Add([]byte("a=1&a=0&b"), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "id.with.dots", int64(maxUnix), "http://[::1]:80/x", "application/x-www-form-urlencoded; charset=utf-8")
	f.Add([]byte{}, "x", "\t", int64(-5), "", "text/plain")
	f.Fuzz(func(t *testing.T, body []byte, secret, id string, ts int64, u, contentType string) {
		signedAt := time.Unix(int64(uint64(ts)%(maxUnix+1)), 0)
		in := SignInput{Secret: secret, Body: body, Method: http.MethodPost, URL: u, ContentType: contentType, ID: id, Timestamp: signedAt, HMAC: genericCfg}
		for _, name := range Names() {
			s, _ := Lookup(name)
			h, err := s.Sign(in)
			if err != nil {
				continue
			}
			req := Request{Method: http.MethodPost, URL: u, Header: h, Body: body}
			v := s.Verify(req, Options{Secrets: []string{secret}, Now: signedAt, HMAC: genericCfg})
			if v.Status != Pass {
				t.Fatalf("%s signed %v but verified %+v", name, h, v)
			}
		}
	})
}
