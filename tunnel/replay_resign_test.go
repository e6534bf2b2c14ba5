package tunnel

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	stripe "github.com/stripe/stripe-go/v85"
	"github.com/stripe/stripe-go/v85/webhook"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store"
)

// stripeEvent stores a Stripe event signed at signedAt by stripe-go itself.
func stripeEvent(t testing.TB, st *store.Store, secret string, signedAt time.Time) *payloads.Event {
	t.Helper()
	body := []byte(fmt.Sprintf(`{"id":"evt_%d","object":"event","api_version":%q,"type":"payment_intent.succeeded","data":{"object":{"id":"pi_1","amount":1200}}}`,
		signedAt.UnixNano(), stripe.APIVersion))
	p := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: signedAt})
	return storeEvent(t, st, &payloads.Event{Method: "POST", Path: "/stripe",
		Headers: http.Header{"Stripe-Signature": {p.Header}, "Content-Type": {"application/json; charset=utf-8"}},
		Body:    body}, secret)
}

// stripeApp answers 200 only to requests stripe-go's ConstructEvent accepts.
func stripeApp(t testing.TB, secret string) *testApp {
	return newTestApp(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if _, err := webhook.ConstructEvent(body, r.Header.Get("Stripe-Signature"), secret); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	})
}

func TestResignedStripeReplayVerifiesWithStripeGo(t *testing.T) {
	const secret = "whsec_test_stripe_secret"
	st := openTestStore(t)
	ev := stripeEvent(t, st, secret, time.Now().Add(-time.Hour))
	app := stripeApp(t, secret)

	captured := newReplayer(t, ReplayConfig{History: st, Targets: mustTargets(t, app.srv.URL), Mode: ReplayCaptured})
	if sum, _ := captured.ReplayIDs(context.Background(), ev.ID); sum.Failed != 1 || sum.Stale != 1 {
		t.Fatalf("captured replay of an hour-old event: %+v; stripe-go must refuse it and we must call it stale", sum)
	}
	resigned := newReplayer(t, ReplayConfig{History: st, Targets: mustTargets(t, app.srv.URL),
		Secrets: ListenerSecrets([]string{secret}, nil)})
	sum, err := resigned.ReplayIDs(context.Background(), ev.ID)
	if err != nil || sum.OK != 1 {
		t.Fatalf("re-signed replay: %+v %v; stripe-go said %q", sum, err, lastAnswer(t, st, ev.ID))
	}
	got := app.got()[1]
	if string(got.Body) != string(ev.Body) {
		t.Error("re-signing changed the body")
	}
	if n := len(got.Header.Values("Stripe-Signature")); n != 1 {
		t.Errorf("%d Stripe-Signature headers; the old one must be replaced", n)
	}
}

func lastAnswer(t testing.TB, st store.Reader, id string) string {
	ev, err := st.Get(id)
	if err != nil || len(ev.Attempts) == 0 {
		return fmt.Sprint(err)
	}
	a := ev.Attempts[len(ev.Attempts)-1]
	return fmt.Sprintf("%d %s %s", a.Status, a.Error, a.ResponseBody)
}

func TestResignedStandardWebhooksReplayVerifiesWithTheReferenceLibraryAndKeepsTheID(t *testing.T) {
	secret := "whsec_" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	st := openTestStore(t)
	body := []byte(`{"type":"message.created","data":{"id":"m_1","text":"hello"}}`)
	old := time.Now().Add(-time.Hour)
	signature, err := wh.Sign("msg_2Lh9KRb0pzN4LePd3XiA4ml2", old, body)
	if err != nil {
		t.Fatal(err)
	}
	ev := storeEvent(t, st, &payloads.Event{Method: "POST", Path: "/hooks", Body: body, Headers: http.Header{
		"Webhook-Id": {"msg_2Lh9KRb0pzN4LePd3XiA4ml2"}, "Webhook-Timestamp": {strconv.FormatInt(old.Unix(), 10)},
		"Webhook-Signature": {signature}, "Content-Type": {"application/json"},
	}}, secret)
	if ev.Signature.Scheme != "standard" {
		t.Fatalf("verdict %+v", ev.Signature)
	}
	app := newTestApp(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := wh.Verify(body, r.Header); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
		}
	})
	sum, err := newReplayer(t, ReplayConfig{History: st, Targets: mustTargets(t, app.srv.URL), Secret: secret}).ReplayIDs(context.Background(), ev.ID)
	if err != nil || sum.OK != 1 {
		t.Fatalf("%+v %v: %s", sum, err, lastAnswer(t, st, ev.ID))
	}
	got := app.got()[0]
	if got.Header.Get("Webhook-Id") != "msg_2Lh9KRb0pzN4LePd3XiA4ml2" {
		t.Errorf("webhook-id %q; receivers dedup on it, it must be kept", got.Header.Get("Webhook-Id"))
	}
	if got.Header.Get("Webhook-Timestamp") == ev.Headers.Get("Webhook-Timestamp") {
		t.Error("the timestamp was not refreshed")
	}
}

