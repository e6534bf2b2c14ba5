package tunnel

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store"
)

func TestForwardKeepsBytesHeadersAndSignature(t *testing.T) {
	app := newTestApp(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-App", "seen")
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, `{"handled":true}`)
	})
	tl := startListener(t, Config{Verify: payloads.VerifyConfig{Secrets: []string{testSecret}}})
	startForwarder(t, tl, ForwardConfig{Targets: mustTargets(t, app.srv.URL+"/hooks?env=dev")})

	// Bytes a re-serialization would change: spacing, key order, escapes, a trailing newline.
	body := []byte("{\"data\":{ \"event\":\"delivery\",\"text\":\"caf\\u00e9 \u00e9\",  \"a\":1}}\n")
	req, _ := http.NewRequest(http.MethodPost, tl.URL+"/dexatel/in?x=1&y=%20z", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("X-Dexatel-Signature", signDexatel(testSecret, body))
	req.Header.Add("X-Multi", "one")
	req.Header.Add("X-Multi", "two")
	req.Header.Set("Connection", "keep-alive, X-Hop")
	req.Header.Set("X-Hop", "must not pass")
	req.Header.Set("Keep-Alive", "timeout=5")
	req.Header.Set("User-Agent", "platform-webhooks/1.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	id := resp.Header.Get(EventIDHeader)

	attempts := attemptsOf(t, tl.Store, id, 1)
	reqs := app.got()
	if len(reqs) != 1 {
		t.Fatalf("app got %d requests, want 1", len(reqs))
	}
	got := reqs[0]
	if !bytes.Equal(got.Body, body) {
		t.Errorf("body changed:\n got %q\nwant %q", got.Body, body)
	}
	if got.Method != http.MethodPost || got.Path != "/hooks" || got.RawQuery != "env=dev&x=1&y=%20z" {
		t.Errorf("request line %s %s?%s, want the exact URL POST /hooks?env=dev&x=1&y=%%20z", got.Method, got.Path, got.RawQuery)
	}
	checks := map[string][]string{
		"X-Dexatel-Signature": {signDexatel(testSecret, body)},
		"Content-Type":        {"application/json; charset=utf-8"},
		"X-Multi":             {"one", "two"},
		"User-Agent":          {"platform-webhooks/1.0"},
		"X-Forwarded-For":     {"127.0.0.1"},
		"X-Forwarded-Host":    {strings.TrimPrefix(tl.URL, "http://")},
		"X-Forwarded-Proto":   {"http"},
		"X-Hop":               nil,
		"Keep-Alive":          nil,
		"Accept-Encoding":     {"gzip"}, // as the sender asked, so the app's answer is kept as sent
	}
	for name, want := range checks {
		if g := got.Header.Values(name); fmt.Sprint(g) != fmt.Sprint(want) && !(len(g) == 0 && len(want) == 0) {
			t.Errorf("header %s = %q, want %q", name, g, want)
		}
	}
	v := sig.Check("dexatel", sig.Request{Header: got.Header, Body: got.Body}, sig.Options{Secrets: []string{testSecret}})
	if v.Status != sig.Pass {
		t.Errorf("the app's own check of the forwarded request: %+v", v)
	}

	a := attempts[0]
	if a.Mode != ModeForward || a.Status != http.StatusAccepted || a.Error != "" || a.Target != app.srv.URL+"/hooks?env=dev&x=1&y=%20z" {
		t.Errorf("attempt %+v", a)
	}
	if string(a.ResponseBody) != `{"handled":true}` || a.ResponseHeaders.Get("X-App") != "seen" || a.Latency <= 0 || a.At.IsZero() {
		t.Errorf("attempt does not hold the app's answer: %+v", a)
	}
}

func TestForwardUserAgentIsNotAdded(t *testing.T) {
	app := newTestApp(t, nil)
	st := openTestStore(t)
	ev := storeEvent(t, st, &payloads.Event{Method: "POST", Path: "/", Headers: http.Header{"X-A": {"1"}}, Body: []byte("{}")})
	f, err := NewForwarder(ForwardConfig{Targets: mustTargets(t, app.srv.URL), Recorder: st})
	if err != nil {
		t.Fatal(err)
	}
	hub := NewHub()
	f.Start(hub)
	hub.Publish(ev)
	hub.Close()
	if err := f.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	reqs := app.got()
	if len(reqs) != 1 || reqs[0].Header.Get("X-A") != "1" || reqs[0].Header.Get("User-Agent") != "" || reqs[0].Header.Get("Accept-Encoding") != "" {
		t.Fatalf("app got %+v; want X-A and no User-Agent or Accept-Encoding (the sender sent neither)", reqs)
	}
}

func TestForwardKeepsArrivalOrderUnderABurst(t *testing.T) {
	app := newTestApp(t, nil)
	tl := startListener(t, Config{Verify: payloads.VerifyConfig{Secrets: []string{testSecret}}})
	startForwarder(t, tl, ForwardConfig{Targets: mustTargets(t, app.srv.URL)})

	const n, senders = 1000, 16
	var wg sync.WaitGroup
	next := make(chan int)
	go func() {
		for i := range n {
			next <- i
		}
		close(next)
	}()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders}}
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				body := dexatelDelivery(i, 200)
				req, _ := http.NewRequest(http.MethodPost, tl.URL+"/", bytes.NewReader(body))
				req.Header.Set("X-Dexatel-Signature", signDexatel(testSecret, body))
				resp, err := client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	waitUntil(t, "1000 forwards", func() bool { return len(app.got()) == n })

	stored := storedOldestFirst(t, tl.Store)
	reqs := app.got()
	if len(stored) != n {
		t.Fatalf("stored %d events", len(stored))
	}
	for i := range stored {
		if !bytes.Equal(stored[i].Body, reqs[i].Body) {
			t.Fatalf("forward %d is not the %dth event to arrive: got %.60q, want %.60q", i, i, reqs[i].Body, stored[i].Body)
		}
	}
	if m := app.maxInFlight(); m != 1 {
		t.Errorf("%d forwards were in flight at once; concurrency 1 means one", m)
	}
}

