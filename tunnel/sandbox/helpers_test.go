package sandbox

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/tunnel"
)

const (
	testSecret = "sandbox-test-secret"
	testKey    = "sk_test_0123456789abcdef"
)

// loop is a sandbox whose webhooks go to a real listener over a fresh history, and a
// client that sends to the sandbox and records in that history.
type loop struct {
	Sandbox *Sandbox
	API     string
	Store   *store.Store
	Client  *tunnel.Client
}

func startListener(t testing.TB) (string, *store.Store) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "history.db"), store.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	hub := tunnel.NewHub()
	l := tunnel.NewListener(tunnel.Config{Addr: "127.0.0.1:0", Verify: payloads.VerifyConfig{Scheme: "auto", Secrets: []string{testSecret}}}, st, hub)
	addr, err := l.Listen()
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- l.Serve() }()
	t.Cleanup(func() {
		http.DefaultClient.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := l.Shutdown(ctx); err != nil {
			t.Errorf("listener shutdown: %v", err)
		}
		<-served
		hub.Close()
		st.Close()
	})
	return "http://" + addr, st
}

// startLoop runs the sandbox (cfg completed with the listener's URL, secret and the
// test key) and a client with quick retries.
func startLoop(t testing.TB, cfg Config) *loop {
	t.Helper()
	url, st := startListener(t)
	if cfg.WebhookURL == "" {
		cfg.WebhookURL = url + "/dexatel"
	}
	cfg.Secret, cfg.Key = testSecret, testKey
	if cfg.StepDelay == 0 {
		cfg.StepDelay = 10 * time.Millisecond
	}
	sb, api := startSandbox(t, cfg)
	return &loop{Sandbox: sb, API: api, Store: st, Client: &tunnel.Client{
		BaseURL: api, Key: testKey, Recorder: st, Backoff: func(int) time.Duration { return 10 * time.Millisecond },
	}}
}

func startSandbox(t testing.TB, cfg Config) (*Sandbox, string) {
	t.Helper()
	sb, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go sb.Serve(ln)
	t.Cleanup(func() { sb.Close() })
	return sb, "http://" + ln.Addr().String()
}

// drain waits for every scheduled webhook.
func (lp *loop) drain(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := lp.Sandbox.Drain(ctx); err != nil {
		t.Fatal(err)
	}
}

// inbound lists the stored inbound events correlated to id, in arrival order.
func (lp *loop) inbound(t testing.TB, id string) []*payloads.Event {
	t.Helper()
	page, err := lp.Store.List(store.ListOptions{Query: "corr:" + id, OldestFirst: true, WithBody: true})
	if err != nil {
		t.Fatal(err)
	}
	var out []*payloads.Event
	for _, ev := range page.Events {
		if ev.Direction != payloads.Outbound {
			out = append(out, ev)
		}
	}
	return out
}

// webhookTarget is an app that answers the given statuses in turn (then 200) and
// counts its calls.
func webhookTarget(t testing.TB, statuses ...int) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(calls.Add(1)) - 1
		if n < len(statuses) {
			w.WriteHeader(statuses[n])
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

// tunnelQuery lists every matching event, oldest first, with bodies.
func tunnelQuery(q string) store.ListOptions {
	return store.ListOptions{Query: q, OldestFirst: true, WithBody: true}
}