func TestResignSvixKeepsTheHeaderBrandItCameWith(t *testing.T) {
	secret := "whsec_" + base64.StdEncoding.EncodeToString([]byte("svix-secret-svix-secret-32bytes!"))
	wh, _ := standardwebhooks.NewWebhook(secret)
	body := []byte(`{"a":1}`)
	old := time.Unix(1_600_000_000, 0)
	unbranded, _ := wh.Sign("msg_1", old, body)
	h := http.Header{"Webhook-Id": {"msg_1"}, "Webhook-Timestamp": {strconv.FormatInt(old.Unix(), 10)}, "Webhook-Signature": {unbranded}}
	if err := (signer{scheme: "svix", secret: secret, now: time.Now()}).sign(h, "POST", "http://app.test/", body); err != nil {
		t.Fatal(err)
	}
	if h.Get("Svix-Id") != "" || h.Get("Svix-Signature") != "" {
		t.Errorf("svix-* headers added to a request that used webhook-*: %v", h)
	}
	if err := wh.Verify(body, h); err != nil {
		t.Errorf("the re-signed webhook-* headers do not verify: %v (%v)", err, h)
	}

	branded, err := sig.Lookup("svix")
	if !err {
		t.Fatal("no svix scheme")
	}
	signed, _ := branded.Sign(sig.SignInput{Secret: secret, Body: body, ID: "msg_2", Timestamp: old})
	if err := (signer{scheme: "svix", secret: secret, now: time.Now()}).sign(signed, "POST", "http://app.test/", body); err != nil {
		t.Fatal(err)
	}
	if signed.Get("Svix-Id") != "msg_2" || signed.Get("Webhook-Id") != "" {
		t.Errorf("svix-branded request re-signed as %v", signed)
	}
	if v := sig.Check("svix", sig.Request{Header: signed, Body: body}, sig.Options{Secrets: []string{secret}}); v.Status != sig.Pass {
		t.Errorf("re-signed svix headers: %+v", v)
	}
}

func TestResignedSlackReplayVerifies(t *testing.T) {
	const secret = "8f742231b10e8888abcd99yyyzzz85a5"
	st := openTestStore(t)
	body := []byte("token=x&team_id=T1&command=%2Fweather&text=94070")
	scheme, _ := sig.Lookup("slack")
	h, _ := scheme.Sign(sig.SignInput{Secret: secret, Body: body, Timestamp: time.Now().Add(-time.Hour)})
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	ev := storeEvent(t, st, &payloads.Event{Method: "POST", Path: "/slack/commands", Headers: h, Body: body}, secret)
	app := newTestApp(t, func(w http.ResponseWriter, r *http.Request) {
		// Slack's documented check, written out: v0=hex(HMAC-SHA256("v0:ts:body")), ts within 5 minutes.
		body, _ := io.ReadAll(r.Body)
		ts := r.Header.Get("X-Slack-Request-Timestamp")
		secs, _ := strconv.ParseInt(ts, 10, 64)
		m := hmac.New(sha256.New, []byte(secret))
		fmt.Fprintf(m, "v0:%s:%s", ts, body)
		if time.Since(time.Unix(secs, 0)).Abs() > 5*time.Minute || r.Header.Get("X-Slack-Signature") != "v0="+hex.EncodeToString(m.Sum(nil)) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
		}
	})
	sum, err := newReplayer(t, ReplayConfig{History: st, Targets: mustTargets(t, app.srv.URL), Secret: secret}).ReplayIDs(context.Background(), ev.ID)
	if err != nil || sum.OK != 1 {
		t.Fatalf("%+v %v: %s", sum, err, lastAnswer(t, st, ev.ID))
	}
}