func TestForwardConcurrencyAllowsNInFlight(t *testing.T) {
	release := make(chan struct{})
	app := newTestApp(t, func(w http.ResponseWriter, r *http.Request) { <-release })
	tl := startListener(t, Config{})
	f := startForwarder(t, tl, ForwardConfig{Targets: mustTargets(t, app.srv.URL), Concurrency: 4})
	for i := range 8 {
		tl.post(t, "/", dexatelDelivery(i, 100), nil)
	}
	waitUntil(t, "4 forwards in flight", func() bool { return app.maxInFlight() == 4 })
	waitUntil(t, "health: 4 in flight, 4 queued", func() bool { h := f.Health()[0]; return h.InFlight == 4 && h.Queued == 4 })
	time.Sleep(50 * time.Millisecond)
	if m := app.maxInFlight(); m != 4 {
		t.Errorf("%d in flight, want at most 4", m)
	}
	close(release)
	waitUntil(t, "all 8 delivered", func() bool { return f.Health()[0].Delivered == 8 })
}

func TestForwardDownTargetNeverBlocksTheListenerThenFailedReplayInOrder(t *testing.T) {
	addr := closedAddr(t)
	tl := startListener(t, Config{Verify: payloads.VerifyConfig{Secrets: []string{testSecret}}})
	f := startForwarder(t, tl, ForwardConfig{Targets: mustTargets(t, "http://"+addr+"/hooks"), Retry: RetryPolicy{For: -1}})

	const n = 20
	ids := make([]string, n)
	start := time.Now()
	for i := range n {
		ids[i] = tl.postSigned(t, "/dexatel", dexatelDelivery(i, 200))
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the listener took %s for %d events while the target was down", took, n)
	}
	for _, id := range ids {
		a := attemptsOf(t, tl.Store, id, 1)[0]
		if a.Error != "connection refused" || a.Status != 0 || a.Mode != ModeForward {
			t.Fatalf("event %s: attempt %+v; want a forward-failed attempt (connection refused)", id, a)
		}
	}
	h := f.Health()[0]
	if h.State != HealthFailing || h.Failed != n || h.LastError != "connection refused" || !strings.Contains(h.Summary(), "connection refused") {
		t.Errorf("health %+v (%s)", h, h.Summary())
	}
	failed := f.Failed()
	if len(failed) != n {
		t.Fatalf("Failed() lists %d, want %d", len(failed), n)
	}
	for i, it := range failed {
		if it.ID != ids[i] || it.URL != "http://"+addr+"/hooks" {
			t.Fatalf("Failed()[%d] = %+v, want %s in arrival order", i, it, ids[i])
		}
	}
	fromHistory, err := FailedItems(tl.Store, "")
	if err != nil || fmt.Sprint(fromHistory) != fmt.Sprint(failed) {
		t.Fatalf("FailedItems = %v, %v; want the forwarder's list %v", fromHistory, err, failed)
	}

	// The app comes up; R replays what failed, in order.
	app := startTestAppOn(t, addr, nil)
	rp, err := NewReplayer(ReplayConfig{History: tl.Store, Forward: f, Secrets: ListenerSecrets([]string{testSecret}, nil)})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := rp.Replay(context.Background(), failed)
	if err != nil || sum.OK != n || sum.Failed != 0 {
		t.Fatalf("replay: %+v, %v", sum, err)
	}
	reqs := app.got()
	for i, r := range reqs {
		if want := dexatelDelivery(i, 200); !bytes.Equal(r.Body, want) || r.Path != "/hooks" {
			t.Fatalf("replay %d reached the app as %s %.50q; want arrival order", i, r.Path, r.Body)
		}
		if r.Header.Get("X-Dexatel-Signature") != signDexatel(testSecret, r.Body) {
			t.Fatalf("replay %d lost its signature", i)
		}
	}
	if len(f.Failed()) != 0 {
		t.Errorf("after the replays the forwarder still lists %v as failed", f.Failed())
	}
	if left, _ := FailedItems(tl.Store, ""); len(left) != 0 {
		t.Errorf("the history still lists %v as forward-failed", left)
	}
}

