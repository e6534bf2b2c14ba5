package tunnel

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
)

// appRequest is one request as the developer's app saw it.
type appRequest struct {
	Method, Path, RawQuery, Host string
	Header                       http.Header
	Body                         []byte
}

// testApp is a real local HTTP app that records every request in arrival order and
// answers with what answer decides (200 "ok" when nil).
type testApp struct {
	srv    *httptest.Server
	answer func(w http.ResponseWriter, r *http.Request)

	mu       sync.Mutex
	requests []appRequest
	inFlight int
	maxIn    int
}

func newTestApp(t testing.TB, answer func(w http.ResponseWriter, r *http.Request)) *testApp {
	t.Helper()
	app := &testApp{answer: answer}
	app.srv = httptest.NewServer(http.HandlerFunc(app.serve))
	t.Cleanup(app.srv.Close)
	return app
}

// startTestAppOn serves the app on addr (a port that was closed until now).
func startTestAppOn(t testing.TB, addr string, answer func(w http.ResponseWriter, r *http.Request)) *testApp {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on %s again: %v", addr, err)
	}
	app := &testApp{answer: answer}
	app.srv = httptest.NewUnstartedServer(http.HandlerFunc(app.serve))
	app.srv.Listener.Close()
	app.srv.Listener = ln
	app.srv.Start()
	t.Cleanup(app.srv.Close)
	return app
}

// closedAddr is a loopback address nothing listens on (connection refused).
func closedAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func (app *testApp) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	app.mu.Lock()
	app.requests = append(app.requests, appRequest{
		Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Host: r.Host,
		Header: r.Header.Clone(), Body: body,
	})
	app.inFlight++
	app.maxIn = max(app.maxIn, app.inFlight)
	app.mu.Unlock()
	defer func() {
		app.mu.Lock()
		app.inFlight--
		app.mu.Unlock()
	}()
	if app.answer != nil {
		r.Body = io.NopCloser(bytes.NewReader(body)) // the answer may read it too
		app.answer(w, r)
		return
	}
	w.Header().Set("X-App", "yes")
	io.WriteString(w, "ok")
}

func (app *testApp) got() []appRequest {
	app.mu.Lock()
	defer app.mu.Unlock()
	return append([]appRequest(nil), app.requests...)
}

func (app *testApp) maxInFlight() int {
	app.mu.Lock()
	defer app.mu.Unlock()
	return app.maxIn
}

// waitUntil polls cond for up to 10 s.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func mustTargets(t testing.TB, specs ...string) []ForwardTarget {
	t.Helper()
	ts, err := ParseForwardTargets(specs)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// startForwarder forwards tl's events with cfg (Recorder defaults to tl's store); it
// is stopped, after the hub closes, when the test ends.
func startForwarder(t testing.TB, tl *testListener, cfg ForwardConfig) *Forwarder {
	t.Helper()
	if cfg.Recorder == nil {
		cfg.Recorder = tl.Store
	}
	f, err := NewForwarder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.Start(tl.Hub)
	t.Cleanup(func() {
		tl.Hub.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		f.Stop(ctx)
	})
	return f
}

// attemptsOf waits until event id has n attempts recorded and returns them.
func attemptsOf(t testing.TB, st store.Reader, id string, n int) []payloads.Attempt {
	t.Helper()
	var ev *payloads.Event
	waitUntil(t, "attempts recorded on "+id, func() bool {
		var err error
		ev, err = st.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		return len(ev.Attempts) >= n
	})
	return ev.Attempts
}

// storedOldestFirst is every stored event, in arrival order.
func storedOldestFirst(t testing.TB, st store.Reader) []*payloads.Event {
	t.Helper()
	var out []*payloads.Event
	var cursor uint64
	for {
		page, err := st.List(store.ListOptions{OldestFirst: true, WithBody: true, Cursor: cursor, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Events...)
		if page.Next == 0 {
			return out
		}
		cursor = page.Next
	}
}

func openTestStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "history.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// storeEvent analyzes ev as the listener would (verifying with secrets, now) and
// appends it.
func storeEvent(t testing.TB, st *store.Store, ev *payloads.Event, secrets ...string) *payloads.Event {
	t.Helper()
	if ev.Received.IsZero() {
		ev.Received = time.Now().UTC()
	}
	if ev.Direction == "" {
		ev.Direction = payloads.Inbound
	}
	if ev.Host == "" {
		ev.Host = "127.0.0.1:4242"
	}
	if ev.RemoteAddr == "" {
		ev.RemoteAddr = "203.0.113.7:5555"
	}
	ev.Status = http.StatusOK
	payloads.Analyze(ev, payloads.VerifyConfig{Secrets: secrets, Now: time.Now()})
	if err := st.Append(ev); err != nil {
		t.Fatal(err)
	}
	return ev
}
