package tunnel

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
)

// fastRetry is the default policy scaled down for tests.
var fastRetry = RetryPolicy{First: 20 * time.Millisecond, Max: 100 * time.Millisecond, For: time.Minute}

// bodiesInOrder says whether the app got exactly want's bodies, in that order.
func bodiesInOrder(app *testApp, want [][]byte) (bool, string) {
	got := app.got()
	var seen []string
	for _, r := range got {
		seen = append(seen, string(r.Body[:min(len(r.Body), 60)]))
	}
	if len(got) != len(want) {
		return false, fmt.Sprintf("%d requests: %q", len(got), seen)
	}
	for i := range want {
		if string(got[i].Body) != string(want[i]) {
			return false, fmt.Sprintf("request %d out of order: %q", i, seen)
		}
	}
	return true, ""
}

// An app down for a while, then up, gets every event in arrival order without a key
// press: the head event is retried, and nothing newer overtakes it.
func TestForwardRetriesInOrderUntilTheAppIsBack(t *testing.T) {
	addr := closedAddr(t)
	tl := startListener(t, Config{})
	f := startForwarder(t, tl, ForwardConfig{Targets: mustTargets(t, "http://"+addr+"/hooks"), Retry: fastRetry})
	var bodies [][]byte
	for i := range 6 {
		b := dexatelDelivery(i, 100)
		bodies = append(bodies, b)
		tl.post(t, "/dexatel", b, nil)
	}
	waitUntil(t, "a retry pending", func() bool {
		h := f.Health()[0]
		return !h.NextRetry.IsZero() && h.Failed >= 2 && h.Backlog() == 6
	})
	if h := f.Health()[0]; h.Retrying != 1 || !strings.Contains(h.Summary(), "retry in") {
		t.Fatalf("while down: health %+v %q", h, h.Summary())
	}
	app := startTestAppOn(t, addr, nil)
	waitUntil(t, "all 6 delivered", func() bool { return len(app.got()) == 6 })
	if ok, why := bodiesInOrder(app, bodies); !ok {
		t.Fatal(why)
	}
	// The app counts a request before the forwarder has its answer: wait for that.
	waitUntil(t, "the last answer taken", func() bool { return f.Health()[0].Backlog() == 0 })
	if h := f.Health()[0]; h.State != HealthOK || h.Backlog() != 0 || !h.NextRetry.IsZero() {
		t.Fatalf("after: health %+v", h)
	}
}

// A 4xx other than 408/429 is the app's final word: recorded once, and the next event
// goes on at once.
func TestForwardA400IsFinalAndDoesNotBlockTheQueue(t *testing.T) {
	var calls atomic.Int32
	app := newTestApp(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			http.Error(w, "bad event", http.StatusBadRequest)
		}
	})
	tl := startListener(t, Config{})
	startForwarder(t, tl, ForwardConfig{Targets: mustTargets(t, app.srv.URL), Retry: fastRetry})
	_, first, _ := tl.post(t, "/", dexatelDelivery(0, 100), nil)
	_, second, _ := tl.post(t, "/", dexatelDelivery(1, 100), nil)
	waitUntil(t, "the second delivered", func() bool { return len(app.got()) == 2 })
	time.Sleep(3 * fastRetry.Max) // a retry of the 400 would come by now
	if n := len(app.got()); n != 2 {
		t.Fatalf("app got %d requests; a 400 must not be retried", n)
	}
	if a := attemptsOf(t, tl.Store, first, 1); a[0].Status != 400 {
		t.Fatalf("first: %+v", a)
	}
	attemptsOf(t, tl.Store, second, 1)
}

