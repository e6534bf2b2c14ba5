package tunnel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
)

func newReplayer(t testing.TB, cfg ReplayConfig) *Replayer {
	t.Helper()
	r, err := NewReplayer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// dexatelEvent stores a Dexatel delivery signed with testSecret.
func dexatelEvent(t testing.TB, st *store.Store, path string, n int) *payloads.Event {
	t.Helper()
	body := dexatelDelivery(n, 150)
	return storeEvent(t, st, &payloads.Event{Method: "POST", Path: path,
		Headers: http.Header{"X-Dexatel-Signature": {signDexatel(testSecret, body)}, "Content-Type": {"application/json"}},
		Body:    body}, testSecret)
}

func TestReplayCapturedSendsTheEventAsReceived(t *testing.T) {
	st := openTestStore(t)
	ev := dexatelEvent(t, st, "/dexatel", 1)
	app := newTestApp(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	var progress []ReplayProgress
	rp := newReplayer(t, ReplayConfig{History: st, Targets: mustTargets(t, app.srv.URL+"/hooks"),
		Progress: func(p ReplayProgress) { progress = append(progress, p) }})
	sum, err := rp.ReplayIDs(context.Background(), ev.ID)
	if err != nil || sum.Events != 1 || sum.Sent != 1 || sum.OK != 1 || sum.Failed != 0 || sum.Stale != 0 {
		t.Fatalf("summary %+v, %v", sum, err)
	}
	reqs := app.got()
	if len(reqs) != 1 || !bytes.Equal(reqs[0].Body, ev.Body) || reqs[0].Path != "/hooks" ||
		reqs[0].Header.Get("X-Dexatel-Signature") != ev.Headers.Get("X-Dexatel-Signature") ||
		reqs[0].Header.Get("X-Forwarded-For") != "203.0.113.7" {
		t.Fatalf("app got %+v", reqs)
	}
	if len(progress) != 1 || progress[0].Done != 1 || progress[0].Total != 1 || progress[0].Results[0].Mode != ReplayCaptured {
		t.Errorf("progress %+v", progress)
	}
	a := attemptsOf(t, st, ev.ID, 1)[0]
	if a.Mode != "captured" || a.Status != 204 || a.Target != app.srv.URL+"/hooks" || a.Warning != "" {
		t.Errorf("recorded attempt %+v", a)
	}
}

func TestReplayDefaultModeResignsOnlyTimestampedSchemes(t *testing.T) {
	st := openTestStore(t)
	old := time.Now().Add(-time.Hour)
	dex := dexatelEvent(t, st, "/", 1)
	stripeEv := stripeEvent(t, st, "whsec_stripe", old)
	app := newTestApp(t, nil)
	rp := newReplayer(t, ReplayConfig{History: st, Targets: mustTargets(t, app.srv.URL), Secret: "whsec_stripe"})
	var modes []ReplayMode
	rp.cfg.Progress = func(p ReplayProgress) { modes = append(modes, p.Results[0].Mode) }
	if _, err := rp.ReplayIDs(context.Background(), dex.ID, stripeEv.ID); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(modes) != "[captured resign]" {
		t.Errorf("modes %v; want captured for dexatel, resign for stripe", modes)
	}
	reqs := app.got()
	if reqs[0].Header.Get("X-Dexatel-Signature") != dex.Headers.Get("X-Dexatel-Signature") {
		t.Error("the dexatel event was not sent with its captured signature")
	}
	if reqs[1].Header.Get("Stripe-Signature") == stripeEv.Headers.Get("Stripe-Signature") {
		t.Error("the stripe event was not re-signed")
	}
}

func TestReplayCapturedOfAnOldTimestampedEventIsStale(t *testing.T) {
	st := openTestStore(t)
	old := stripeEvent(t, st, "whsec_stripe", time.Now().Add(-10*time.Minute))
	fresh := stripeEvent(t, st, "whsec_stripe", time.Now())
	app := newTestApp(t, nil)
	rp := newReplayer(t, ReplayConfig{History: st, Targets: mustTargets(t, app.srv.URL), Mode: ReplayCaptured})
	var results []ReplayResult
	rp.cfg.Progress = func(p ReplayProgress) { results = append(results, p.Results...) }
	sum, err := rp.ReplayIDs(context.Background(), old.ID, fresh.ID)
	if err != nil || sum.Stale != 1 || sum.OK != 2 {
		t.Fatalf("summary %+v, %v; want one stale, both sent", sum, err)
	}
	if !results[0].Stale() || !strings.Contains(results[0].Attempt.Warning, "beyond the 5m0s tolerance") || results[1].Stale() {
		t.Errorf("warnings %q / %q", results[0].Attempt.Warning, results[1].Attempt.Warning)
	}
	if a := attemptsOf(t, st, old.ID, 1)[0]; !strings.HasPrefix(a.Warning, "stale:") {
		t.Errorf("the recorded attempt does not carry the warning: %+v", a)
	}
	// And the app would indeed reject it: the captured header is as received.
	if reqs := app.got(); reqs[0].Header.Get("Stripe-Signature") != old.Headers.Get("Stripe-Signature") {
		t.Error("captured replay changed the signature")
	}
}

func TestReplayNotFoundAndNoTargetAreCountedAsFailed(t *testing.T) {
	st := openTestStore(t)
	ev := dexatelEvent(t, st, "/other", 1)
	app := newTestApp(t, nil)
	rp := newReplayer(t, ReplayConfig{History: st, Targets: mustTargets(t, "/dexatel="+app.srv.URL)})
	var results []ReplayResult
	rp.cfg.Progress = func(p ReplayProgress) { results = append(results, p.Results...) }
	sum, err := rp.ReplayIDs(context.Background(), "01NOPE", ev.ID)
	if err != nil || sum.Failed != 2 || sum.Sent != 0 || sum.OK != 0 {
		t.Fatalf("summary %+v, %v", sum, err)
	}
	if !errors.Is(results[0].Err, store.ErrNotFound) || !strings.Contains(results[1].Err.Error(), "no target covers path \"/other\"") {
		t.Errorf("errors %v / %v", results[0].Err, results[1].Err)
	}
	if len(app.got()) != 0 {
		t.Error("something was sent")
	}
}

func TestReplayRecordsTheAppsAnswersAndKeepsOrder(t *testing.T) {
	st := openTestStore(t)
	var ids []string
	for i := range 40 {
		ids = append(ids, dexatelEvent(t, st, "/", i).ID)
	}
	app := newTestApp(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch {
		case bytes.Contains(body, []byte("000000000013")):
			http.Error(w, "bad input", http.StatusUnprocessableEntity)
		case bytes.Contains(body, []byte("000000000027")):
			http.Error(w, "boom", http.StatusInternalServerError)
		default:
			io.WriteString(w, "ok")
		}
	})
	rp := newReplayer(t, ReplayConfig{History: st, Targets: mustTargets(t, app.srv.URL)})
	var done []int
	rp.cfg.Progress = func(p ReplayProgress) { done = append(done, p.Done) }
	sum, err := rp.ReplayFilter(context.Background(), "")
	if err != nil || sum.Events != 40 || sum.OK != 38 || sum.Failed != 2 || sum.Rate() <= 0 {
		t.Fatalf("summary %+v, %v", sum, err)
	}
	for i, r := range app.got() {
		if !bytes.Equal(r.Body, dexatelDelivery(i, 150)) {
			t.Fatalf("request %d out of order", i)
		}
	}
	if len(done) != 40 || done[39] != 40 {
		t.Errorf("progress %v", done)
	}
	a := attemptsOf(t, st, ids[13], 1)[0]
	if a.Status != 422 || !strings.Contains(string(a.ResponseBody), "bad input") {
		t.Errorf("4xx attempt %+v", a)
	}
	a = attemptsOf(t, st, ids[27], 1)[0]
	if a.Status != 500 || AttemptOK(a) {
		t.Errorf("5xx attempt %+v", a)
	}
}

func TestReplayFilterPicksMatchingEventsOldestFirst(t *testing.T) {
	st := openTestStore(t)
	var want []string
	for i := range 6 {
		path := "/a"
		if i%2 == 1 {
			path = "/b"
		}
		ev := dexatelEvent(t, st, path, i)
		if path == "/b" {
			want = append(want, ev.ID)
		}
	}
	ids, err := MatchingIDs(st, "path:/b")
	if err != nil || fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Fatalf("MatchingIDs = %v, %v; want %v", ids, err, want)
	}
	app := newTestApp(t, nil)
	sum, err := newReplayer(t, ReplayConfig{History: st, Targets: mustTargets(t, app.srv.URL)}).ReplayFilter(context.Background(), "path:/b")
	if err != nil || sum.OK != 3 || len(app.got()) != 3 {
		t.Fatalf("summary %+v, %v, app got %d", sum, err, len(app.got()))
	}
	if _, err := MatchingIDs(st, "nokey:x"); err == nil {
		t.Error("a bad filter was accepted")
	}
}