// twilioSignature is Twilio's documented algorithm written out: base64 HMAC-SHA1 of
// the full URL followed by the POST parameters sorted by name.
func twilioSignature(token, fullURL string, form url.Values) string {
	var b strings.Builder
	b.WriteString(fullURL)
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range form[k] {
			b.WriteString(k + v)
		}
	}
	m := hmac.New(sha1.New, []byte(token))
	m.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// twilioApp verifies requests against the URL it was called at.
func twilioApp(t testing.TB, token string) *testApp {
	return newTestApp(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		full := "http://" + r.Host + r.URL.RequestURI()
		var form url.Values
		if r.Header.Get("Content-Type") == "application/x-www-form-urlencoded" {
			form, _ = url.ParseQuery(string(body))
		} else {
			d := sha256.Sum256(body)
			if r.URL.Query().Get("bodySHA256") != hex.EncodeToString(d[:]) {
				http.Error(w, "bodySHA256 mismatch", http.StatusUnauthorized)
				return
			}
		}
		if r.Header.Get("X-Twilio-Signature") != twilioSignature(token, full, form) {
			http.Error(w, "bad signature for "+full, http.StatusUnauthorized)
		}
	})
}

func TestResignedTwilioReplaySignsTheTargetURL(t *testing.T) {
	const token = "12345678901234567890123456789012"
	st := openTestStore(t)
	body := []byte("Body=hello+there&From=%2B15550001111&To=%2B15550002222&MessageSid=SM1")
	form, _ := url.ParseQuery(string(body))
	public := "https://public.example.com/twilio/sms?x=1"
	ev := storeEvent(t, st, &payloads.Event{Method: "POST", Path: "/twilio/sms", Query: "x=1", Host: "public.example.com", Body: body,
		Headers: http.Header{"X-Twilio-Signature": {twilioSignature(token, public, form)}, "Content-Type": {"application/x-www-form-urlencoded"}},
	}, token)
	app := twilioApp(t, token)

	captured := newReplayer(t, ReplayConfig{History: st, Targets: mustTargets(t, app.srv.URL)})
	if sum, _ := captured.ReplayIDs(context.Background(), ev.ID); sum.Failed != 1 {
		t.Fatalf("a captured Twilio signature covers the public URL; the app at another URL must refuse it: %+v", sum)
	}
	resigned := newReplayer(t, ReplayConfig{History: st, Targets: mustTargets(t, app.srv.URL+"/local/*"), Mode: ReplayResign, Secret: token})
	sum, err := resigned.ReplayIDs(context.Background(), ev.ID)
	if err != nil || sum.OK != 1 {
		t.Fatalf("%+v %v: %s", sum, err, lastAnswer(t, st, ev.ID))
	}
	if got := app.got()[1]; got.Path != "/local/twilio/sms" || got.RawQuery != "x=1" {
		t.Errorf("sent to %s?%s", got.Path, got.RawQuery)
	}
}

func TestResignWithoutSecretOrSchemeIsRecordedAsFailed(t *testing.T) {
	st := openTestStore(t)
	stripeEv := stripeEvent(t, st, "whsec_x", time.Now())
	plain := storeEvent(t, st, &payloads.Event{Method: "POST", Path: "/", Body: []byte(`{}`)})
	app := newTestApp(t, nil)
	rp := newReplayer(t, ReplayConfig{History: st, Targets: mustTargets(t, app.srv.URL), Mode: ReplayResign})
	var results []ReplayResult
	rp.cfg.Progress = func(p ReplayProgress) { results = append(results, p.Results...) }
	sum, err := rp.ReplayIDs(context.Background(), stripeEv.ID, plain.ID)
	if err != nil || sum.Failed != 2 || sum.Sent != 0 || len(app.got()) != 0 {
		t.Fatalf("%+v %v, app got %d", sum, err, len(app.got()))
	}
	if !strings.Contains(results[0].Err.Error(), "no secret configured") || !strings.Contains(results[1].Err.Error(), "no signature scheme") {
		t.Errorf("errors: %v / %v", results[0].Err, results[1].Err)
	}
	if a := attemptsOf(t, st, stripeEv.ID, 1)[0]; a.Mode != "resign" || !strings.Contains(a.Error, "no secret") {
		t.Errorf("recorded %+v", a)
	}
}

