package relay

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/tunnel"
	"github.com/dexra/dexra-tui/tunnel/public"
)

const testSecret = "relay-test-secret"

func signDexatel(body string) string {
	m := hmac.New(sha256.New, []byte(testSecret))
	m.Write([]byte(body))
	return hex.EncodeToString(m.Sum(nil))
}

// smeeChannel is a relay written for the test that speaks smee.io's event stream:
// "ready" on connect, "ping" keep-alives, and each webhook as a message whose data is
// the headers (lower-cased) with body (parsed JSON, re-serialized), query, timestamp.
type smeeChannel struct {
	mu      sync.Mutex
	pending [][]string // per connection, the data lines to send, then the stream ends
	conns   int
}

func (c *smeeChannel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Accept") != "text/event-stream" {
		http.Error(w, "web page", http.StatusOK)
		return
	}
	c.mu.Lock()
	c.conns++
	var batch []string
	if len(c.pending) > 0 {
		batch, c.pending = c.pending[0], c.pending[1:]
	}
	last := len(c.pending) == 0
	c.mu.Unlock()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	fmt.Fprint(w, "id: 0\nevent: ready\ndata: {}\n\n")
	fmt.Fprint(w, "id: 1\r\nevent: ping\r\ndata: {}\r\n\r\n")
	for i, data := range batch {
		fmt.Fprintf(w, ": comment\nid: %d\ndata: %s\n\n", i+2, data)
	}
	w.(http.Flusher).Flush()
	if last {
		<-r.Context().Done() // the last connection stays open, as smee's do
	}
}

// smeeEvent is what smee.io makes of a POST: the body parsed and re-serialized
// (JSON.stringify: compact), the headers as top-level keys.
func smeeEvent(t *testing.T, headers map[string]string, rawBody string, query map[string]string) string {
	t.Helper()
	ev := map[string]any{}
	for k, v := range headers {
		ev[strings.ToLower(k)] = v
	}
	// JSON.stringify(JSON.parse(body)) keeps the key order and drops the spacing.
	var body bytes.Buffer
	if err := json.Compact(&body, []byte(rawBody)); err != nil {
		t.Fatal(err)
	}
	ev["body"] = json.RawMessage(body.Bytes())
	ev["query"] = query
	ev["timestamp"] = time.Now().UnixMilli()
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRelayDeliversSmeeEventsIntoTheHistoryMarkedAsRelayed(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "history.db"), store.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	l := tunnel.NewPublicListener(tunnel.Config{Addr: "127.0.0.1:0",
		Verify: payloads.VerifyConfig{Scheme: "auto", Secrets: []string{testSecret}}}, st, nil)

	compact := `{"data":{"message_id":"m-1","event":"delivery","status":"delivered"}}`
	spaced := `{ "data": { "message_id": "m-2", "event": "delivery", "status": "delivered" } }`
	ch := &smeeChannel{pending: [][]string{
		{smeeEvent(t, map[string]string{"X-Dexatel-Signature": signDexatel(compact), "Content-Type": "application/json", "Host": "smee.io", "Content-Length": "99"}, compact, map[string]string{"shop": "a b"})},
		// After a reconnection: signed over bytes the relay does not keep.
		{smeeEvent(t, map[string]string{"X-Dexatel-Signature": signDexatel(spaced), "Content-Type": "application/json", "X-Dexra-Tui-Via": "forged"}, spaced, nil),
			`not json`},
	}}
	srv := httptest.NewServer(ch)
	defer srv.Close()
	channel := srv.URL + "/AbC123"

	var states []public.State
	var smu sync.Mutex
	r, err := Start(context.Background(), Options{URL: channel, Path: "/dexatel", Handler: l.Handler(),
		Backoff: public.Backoff{Min: 20 * time.Millisecond, Max: 100 * time.Millisecond},
		OnState: func(s public.State) { smu.Lock(); states = append(states, s); smu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	var evs []*payloads.Event
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		page, err := st.List(store.ListOptions{OldestFirst: true, WithBody: true})
		if err != nil {
			t.Fatal(err)
		}
		if evs = page.Events; len(evs) == 2 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(evs) != 2 {
		t.Fatalf("history holds %d relayed events, want 2", len(evs))
	}
	first, second := evs[0], evs[1]
	for _, ev := range evs {
		if !tunnel.Relayed(ev.Headers) || tunnel.Via(ev.Headers) != "relay "+channel {
			t.Fatalf("event %s via %q, want relay %s", ev.ID, tunnel.Via(ev.Headers), channel)
		}
		if ev.Path != "/dexatel" || ev.Method != "POST" {
			t.Fatalf("relayed as %s %s", ev.Method, ev.Path)
		}
	}
	if first.Signature.Status != sig.Pass || string(first.Body) != compact || first.Query != "shop=a+b" || first.Host != "smee.io" {
		t.Fatalf("first relayed event: verdict %+v body %s query %q host %q", first.Signature, first.Body, first.Query, first.Host)
	}
	if second.Signature.Status != sig.Fail || !strings.Contains(second.Signature.Reason, tunnel.RelayNote) {
		t.Fatalf("second relayed event: verdict %+v, want a failure that names the relay", second.Signature)
	}
	if delivered, dropped := r.Counts(); delivered != 2 || dropped != 1 {
		t.Fatalf("counts: delivered %d, dropped %d", delivered, dropped)
	}
	smu.Lock()
	defer smu.Unlock()
	var sawDown bool
	for _, s := range states {
		sawDown = sawDown || s.Phase == public.Down
	}
	if !sawDown || r.State().Phase != public.Up || r.State().URL != channel {
		t.Fatalf("states %+v; now %+v", states, r.State())
	}
}

func TestRelayRefusesWhatIsNotAnEventStream(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html>"))
	}))
	defer srv.Close()
	r, err := Start(context.Background(), Options{URL: srv.URL + "/x", Handler: http.NotFoundHandler(),
		Backoff: public.Backoff{Min: time.Hour, Max: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	deadline := time.Now().Add(5 * time.Second)
	for r.State().Phase != public.Down && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if s := r.State(); s.Phase != public.Down || !strings.Contains(s.Err, "not an event stream") {
		t.Fatalf("state %+v", s)
	}
}

func TestParseRelayURL(t *testing.T) {
	for _, tc := range []struct{ in, url, path string }{
		{"https://smee.io/AbC", "https://smee.io/AbC", "/"},
		{"/dexatel=https://smee.io/AbC", "https://smee.io/AbC", "/dexatel"},
	} {
		u, p, err := ParseURL(tc.in)
		if err != nil || u != tc.url || p != tc.path {
			t.Errorf("ParseURL(%q) = %q %q %v", tc.in, u, p, err)
		}
	}
	for _, bad := range []string{"smee.io/x", "ftp://x/y", "/p", "https://"} {
		if _, _, err := ParseURL(bad); err == nil {
			t.Errorf("ParseURL(%q) accepted", bad)
		}
	}
}