func TestForwardRecordsTheAppsErrors(t *testing.T) {
	app := newTestApp(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/missing") {
			http.Error(w, "no such hook", http.StatusNotFound)
			return
		}
		w.Header().Set("Retry-After", "3")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, strings.Repeat("E", ResponseLimit+10))
	})
	tl := startListener(t, Config{})
	f := startForwarder(t, tl, ForwardConfig{Targets: mustTargets(t, app.srv.URL+"/*"), Retry: RetryPolicy{For: -1}})
	_, id404, _ := tl.post(t, "/missing", []byte(`{}`), nil)
	_, id500, _ := tl.post(t, "/boom", []byte(`{}`), nil)

	a := attemptsOf(t, tl.Store, id404, 1)[0]
	if a.Status != 404 || a.Error != "" || !strings.Contains(string(a.ResponseBody), "no such hook") || AttemptOK(a) {
		t.Errorf("404 attempt %+v", a)
	}
	a = attemptsOf(t, tl.Store, id500, 1)[0]
	if a.Status != 500 || len(a.ResponseBody) != ResponseLimit || !a.ResponseTruncated || a.ResponseHeaders.Get("Retry-After") != "3" {
		t.Errorf("500 attempt: status %d, body %d bytes, truncated %v, headers %v", a.Status, len(a.ResponseBody), a.ResponseTruncated, a.ResponseHeaders)
	}
	waitUntil(t, "health to see both", func() bool { h := f.Health()[0]; return h.Failed == 2 })
	if h := f.Health()[0]; h.State != HealthFailing || h.LastStatus != 500 || h.Summary() != "failing: 500" {
		t.Errorf("health %+v %q", h, h.Summary())
	}
}

func TestForwardSlowTargetTimesOutAndDelaysNoOtherTarget(t *testing.T) {
	hang := make(chan struct{})
	defer close(hang)
	slow := newTestApp(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	})
	fast := newTestApp(t, nil)
	tl := startListener(t, Config{})
	startForwarder(t, tl, ForwardConfig{Targets: mustTargets(t, slow.srv.URL, fast.srv.URL), Timeout: 300 * time.Millisecond})
	var ids []string
	for i := range 5 {
		_, id, _ := tl.post(t, "/", dexatelDelivery(i, 100), nil)
		ids = append(ids, id)
	}
	waitUntil(t, "the fast target to get all 5", func() bool { return len(fast.got()) == 5 })
	if n := len(slow.got()); n > 2 {
		t.Errorf("the slow target already got %d; the fast one must not have waited for it", n)
	}
	attempts := attemptsOf(t, tl.Store, ids[0], 2)
	var timedOut bool
	for _, a := range attempts {
		if strings.HasPrefix(a.Target, slow.srv.URL) {
			timedOut = a.Error == "timeout: no answer within 300ms"
		}
	}
	if !timedOut {
		t.Errorf("attempts %+v; want a timeout on the slow target", attempts)
	}
}