// 5xx, 408 and 429 are retried; 429's Retry-After is honoured.
func TestForwardRetriesServerErrorsHonouringRetryAfter(t *testing.T) {
	var calls atomic.Int32
	var times []time.Time
	app := newTestApp(t, func(w http.ResponseWriter, r *http.Request) {
		times = append(times, time.Now())
		switch calls.Add(1) {
		case 1:
			w.WriteHeader(http.StatusInternalServerError)
		case 2:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		case 3:
			w.WriteHeader(http.StatusRequestTimeout)
		}
	})
	tl := startListener(t, Config{})
	var results []ForwardResult
	var mu = make(chan struct{}, 1)
	mu <- struct{}{}
	startForwarder(t, tl, ForwardConfig{Targets: mustTargets(t, app.srv.URL), Retry: fastRetry,
		OnAttempt: func(r ForwardResult) { <-mu; results = append(results, r); mu <- struct{}{} }})
	_, id, _ := tl.post(t, "/", dexatelDelivery(0, 100), nil)
	waitUntil(t, "four tries", func() bool { return len(attemptsOf(t, tl.Store, id, -1)) == 4 })
	got := attemptsOf(t, tl.Store, id, 4)
	if got[0].Status != 500 || got[1].Status != 429 || got[2].Status != 408 || got[3].Status != 200 {
		t.Fatalf("attempts %v %v %v %v", got[0].Status, got[1].Status, got[2].Status, got[3].Status)
	}
	if wait := times[2].Sub(times[1]); wait < 900*time.Millisecond {
		t.Fatalf("Retry-After: 1 was not honoured: retried after %s", wait)
	}
	waitUntil(t, "the results reported", func() bool { <-mu; n := len(results); mu <- struct{}{}; return n == 4 })
	<-mu
	defer func() { mu <- struct{}{} }()
	for i, r := range results {
		if r.Try != i+1 || (i < 3) == r.NextRetry.IsZero() {
			t.Fatalf("result %d: try %d next %v", i, r.Try, r.NextRetry)
		}
	}
}

// Retries end after the policy's time; the event is then forward-failed and the queue
// goes on.
func TestForwardGivesUpAfterTheRetryTime(t *testing.T) {
	first := dexatelDelivery(0, 100)
	app := newTestApp(t, func(w http.ResponseWriter, r *http.Request) {
		if body, _ := io.ReadAll(r.Body); string(body) == string(first) {
			w.WriteHeader(http.StatusBadGateway) // always, for the first event only
		}
	})
	tl := startListener(t, Config{})
	f := startForwarder(t, tl, ForwardConfig{Targets: mustTargets(t, app.srv.URL),
		Retry: RetryPolicy{First: 20 * time.Millisecond, Max: 40 * time.Millisecond, For: 150 * time.Millisecond}})
	_, firstID, _ := tl.post(t, "/", first, nil)
	_, second, _ := tl.post(t, "/", dexatelDelivery(1, 100), nil)
	waitUntil(t, "the second delivered", func() bool { return f.Health()[0].Delivered == 1 })
	tries := attemptsOf(t, tl.Store, firstID, -1)
	if len(tries) < 3 || AttemptOK(tries[len(tries)-1]) {
		t.Fatalf("first: %d tries", len(tries))
	}
	if !AttemptOK(attemptsOf(t, tl.Store, second, 1)[0]) {
		t.Fatal("second not delivered")
	}
	if failed := f.Failed(); len(failed) != 1 || failed[0].ID != firstID {
		t.Fatalf("Failed() = %+v", failed)
	}
}

// RetryNow (R in the console) tries a waiting event at once.
func TestForwardRetryNow(t *testing.T) {
	addr := closedAddr(t)
	tl := startListener(t, Config{})
	f := startForwarder(t, tl, ForwardConfig{Targets: mustTargets(t, "http://"+addr),
		Retry: RetryPolicy{First: time.Hour, Max: time.Hour, For: 2 * time.Hour}})
	tl.post(t, "/", dexatelDelivery(0, 100), nil)
	waitUntil(t, "waiting an hour", func() bool { return !f.Health()[0].NextRetry.IsZero() })
	app := startTestAppOn(t, addr, nil)
	if !f.RetryNow() {
		t.Fatal("RetryNow found nothing waiting")
	}
	waitUntil(t, "delivered after RetryNow", func() bool { return len(app.got()) == 1 })
	if f.RetryNow() {
		t.Fatal("RetryNow with nothing waiting")
	}
}