func TestEditedReplayIsResignedAndRecordedAsADerivedEvent(t *testing.T) {
	const secret = "whsec_edit_secret"
	st := openTestStore(t)
	orig := stripeEvent(t, st, secret, time.Now().Add(-time.Hour))
	app := stripeApp(t, secret)
	hub := NewHub()
	defer hub.Close()
	sub := hub.Subscribe()
	rp := newReplayer(t, ReplayConfig{History: st, Appender: st, Hub: hub, Targets: mustTargets(t, app.srv.URL),
		Secrets: ListenerSecrets([]string{secret}, nil)})
	edited := []byte(strings.Replace(string(orig.Body), `"amount":1200`, `"amount":999`, 1))
	out, err := rp.ReplayEdited(context.Background(), orig.ID, edited, "")
	if err != nil || len(out.Results) != 1 || !out.Results[0].OK() {
		t.Fatalf("%+v %v: %s", out, err, lastAnswer(t, st, orig.ID))
	}
	if got := app.got()[0]; string(got.Body) != string(edited) {
		t.Errorf("app got %q", got.Body)
	}
	derived, err := st.Get(out.Derived.ID)
	if err != nil {
		t.Fatal(err)
	}
	if derived.DerivedFrom != orig.ID || string(derived.Body) != string(edited) || derived.Signature.Status != sig.Pass ||
		len(derived.Attempts) != 1 || derived.Attempts[0].Status != 200 || derived.Type != orig.Type {
		t.Errorf("derived event %+v", derived)
	}
	if _, ok := derived.Headers["User-Agent"]; ok {
		t.Error("the derived event records the User-Agent placeholder")
	}
	a := attemptsOf(t, st, orig.ID, 1)[0]
	if a.Mode != "edited" || a.DerivedID != derived.ID || a.Status != 200 {
		t.Errorf("attempt on the original %+v", a)
	}
	select {
	case ev := <-sub.C():
		if ev.ID != derived.ID {
			t.Errorf("published %s, want the derived %s", ev.ID, derived.ID)
		}
	case <-time.After(5 * time.Second):
		t.Error("the derived event was not published")
	}
}

func TestEditedTwilioJSONReplayRecomputesTheBodyHash(t *testing.T) {
	const token = "twilio-token-0123456789"
	st := openTestStore(t)
	body := []byte(`{"status":"delivered"}`)
	public := sig.TwilioBodyURL("https://public.example.com/status", body)
	_, query, _ := strings.Cut(public, "?")
	ev := storeEvent(t, st, &payloads.Event{Method: "POST", Path: "/status", Query: query, Host: "public.example.com", Body: body,
		Headers: http.Header{"X-Twilio-Signature": {twilioSignature(token, public, nil)}, "Content-Type": {"application/json"}}}, token)
	app := twilioApp(t, token)
	rp := newReplayer(t, ReplayConfig{History: st, Appender: st, Targets: mustTargets(t, app.srv.URL), Secret: token})
	out, err := rp.ReplayEdited(context.Background(), ev.ID, []byte(`{"status":"failed"}`), "")
	if err != nil || !out.Results[0].OK() {
		t.Fatalf("%+v %v: %s", out, err, lastAnswer(t, st, ev.ID))
	}
	if out.Derived.Signature.Status != sig.Pass {
		t.Errorf("derived verdict %+v", out.Derived.Signature)
	}
}

func TestEditedReplayNeedsSomewhereToRecord(t *testing.T) {
	st := openTestStore(t)
	ev := dexatelEvent(t, st, "/", 1)
	rp := newReplayer(t, ReplayConfig{History: st, Targets: mustTargets(t, "3000")})
	if _, err := rp.ReplayEdited(context.Background(), ev.ID, []byte(`{}`), ""); err == nil || !strings.Contains(err.Error(), "console") {
		t.Errorf("err %v", err)
	}
}