func TestForwardRoutesByLongestPrefix(t *testing.T) {
	app := newTestApp(t, nil)
	tl := startListener(t, Config{})
	u := app.srv.URL
	startForwarder(t, tl, ForwardConfig{Targets: mustTargets(t,
		"/dexatel="+u+"/hooks/dexatel",
		"/dexatel/special="+u+"/special",
		u+"/all/*",
	)})
	for _, p := range []string{"/dexatel", "/dexatel/x/y", "/dexatel/special/1", "/dexatelx", "/"} {
		tl.post(t, p, []byte(`{}`), nil)
	}
	waitUntil(t, "5 forwards", func() bool { return len(app.got()) == 5 })
	var got []string
	for _, r := range app.got() {
		got = append(got, r.Path)
	}
	// Targets deliver independently: only the order within one target is kept.
	slices.Sort(got)
	want := []string{"/all", "/all/dexatelx", "/hooks/dexatel", "/hooks/dexatel/x/y", "/special/1"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("paths reached %v, want %v", got, want)
	}
}

func TestForwardFansOutToTargetsOfTheSamePrefix(t *testing.T) {
	a, b := newTestApp(t, nil), newTestApp(t, nil)
	tl := startListener(t, Config{})
	startForwarder(t, tl, ForwardConfig{Targets: mustTargets(t, a.srv.URL, b.srv.URL)})
	_, id, _ := tl.post(t, "/", []byte(`{}`), nil)
	attempts := attemptsOf(t, tl.Store, id, 2)
	if len(a.got()) != 1 || len(b.got()) != 1 || len(attempts) != 2 {
		t.Errorf("a got %d, b got %d, %d attempts; want one each", len(a.got()), len(b.got()), len(attempts))
	}
}

func TestForwardStopRecordsWhatItCouldNotDeliver(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	app := newTestApp(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	})
	tl := startListener(t, Config{})
	f, err := NewForwarder(ForwardConfig{Targets: mustTargets(t, app.srv.URL), Recorder: tl.Store})
	if err != nil {
		t.Fatal(err)
	}
	f.Start(tl.Hub)
	var ids []string
	for i := range 5 {
		_, id, _ := tl.post(t, "/", dexatelDelivery(i, 100), nil)
		ids = append(ids, id)
	}
	waitUntil(t, "one delivery in flight", func() bool { return len(app.got()) == 1 })
	tl.Hub.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err = f.Stop(ctx)
	if err == nil || !strings.Contains(err.Error(), "5 event(s)") {
		t.Errorf("Stop = %v; want it to say 5 events (1 in flight, 4 queued) were not delivered", err)
	}
	for _, id := range ids {
		ev := tl.stored(t, id)
		if len(ev.Attempts) != 1 || ev.Attempts[0].Error != abandonedError {
			t.Errorf("event %s attempts %+v; want one forward-failed attempt", id, ev.Attempts)
		}
	}
	if got := len(f.Failed()); got != 5 {
		t.Errorf("Failed() lists %d, want all 5", got)
	}
}

func TestForwardStopDrainsEverythingQueued(t *testing.T) {
	app := newTestApp(t, func(w http.ResponseWriter, r *http.Request) { time.Sleep(5 * time.Millisecond) })
	tl := startListener(t, Config{})
	f, err := NewForwarder(ForwardConfig{Targets: mustTargets(t, app.srv.URL), Recorder: tl.Store})
	if err != nil {
		t.Fatal(err)
	}
	f.Start(tl.Hub)
	for i := range 30 {
		tl.post(t, "/", dexatelDelivery(i, 100), nil)
	}
	tl.Hub.Close()
	if err := f.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(app.got()); n != 30 {
		t.Errorf("app got %d of 30 after Stop", n)
	}
	for _, ev := range storedOldestFirst(t, tl.Store) {
		if len(ev.Attempts) != 1 || !AttemptOK(ev.Attempts[0]) {
			t.Fatalf("event %s attempts %+v after Stop", ev.ID, ev.Attempts)
		}
	}
}

// TestForwardSendsTheTelegramTokenAsReceived: the history redacts the token, but the
// live forward sends it from the request in memory, whether secrets are configured or not.
func TestForwardSendsTheTelegramTokenAsReceived(t *testing.T) {
	const token = "bot-secret_token-1"
	for _, withSecrets := range []bool{true, false} {
		app := newTestApp(t, nil)
		tl := startListener(t, Config{Verify: payloads.VerifyConfig{Secrets: []string{"other", token}}})
		cfg := ForwardConfig{Targets: mustTargets(t, app.srv.URL)}
		if withSecrets {
			cfg.Secrets = ListenerSecrets([]string{"other", token}, nil)
		}
		startForwarder(t, tl, cfg)
		_, id, _ := tl.post(t, "/tg", []byte(`{"update_id":1}`), map[string]string{"X-Telegram-Bot-Api-Secret-Token": token})
		waitUntil(t, "the forward", func() bool { return len(app.got()) == 1 })
		if got := app.got()[0].Header.Values("X-Telegram-Bot-Api-Secret-Token"); fmt.Sprint(got) != fmt.Sprint([]string{token}) {
			t.Errorf("secrets configured %v: token header %q, want the token as received", withSecrets, got)
		}
		if got := tl.stored(t, id).Headers.Get("X-Telegram-Bot-Api-Secret-Token"); got != store.Redacted {
			t.Errorf("stored token %q, want it redacted", got)
		}
	}
}

