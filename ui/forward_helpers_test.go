package ui

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/tunnel"
)

// received is one request the app got.
type received struct {
	path   string
	header http.Header
	body   []byte
}

// app is a local HTTP app standing in for the developer's: it records every request,
// in order, and answers 200 with a JSON body counting them.
type app struct {
	srv  *httptest.Server
	addr string
	mu   sync.Mutex
	got  []received
}

// startApp serves the app on addr ("127.0.0.1:0" picks a port).
func startApp(t *testing.T, addr string) *app {
	t.Helper()
	var ln net.Listener
	var err error
	for try := 0; try < 50; try++ { // the port of an app just closed may linger a moment
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("app: listen on %s: %v", addr, err)
	}
	a := &app{addr: ln.Addr().String()}
	a.srv = httptest.NewUnstartedServer(http.HandlerFunc(a.serve))
	a.srv.Listener.Close()
	a.srv.Listener = ln
	a.srv.Start()
	t.Cleanup(a.srv.Close)
	return a
}

func (a *app) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	a.mu.Lock()
	a.got = append(a.got, received{path: r.URL.RequestURI(), header: r.Header.Clone(), body: body})
	n := len(a.got)
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-App", "test-app")
	fmt.Fprintf(w, `{"ok":true,"seen":%d}`, n)
}

func (a *app) url() string { return "http://" + a.addr }

func (a *app) requests() []received {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]received(nil), a.got...)
}

// downAddr is a loopback address nothing listens on: an app that was started, then stopped.
func downAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// forwarding is a history with a real forwarder over a hub, as the console runs them.
type forwarding struct {
	st      *store.Store
	hub     *tunnel.Hub
	fwd     *tunnel.Forwarder
	targets []tunnel.ForwardTarget
	// recorded counts the forwarder's attempts written to the history
	recorded atomic.Int64
}

func startForwarding(t *testing.T, st *store.Store, url string) *forwarding {
	t.Helper()
	targets, err := tunnel.ParseForwardTargets([]string{url})
	if err != nil {
		t.Fatal(err)
	}
	f := &forwarding{st: st, hub: tunnel.NewHub(), targets: targets}
	f.fwd, err = tunnel.NewForwarder(tunnel.ForwardConfig{Targets: targets, Recorder: st, Timeout: 5 * time.Second,
		Retry: tunnel.RetryPolicy{For: -1}, OnAttempt: func(tunnel.ForwardResult) { f.recorded.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	f.fwd.Start(f.hub)
	t.Cleanup(func() {
		f.hub.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		f.fwd.Stop(ctx)
	})
	return f
}

// receive stores ev and publishes it, as the listener does.
func (f *forwarding) receive(t *testing.T, ev *payloads.Event) {
	t.Helper()
	if err := f.st.Append(ev); err != nil {
		t.Fatal(err)
	}
	f.hub.Publish(ev)
}

// replayConfig is what the console's wiring passes.
func (f *forwarding) replayConfig() tunnel.ReplayConfig {
	return tunnel.ReplayConfig{
		History: f.st, Targets: f.targets, Appender: f.st, Hub: f.hub, Forward: f.fwd,
		Secrets: func(string) []string { return []string{testSecret} },
	}
}

// forwardModel is a test console over f.
func forwardModel(t *testing.T, f *forwarding, editorCmd string) *Model {
	t.Helper()
	return quietModel(Options{
		Reader: f.st, ListenURL: "http://127.0.0.1:4242", Secret: testSecret, Location: time.UTC,
		Now:       func() time.Time { return clock.Add(15 * time.Second) },
		Forwarder: f.fwd, Replay: f.replayConfig(), Editor: editorCmd,
	})
}

// quietModel is New(opts) without timers (toasts stay), running the external editor
// directly: there is no terminal to hand over in a test.
func quietModel(opts Options) *Model {
	m := New(opts)
	m.tickEnabled = false
	m.schedule = func(time.Duration, tea.Msg) tea.Cmd { return nil }
	m.execEditor = func(c *exec.Cmd, done tea.ExecCallback) tea.Cmd {
		return func() tea.Msg { return done(c.Run()) }
	}
	return m
}

// waitFor polls ok until it holds or 10 s pass.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// dexatelEvent is a signed Dexatel delivery event received at path.
func dexatelEvent(id string, at time.Time, status string) *payloads.Event {
	body := delivery("4ca07d94-7b4d-4434-97aa-"+fmt.Sprintf("%012d", at.Second()), status)
	return request(id, at, "/dexatel", signed(testSecret, body), body)
}

// verifies reports whether the app got a Dexatel signature of its body under testSecret.
func verifies(r received) bool {
	v := sig.Check("dexatel", sig.Request{Method: http.MethodPost, URL: "http://app" + r.path, Header: r.header, Body: r.body},
		sig.Options{Secrets: []string{testSecret}})
	return v.Status == sig.Pass
}
