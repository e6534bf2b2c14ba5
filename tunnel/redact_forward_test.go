package tunnel

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
)

// secretRequest is what a sender might put in a webhook besides its signature.
var secretRequest = map[string]string{
	"Authorization": "Bearer sk_live_1",
	"Cookie":        "sid=s3ss10n",
	"X-Api-Key":     "key-123",
	"X-My-Secret":   "mine",
}

func redactionForTest(t testing.TB) *store.Redaction {
	t.Helper()
	r, err := store.NewRedaction([]string{"X-My-Secret"}, []string{"session"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestListenerRedactsWhatItKeepsAndForwardsTheLiveRequest: the history and the
// console's subscription hold the secrets redacted (headers by the default and the
// configured lists, query values by name); the app gets the request as received.
func TestListenerRedactsWhatItKeepsAndForwardsTheLiveRequest(t *testing.T) {
	app := newTestApp(t, nil)
	red := redactionForTest(t)
	tl := startListener(t, Config{Redact: red})
	console := tl.Hub.Subscribe()
	defer console.Close()
	startForwarder(t, tl, ForwardConfig{Targets: mustTargets(t, app.srv.URL), Redact: red})

	const query = "a=1&token=tok-9&session=s-1&signature=ab"
	_, id, _ := tl.post(t, "/hook?"+query, []byte(`{"x":1}`), secretRequest)
	waitUntil(t, "the forward", func() bool { return len(app.got()) == 1 })

	got := app.got()[0]
	for name, v := range secretRequest {
		if g := got.Header.Get(name); g != v {
			t.Errorf("app got %s %q, want %q as sent", name, g, v)
		}
	}
	if got.RawQuery != query {
		t.Errorf("app got query %q, want %q", got.RawQuery, query)
	}

	wantQuery := "a=1&token=" + store.Redacted + "&session=" + store.Redacted + "&signature=ab"
	check := func(where string, ev *payloads.Event) {
		for name := range secretRequest {
			if g := ev.Headers.Get(name); g != store.Redacted {
				t.Errorf("%s: %s = %q, want %q", where, name, g, store.Redacted)
			}
		}
		if ev.Query != wantQuery {
			t.Errorf("%s: query %q, want %q", where, ev.Query, wantQuery)
		}
	}
	check("history", tl.stored(t, id))
	select {
	case ev := <-console.C():
		check("console subscription", ev)
	case <-time.After(5 * time.Second):
		t.Fatal("the console's subscription got nothing")
	}

	a := attemptsOf(t, tl.Store, id, 1)[0]
	if !AttemptOK(a) || a.Warning != "" {
		t.Fatalf("forward attempt %+v, want a 2xx with no warning", a)
	}
	if strings.Contains(a.Target, "tok-9") || strings.Contains(a.Target, "s-1") || !strings.Contains(a.Target, "token="+store.Redacted) {
		t.Errorf("attempt target %q keeps a secret query value (or lost the name)", a.Target)
	}
}

// TestForwardOfAStoredEventSaysWhatItCouldNotRestore: an event as the history keeps
// it (what a forwarder reads back once the app fell behind) goes out without the
// redacted headers and query parameters, never with the placeholder, and the attempt
// names them.
func TestForwardOfAStoredEventSaysWhatItCouldNotRestore(t *testing.T) {
	app := newTestApp(t, nil)
	tl := startListener(t, Config{})
	startForwarder(t, tl, ForwardConfig{Targets: mustTargets(t, app.srv.URL)})
	stored := storeEvent(t, tl.Store, &payloads.Event{
		Method: "POST", Path: "/hook", Query: "a=1&token=" + store.Redacted,
		Headers: http.Header{"Authorization": {store.Redacted}, "Cookie": {store.Redacted}, "Content-Type": {"application/json"}},
		Body:    []byte(`{}`),
	})
	tl.Hub.Publish(stored)
	waitUntil(t, "the forward", func() bool { return len(app.got()) == 1 })
	got := app.got()[0]
	if _, ok := got.Header["Authorization"]; ok {
		t.Errorf("app got Authorization %q; want it left out", got.Header.Get("Authorization"))
	}
	if _, ok := got.Header["Cookie"]; ok {
		t.Error("app got a Cookie; want it left out")
	}
	if got.RawQuery != "a=1" {
		t.Errorf("app got query %q, want a=1", got.RawQuery)
	}
	a := attemptsOf(t, tl.Store, stored.ID, 1)[0]
	for _, name := range []string{"Authorization", "Cookie", "?token"} {
		if !strings.Contains(a.Warning, name) {
			t.Errorf("attempt warning %q does not name %s", a.Warning, name)
		}
	}
}

// TestReplayNamesWhatItCouldNotRestore: a replay of a stored event reports the
// headers and query parameters it sent without, in the result and the attempt.
func TestReplayNamesWhatItCouldNotRestore(t *testing.T) {
	app := newTestApp(t, nil)
	tl := startListener(t, Config{Redact: redactionForTest(t)})
	_, id, _ := tl.post(t, "/hook?token=tok-9&b=2", []byte(`{"x":1}`), secretRequest)

	var results []ReplayResult
	r := newReplayer(t, ReplayConfig{History: tl.Store, Targets: mustTargets(t, app.srv.URL), Mode: ReplayCaptured,
		Progress: func(p ReplayProgress) { results = append(results, p.Results...) }})
	if _, err := r.ReplayIDs(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 || !results[0].OK() {
		t.Fatalf("results %+v", results)
	}
	want := []string{"Authorization", "Cookie", "X-Api-Key", "X-My-Secret", "?token"}
	if got := results[0].Unrestored; !slices.Equal(got, want) {
		t.Errorf("Unrestored %q, want %q", got, want)
	}
	got := app.got()[0]
	for name := range secretRequest {
		if v, ok := got.Header[name]; ok {
			t.Errorf("replay sent %s %q; want it left out", name, v)
		}
	}
	if got.RawQuery != "b=2" {
		t.Errorf("replay sent query %q, want b=2", got.RawQuery)
	}
	a := attemptsOf(t, tl.Store, id, 1)[0]
	if !strings.Contains(a.Warning, "Authorization") || !strings.Contains(a.Warning, "?token") {
		t.Errorf("attempt warning %q does not name what was left out", a.Warning)
	}
}

// TestReplayRestoresTheTelegramTokenWhenTheSecretsAllow: the one redacted value a
// replay can give back is Telegram's token, which is the configured secret.
func TestReplayRestoresTheTelegramTokenWhenTheSecretsAllow(t *testing.T) {
	const token = "bot-secret_token-1"
	for _, withSecrets := range []bool{true, false} {
		app := newTestApp(t, nil)
		st := openTestStore(t)
		ev := storeEvent(t, st, &payloads.Event{Method: "POST", Path: "/tg",
			Headers: http.Header{"X-Telegram-Bot-Api-Secret-Token": {token}, "Content-Type": {"application/json"}},
			Body:    []byte(`{"update_id":1}`)}, "other", token)
		cfg := ReplayConfig{History: st, Targets: mustTargets(t, app.srv.URL), Mode: ReplayCaptured}
		if withSecrets {
			cfg.Secrets = ListenerSecrets([]string{"other", token}, nil)
		}
		var res []ReplayResult
		cfg.Progress = func(p ReplayProgress) { res = append(res, p.Results...) }
		if _, err := newReplayer(t, cfg).ReplayIDs(context.Background(), ev.ID); err != nil {
			t.Fatal(err)
		}
		got := app.got()[0].Header.Values("X-Telegram-Bot-Api-Secret-Token")
		unrestored := fmt.Sprint(res[0].Unrestored)
		switch {
		case withSecrets && (fmt.Sprint(got) != fmt.Sprint([]string{token}) || unrestored != "[]"):
			t.Errorf("with the secrets: sent %q, unrestored %s; want the token, nothing unrestored", got, unrestored)
		case !withSecrets && (len(got) != 0 || unrestored != "[X-Telegram-Bot-Api-Secret-Token]"):
			t.Errorf("without the secrets: sent %q, unrestored %s; want it left out and named", got, unrestored)
		}
	}
}

func TestOutgoingURLLeavesOutRedactedParameters(t *testing.T) {
	R := store.Redacted
	cases := []struct {
		in, want string
		dropped  []string
	}{
		{"http://a/x", "http://a/x", nil},
		{"http://a/x?t=1", "http://a/x?t=1", nil},
		{"http://a/x?token=" + R, "http://a/x", []string{"?token"}},
		{"http://a/x?a=1&token=" + R + "&b=2#f", "http://a/x?a=1&b=2#f", []string{"?token"}},
		{"http://a/x?key=" + R + "&secret=" + R, "http://a/x", []string{"?key", "?secret"}},
	}
	for _, c := range cases {
		got, dropped := outgoingURL(c.in)
		if got != c.want || !slices.Equal(dropped, c.dropped) {
			t.Errorf("outgoingURL(%q) = %q, %q; want %q, %q", c.in, got, dropped, c.want, c.dropped)
		}
	}
}