func TestNewForwarderRefusesABadConfig(t *testing.T) {
	if _, err := NewForwarder(ForwardConfig{Recorder: openTestStore(t)}); err == nil {
		t.Error("no target accepted")
	}
	if _, err := NewForwarder(ForwardConfig{Targets: mustTargets(t, "3000")}); err == nil {
		t.Error("no recorder accepted")
	}
}

func TestForwardSkipsEventsTheListenerRefused(t *testing.T) {
	app := newTestApp(t, nil)
	tl := startListener(t, Config{MaxBody: 100})
	startForwarder(t, tl, ForwardConfig{Targets: mustTargets(t, app.srv.URL)})
	status, tooBig, _ := tl.post(t, "/", bytes.Repeat([]byte("x"), 500), nil)
	if status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d", status)
	}
	_, ok, _ := tl.post(t, "/", []byte(`{}`), nil)
	attemptsOf(t, tl.Store, ok, 1)
	if got := app.got(); len(got) != 1 || string(got[0].Body) != "{}" {
		t.Errorf("app got %+v; a refused event has no body to forward", got)
	}
	if ev := tl.stored(t, tooBig); len(ev.Attempts) != 0 {
		t.Errorf("the refused event has attempts %+v", ev.Attempts)
	}
}

func TestForwardLeavesEditedReplaysToTheReplay(t *testing.T) {
	app := newTestApp(t, nil)
	tl := startListener(t, Config{})
	startForwarder(t, tl, ForwardConfig{Targets: mustTargets(t, app.srv.URL)})
	_, id, _ := tl.post(t, "/", []byte(`{"n":1}`), nil)
	attemptsOf(t, tl.Store, id, 1)
	rp := newReplayer(t, ReplayConfig{History: tl.Store, Appender: tl.Store, Hub: tl.Hub, Targets: mustTargets(t, app.srv.URL)})
	out, err := rp.ReplayEdited(context.Background(), id, []byte(`{"n":2}`), "")
	if err != nil {
		t.Fatal(err)
	}
	_, id3, _ := tl.post(t, "/", []byte(`{"n":3}`), nil)
	attemptsOf(t, tl.Store, id3, 1)
	var bodies []string
	for _, r := range app.got() {
		bodies = append(bodies, string(r.Body))
	}
	if fmt.Sprint(bodies) != `[{"n":1} {"n":2} {"n":3}]` {
		t.Errorf("the app got %v; the edited request once, from the replay", bodies)
	}
	if ev := tl.stored(t, out.Derived.ID); len(ev.Attempts) != 1 || ev.Attempts[0].Mode != "edited" {
		t.Errorf("derived event attempts %+v", ev.Attempts)
	}
}

// A setup handshake is answered by the listener, so it is not forwarded: an app with
// no such route would fail it, and every later event would wait behind it.
func TestForwardLeavesHandshakesToTheListener(t *testing.T) {
	app := newTestApp(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusNotImplemented) // an app that only takes POSTs
		}
	})
	tl := startListener(t, Config{VerifyToken: "meatyhamhock"})
	startForwarder(t, tl, ForwardConfig{Targets: mustTargets(t, app.srv.URL)})
	resp, err := http.Get(tl.URL + "/whatsapp?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	meta := resp.Header.Get(EventIDHeader)
	_, slack, _ := tl.post(t, "/slack/events", []byte(`{"token":"t","challenge":"abc123","type":"url_verification"}`), nil)
	_, after, _ := tl.post(t, "/whatsapp", []byte(`{"after":1}`), nil)
	attemptsOf(t, tl.Store, after, 1)
	if got := app.got(); len(got) != 1 || string(got[0].Body) != `{"after":1}` {
		t.Errorf("app got %+v; only the webhook after the handshakes", got)
	}
	for _, id := range []string{meta, slack} {
		if ev := tl.stored(t, id); ev.Type != HandshakeType || len(ev.Attempts) != 0 {
			t.Errorf("handshake %s: type %q, attempts %+v; want no forward", id, ev.Type, ev.Attempts)
		}
	}
}