// Pending forwards survive a restart: a forwarder started again on the same history
// resumes after its cursor, in order, and sends nothing twice.
func TestForwardResumesPendingEventsAfterARestart(t *testing.T) {
	addr := closedAddr(t)
	tl := startListener(t, Config{})
	tl.Hub.ReadBehind(storeRange(tl.Store)) // as the listener's own hub: events can be read back
	targets := mustTargets(t, "http://"+addr+"/hooks")
	var pending atomic.Int32
	f1, err := NewForwarder(ForwardConfig{Targets: targets, Recorder: tl.Store, Retry: fastRetry,
		OnAttempt: func(r ForwardResult) {
			if r.Pending {
				pending.Add(1)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	f1.Start(tl.Hub)
	var bodies [][]byte
	var ids []string
	for i := range 5 {
		b := dexatelDelivery(i, 100)
		bodies = append(bodies, b)
		_, id, _ := tl.post(t, "/x", b, nil)
		ids = append(ids, id)
	}
	waitUntil(t, "the first retried", func() bool { return f1.Health()[0].Failed >= 2 })
	// A restart: this forwarder stops (as a listener does at exit), another starts on
	// the same history.
	tl.Hub.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	stopErr := f1.Stop(ctx)
	cancel()
	if stopErr == nil || !strings.Contains(stopErr.Error(), "forwarded when dexra-tui starts again") {
		t.Fatalf("Stop: %v", stopErr)
	}
	// The event waiting to retry and those queued behind it are left to the next start:
	// no attempt says they were given up.
	if n := len(attemptsOf(t, tl.Store, ids[4], -1)); n != 0 {
		t.Fatalf("an event never tried was recorded %d times at Stop", n)
	}
	_ = pending.Load()
	for i := 5; i < 7; i++ { // while no forwarder runs
		b := dexatelDelivery(i, 100)
		bodies = append(bodies, b)
		ev := &payloads.Event{Received: time.Now().UTC(), Direction: payloads.Inbound, Method: "POST", Path: "/x", Body: b, Status: 200}
		payloads.Analyze(ev, payloads.VerifyConfig{})
		if err := tl.Store.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	app := startTestAppOn(t, addr, nil)
	hub := NewHub()
	hub.ReadBehind(storeRange(tl.Store))
	f2, err := NewForwarder(ForwardConfig{Targets: targets, Recorder: tl.Store, Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	f2.Start(hub)
	defer func() { hub.Close(); f2.Stop(context.Background()) }()
	waitUntil(t, "all 7 delivered", func() bool { return len(app.got()) >= 7 })
	time.Sleep(50 * time.Millisecond)
	if ok, why := bodiesInOrder(app, bodies); !ok {
		t.Fatal(why)
	}
	// A third start sends nothing again: everything is settled.
	hub.Close()
	f2.Stop(context.Background())
	hub3 := NewHub()
	hub3.ReadBehind(storeRange(tl.Store))
	f3, _ := NewForwarder(ForwardConfig{Targets: targets, Recorder: tl.Store, Retry: fastRetry})
	f3.Start(hub3)
	time.Sleep(100 * time.Millisecond)
	hub3.Close()
	if err := f3.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(app.got()); n != 7 {
		t.Fatalf("a restart with nothing pending sent %d requests", n-7)
	}
}

// storeRange reads stored events by seq, as the listener's hub does.
func storeRange(st *store.Store) HistoryRange {
	return func(from, to uint64, limit int) ([]*payloads.Event, error) {
		page, err := st.List(store.ListOptions{Cursor: from - 1, Limit: limit, OldestFirst: true, WithBody: true})
		if err != nil {
			return nil, err
		}
		evs := page.Events
		for len(evs) > 0 && evs[len(evs)-1].Seq > to {
			evs = evs[:len(evs)-1]
		}
		return evs, nil
	}
}