func TestEditedReplayOfAnUnsignedEventStaysUnsigned(t *testing.T) {
	st := openTestStore(t)
	ev := storeEvent(t, st, &payloads.Event{Method: "PUT", Path: "/x", Body: []byte(`{"a":1}`), Headers: http.Header{"X-Custom": {"1"}}})
	app := newTestApp(t, nil)
	rp := newReplayer(t, ReplayConfig{History: st, Appender: st, Targets: mustTargets(t, app.srv.URL)})
	out, err := rp.ReplayEdited(context.Background(), ev.ID, []byte(`{"a":2}`), "")
	if err != nil || !out.Results[0].OK() {
		t.Fatalf("%+v %v", out, err)
	}
	got := app.got()[0]
	if got.Method != "PUT" || string(got.Body) != `{"a":2}` || got.Header.Get("X-Custom") != "1" {
		t.Errorf("app got %+v", got)
	}
}

func TestSignedAtReadsEachTimestampedScheme(t *testing.T) {
	cases := []struct {
		scheme string
		h      http.Header
		want   int64
	}{
		{"stripe", http.Header{"Stripe-Signature": {"t=100,v1=ab,t=200"}}, 200},
		{"slack", http.Header{"X-Slack-Request-Timestamp": {"300"}}, 300},
		{"standard", http.Header{"Webhook-Timestamp": {" 400 "}}, 400},
		{"svix", http.Header{"Svix-Timestamp": {"500"}}, 500},
		{"svix", http.Header{"Webhook-Timestamp": {"600"}}, 600},
	}
	for _, c := range cases {
		got, ok := SignedAt(c.scheme, c.h)
		if !ok || got.Unix() != c.want {
			t.Errorf("%s %v: %v %v, want %d", c.scheme, c.h, got, ok, c.want)
		}
	}
	for _, bad := range []http.Header{{"Webhook-Timestamp": {"x"}}, {"Webhook-Timestamp": {"-5"}}, {}} {
		if _, ok := SignedAt("standard", bad); ok {
			t.Errorf("%v read as a timestamp", bad)
		}
	}
	if _, ok := SignedAt("dexatel", http.Header{"Webhook-Timestamp": {"1"}}); ok {
		t.Error("dexatel has no timestamp")
	}
}

func FuzzSignedAt(f *testing.F) {
	for _, s := range []string{"t=1,v1=x", "1614265330", "+1614265330", "t=,t=2", "99999999999999999999", " 7 "} {
		f.Add("stripe", s)
		f.Add("standard", s)
	}
	f.Fuzz(func(t *testing.T, scheme, value string) {
		h := http.Header{"Stripe-Signature": {value}, "Webhook-Timestamp": {value}, "Svix-Timestamp": {value}, "X-Slack-Request-Timestamp": {value}}
		got, ok := SignedAt(scheme, h)
		if ok && (got.Unix() < 0 || !Timestamped(scheme)) {
			t.Fatalf("%s %q gave %v", scheme, value, got)
		}
		ev := &payloads.Event{Headers: h, Signature: sig.Verdict{Scheme: scheme}}
		w := staleWarning(ev, time.Unix(1_700_000_000, 0), time.Minute)
		if w != "" && !ok {
			t.Fatalf("stale warning without a timestamp: %q", w)
		}
	})
}

func TestEditedReplayKeepsTheTelegramTokenOutOfTheDerivedEvent(t *testing.T) {
	const token = "tg_secret-token"
	st := openTestStore(t)
	ev := storeEvent(t, st, &payloads.Event{Method: "POST", Path: "/tg", Body: []byte(`{"update_id":1}`),
		Headers: http.Header{"X-Telegram-Bot-Api-Secret-Token": {token}, "Content-Type": {"application/json"}}}, token)
	app := newTestApp(t, nil)
	rp := newReplayer(t, ReplayConfig{History: st, Appender: st, Targets: mustTargets(t, app.srv.URL),
		Secrets: ListenerSecrets([]string{token}, nil)})
	out, err := rp.ReplayEdited(context.Background(), ev.ID, []byte(`{"update_id":2}`), "")
	if err != nil || !out.Results[0].OK() {
		t.Fatalf("%+v %v", out, err)
	}
	if got := app.got()[0].Header.Get("X-Telegram-Bot-Api-Secret-Token"); got != token {
		t.Errorf("the app got token %q", got)
	}
	stored, _ := st.Get(out.Derived.ID)
	for _, h := range []http.Header{out.Derived.Headers, stored.Headers} {
		if got := h.Get("X-Telegram-Bot-Api-Secret-Token"); got != store.Redacted {
			t.Errorf("derived event shows the token as %q, want it redacted", got)
		}
	}
}