func TestReplayConcurrencyRunsNAtOnce(t *testing.T) {
	st := openTestStore(t)
	var ids []string
	for i := range 12 {
		ids = append(ids, dexatelEvent(t, st, "/", i).ID)
	}
	app := newTestApp(t, func(w http.ResponseWriter, r *http.Request) { time.Sleep(30 * time.Millisecond) })
	sum, err := newReplayer(t, ReplayConfig{History: st, Targets: mustTargets(t, app.srv.URL), Concurrency: 4}).ReplayIDs(context.Background(), ids...)
	if err != nil || sum.OK != 12 {
		t.Fatalf("%+v %v", sum, err)
	}
	if m := app.maxInFlight(); m != 4 {
		t.Errorf("%d in flight at once, want 4", m)
	}
}

func TestReplayThroughTheControlSocketRecordsAttempts(t *testing.T) {
	st, client, _ := controlFixture(t)
	page, err := st.List(store.ListOptions{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	id := page.Events[0].ID
	app := newTestApp(t, nil)
	sum, err := newReplayer(t, ReplayConfig{History: client, Targets: mustTargets(t, app.srv.URL)}).ReplayIDs(context.Background(), id)
	if err != nil || sum.OK != 1 {
		t.Fatalf("%+v %v", sum, err)
	}
	ev, err := st.Get(id)
	if err != nil || len(ev.Attempts) != 1 || ev.Attempts[0].Status != 200 {
		t.Fatalf("attempts in the store: %+v, %v", ev, err)
	}
	if !bytes.Equal(app.got()[0].Body, ev.Body) {
		t.Error("body changed through the socket")
	}
}

func TestReplayCancelStopsAndSays(t *testing.T) {
	st := openTestStore(t)
	var ids []string
	for i := range 5 {
		ids = append(ids, dexatelEvent(t, st, "/", i).ID)
	}
	ctx, cancel := context.WithCancel(context.Background())
	app := newTestApp(t, func(w http.ResponseWriter, r *http.Request) { cancel() })
	sum, err := newReplayer(t, ReplayConfig{History: st, Targets: mustTargets(t, app.srv.URL)}).ReplayIDs(ctx, ids...)
	if err == nil || !errors.Is(err, context.Canceled) || sum.Events >= 5 {
		t.Fatalf("summary %+v, err %v; want a stop after the cancel", sum, err)
	}
}

func TestFailedForwardURLs(t *testing.T) {
	at := func(s int) time.Time { return time.Unix(1000+int64(s), 0) }
	ev := &payloads.Event{Attempts: []payloads.Attempt{
		{Target: "http://a/x", Mode: ModeForward, At: at(1), Error: "connection refused"},
		{Target: "http://b/x", Mode: ModeForward, At: at(1), Status: 500},
		{Target: "http://c/x", Mode: ModeForward, At: at(1), Status: 200},
		{Target: "http://d/x", Mode: "resign", At: at(1), Status: 500}, // never forwarded there
		{Target: "http://a/x", Mode: "captured", At: at(2), Status: 200},
		{Target: "http://b/x", Mode: "captured", At: at(0), Status: 200}, // older than the failure
	}}
	if got := FailedForwardURLs(ev); fmt.Sprint(got) != "[http://b/x]" {
		t.Errorf("FailedForwardURLs = %v", got)
	}
}

func TestParseReplayMode(t *testing.T) {
	for in, want := range map[string]ReplayMode{"": ReplayAuto, "auto": ReplayAuto, "Captured": ReplayCaptured, "resign": ReplayResign, "edited": ReplayEdited} {
		if got, err := ParseReplayMode(in); err != nil || got != want {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
	if _, err := ParseReplayMode("signed"); err == nil {
		t.Error("unknown mode accepted")
	}
	if _, err := NewReplayer(ReplayConfig{History: openTestStore(t), Mode: ReplayEdited}); err == nil {
		t.Error("a replay run in edited mode accepted")
	}
}

// concurrent progress callbacks must never overlap: Replay calls it from one goroutine.
func TestReplayProgressIsSerialized(t *testing.T) {
	st := openTestStore(t)
	var ids []string
	for i := range 30 {
		ids = append(ids, dexatelEvent(t, st, "/", i).ID)
	}
	app := newTestApp(t, nil)
	var mu sync.Mutex
	inside, overlap := 0, false
	rp := newReplayer(t, ReplayConfig{History: st, Targets: mustTargets(t, app.srv.URL), Concurrency: 8,
		Progress: func(ReplayProgress) {
			mu.Lock()
			inside++
			overlap = overlap || inside > 1
			mu.Unlock()
			time.Sleep(time.Millisecond)
			mu.Lock()
			inside--
			mu.Unlock()
		}})
	if _, err := rp.ReplayIDs(context.Background(), ids...); err != nil {
		t.Fatal(err)
	}
	if overlap {
		t.Error("progress callbacks overlapped")
	}
}

func TestReplayRefusesEventsTheListenerRefused(t *testing.T) {
	st := openTestStore(t)
	ev := storeEvent(t, st, &payloads.Event{Method: "POST", Path: "/"})
	// A refused upload, as the listener records it: no body.
	refused := &payloads.Event{Method: "POST", Path: "/", Received: time.Now().UTC(), Status: 413, Rejected: "body exceeds 100 bytes"}
	if err := st.Append(refused); err != nil {
		t.Fatal(err)
	}
	app := newTestApp(t, nil)
	rp := newReplayer(t, ReplayConfig{History: st, Appender: st, Targets: mustTargets(t, app.srv.URL)})
	var results []ReplayResult
	rp.cfg.Progress = func(p ReplayProgress) { results = append(results, p.Results...) }
	sum, _ := rp.ReplayIDs(context.Background(), refused.ID, ev.ID)
	if sum.Failed != 1 || sum.OK != 1 || !errors.Is(results[0].Err, errRejected) {
		t.Errorf("summary %+v, first %v", sum, results[0].Err)
	}
	if _, err := rp.ReplayEdited(context.Background(), refused.ID, []byte(`{}`), ""); !errors.Is(err, errRejected) {
		t.Errorf("edited replay of a refused event: %v", err)
	}
}
