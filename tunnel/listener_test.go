package tunnel

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store"
)

func TestListenerRecordsThenAnswersSignedDexatel(t *testing.T) {
	tl := startListener(t, Config{Verify: payloads.VerifyConfig{Secrets: []string{testSecret}}})
	sub := tl.Hub.Subscribe()
	defer sub.Close()
	body := dexatelDelivery(1, 300)

	req, _ := http.NewRequest(http.MethodPost, tl.URL+"/hooks/dexatel?x=1&y=%20", bytes.NewReader(body))
	req.Header.Set("X-Dexatel-Signature", signDexatel(testSecret, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var answer bytes.Buffer
	answer.ReadFrom(resp.Body)
	resp.Body.Close()
	id := resp.Header.Get(EventIDHeader)
	if resp.StatusCode != 200 || answer.String() != "{}" || id == "" || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("answer %d %q id %q type %q", resp.StatusCode, answer.String(), id, resp.Header.Get("Content-Type"))
	}

	ev := tl.stored(t, id)
	if ev.Method != "POST" || ev.Path != "/hooks/dexatel" || ev.Query != "x=1&y=%20" || ev.Direction != payloads.Inbound {
		t.Errorf("request line recorded as %s %s ? %s (%s)", ev.Method, ev.Path, ev.Query, ev.Direction)
	}
	if ev.Host != strings.TrimPrefix(tl.URL, "http://") || !strings.HasPrefix(ev.RemoteAddr, "127.0.0.1:") {
		t.Errorf("host %q remote %q", ev.Host, ev.RemoteAddr)
	}
	if !bytes.Equal(ev.Body, body) || ev.Size != len(body) || ev.BodyKind != payloads.BodyJSON {
		t.Errorf("body recorded as %d bytes kind %s", len(ev.Body), ev.BodyKind)
	}
	if ev.Headers.Get("X-Dexatel-Signature") == "" || ev.Status != 200 || ev.Received.IsZero() {
		t.Errorf("headers %v status %d received %v", ev.Headers, ev.Status, ev.Received)
	}
	if ev.Signature.Status != sig.Pass || ev.Signature.Scheme != "dexatel" {
		t.Errorf("verdict %+v, want dexatel pass", ev.Signature)
	}

	select {
	case got := <-sub.C():
		if got.ID != id || got.Signature.Status != sig.Pass {
			t.Fatalf("published %s %+v", got.ID, got.Signature)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("committed event not published")
	}
}

func TestListenerPublishesOnlyCommittedEvents(t *testing.T) {
	tl := startListener(t, Config{})
	sub := tl.Hub.Subscribe()
	defer sub.Close()
	const n = 20
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tl.post(t, "/", dexatelDelivery(i, 200), nil)
		}()
	}
	for range n {
		select {
		case ev := <-sub.C():
			tl.stored(t, ev.ID) // published means already in the history
		case <-time.After(5 * time.Second):
			t.Fatal("event not published")
		}
	}
	wg.Wait()
}

func TestListenerWrongSecretIsRecordedAsMismatch(t *testing.T) {
	tl := startListener(t, Config{Verify: payloads.VerifyConfig{Secrets: []string{"another-secret"}}})
	id := tl.postSigned(t, "/", dexatelDelivery(2, 200))
	ev := tl.stored(t, id)
	if ev.Signature.Status != sig.Fail || !strings.Contains(ev.Signature.Reason, "mismatch") {
		t.Fatalf("verdict %+v, want fail: mismatch", ev.Signature)
	}
}

func TestListenerAcceptsAnyMethodAndPath(t *testing.T) {
	tl := startListener(t, Config{})
	for _, m := range []string{"GET", "PUT", "PATCH", "DELETE", "OPTIONS", "PROPFIND"} {
		req, _ := http.NewRequest(m, tl.URL+"/any/where/"+strings.ToLower(m), nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s answered %d", m, resp.StatusCode)
		}
		if ev := tl.stored(t, resp.Header.Get(EventIDHeader)); ev.Method != m || ev.BodyKind != payloads.BodyEmpty {
			t.Fatalf("recorded %s kind %s", ev.Method, ev.BodyKind)
		}
	}
}

func TestListenerRoutesPickSecretsByLongestPrefix(t *testing.T) {
	tl := startListener(t, Config{
		Verify: payloads.VerifyConfig{Scheme: "auto", Secrets: []string{"default-secret"}},
		Routes: []Route{
			{Prefix: "/", Secrets: []string{"root-secret"}},
			{Prefix: "/dexatel", Scheme: "dexatel", Secrets: []string{testSecret}},
			{Prefix: "/dexatel/legacy/", Secrets: []string{"legacy-secret"}},
		},
	})
	cases := []struct {
		path string
		want sig.Status
	}{
		{"/dexatel", sig.Pass},
		{"/dexatel/hooks", sig.Pass},
		{"/dexatel/legacy/x", sig.Fail}, // longer prefix, other secret
		{"/dexatelx", sig.Fail},         // not under /dexatel: root route's secret
	}
	for _, c := range cases {
		ev := tl.stored(t, tl.postSigned(t, c.path, dexatelDelivery(3, 200)))
		if ev.Signature.Status != c.want {
			t.Errorf("%s: verdict %+v, want %s", c.path, ev.Signature, c.want)
		}
	}
}

func TestPathHasPrefix(t *testing.T) {
	cases := []struct {
		path, prefix string
		want         bool
	}{
		{"/a", "", true}, {"/a", "/", true}, {"/a", "/a", true}, {"/a/b", "/a", true},
		{"/a/b", "/a/", true}, {"/ab", "/a", false}, {"/", "/a", false}, {"/a", "/a/b", false},
	}
	for _, c := range cases {
		if got := PathHasPrefix(c.path, c.prefix); got != c.want {
			t.Errorf("PathHasPrefix(%q, %q) = %v", c.path, c.prefix, got)
		}
	}
}

// The Twilio scheme signs the URL the sender used, so the listener must pass it on.
func TestListenerGivesURLSigningSchemesTheRequestURL(t *testing.T) {
	const token = "twilio-auth-token"
	tl := startListener(t, Config{Routes: []Route{{Prefix: "/twilio", Scheme: "twilio", Secrets: []string{token}}}})
	form := url.Values{"From": {"+15550001"}, "Body": {"hi"}, "MessageSid": {"SM1"}}
	target := tl.URL + "/twilio/sms?a=1"
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	signed := target
	for _, k := range keys {
		signed += k + form.Get(k)
	}
	m := hmac.New(sha1.New, []byte(token))
	m.Write([]byte(signed))
	status, id, _ := tl.post(t, "/twilio/sms?a=1", []byte(form.Encode()), map[string]string{
		"Content-Type":       "application/x-www-form-urlencoded",
		"X-Twilio-Signature": base64.StdEncoding.EncodeToString(m.Sum(nil)),
	})
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	if ev := tl.stored(t, id); ev.Signature.Status != sig.Pass {
		t.Fatalf("twilio verdict %+v, want pass", ev.Signature)
	}
}

func TestRequestBaseURL(t *testing.T) {
	r, _ := http.NewRequest("POST", "http://example.test:8080/x", nil)
	if got := requestBaseURL(r); got != "http://example.test:8080" {
		t.Fatalf("plain: %s", got)
	}
	r.Header.Set("X-Forwarded-Proto", "https")
	if got := requestBaseURL(r); got != "https://example.test:8080" {
		t.Fatalf("behind a TLS tunnel: %s", got)
	}
	r.Header.Set("X-Forwarded-Proto", "javascript")
	if got := requestBaseURL(r); got != "http://example.test:8080" {
		t.Fatalf("odd proto accepted: %s", got)
	}
}

func TestListenerAnswers503WhenTheHistoryCannotCommit(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "history.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close() // every Append now fails
	var logs bytes.Buffer
	hub := NewHub()
	sub := hub.Subscribe()
	defer sub.Close()
	tl := serveListener(t, NewListener(Config{
		Addr:   "127.0.0.1:0",
		Verify: payloads.VerifyConfig{Secrets: []string{testSecret}},
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	}, st, hub))
	body := dexatelDelivery(4, 200)
	status, id, answer := tl.post(t, "/", body, map[string]string{"X-Dexatel-Signature": signDexatel(testSecret, body)})
	if status != http.StatusServiceUnavailable || id != "" || !strings.Contains(string(answer), `"error"`) {
		t.Fatalf("answer %d id %q %s; want 503 without an id", status, id, answer)
	}
	select {
	case ev := <-sub.C():
		t.Fatalf("uncommitted event %s was published", ev.ID)
	case <-time.After(100 * time.Millisecond):
	}
	if !strings.Contains(logs.String(), "could not commit") || strings.Contains(logs.String(), testSecret) {
		t.Fatalf("log: %s", logs.String())
	}
}

// panickyStore panics on its first Append, then records in memory.
type panickyStore struct {
	mu     sync.Mutex
	calls  int
	events []*payloads.Event
}

func (p *panickyStore) Append(ev *payloads.Event) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	if p.calls == 1 {
		panic("boom \x1b]52;c;aGk=\x07")
	}
	p.events = append(p.events, ev)
	return nil
}

func TestListenerSurvivesAPanickingRequest(t *testing.T) {
	var logs bytes.Buffer
	ps := &panickyStore{}
	tl := serveListener(t, newListener(Config{Addr: "127.0.0.1:0", Logger: slog.New(slog.NewTextHandler(&logs, nil))}, ps, nil))
	if status, _, answer := tl.post(t, "/first", []byte("{}"), nil); status != 500 || !strings.Contains(string(answer), "internal error") {
		t.Fatalf("panicking request answered %d %s", status, answer)
	}
	if status, id, _ := tl.post(t, "/second", []byte("{}"), nil); status != 200 || id == "" {
		t.Fatalf("next request answered %d", status)
	}
	if !strings.Contains(logs.String(), "panicked") || strings.ContainsRune(logs.String(), 0x1b) {
		t.Fatalf("panic not logged, or logged with raw escapes: %q", logs.String())
	}
}

func TestSafeTextEscapesAndCuts(t *testing.T) {
	got := safeText("\x1b[2J\r\u202e" + strings.Repeat("a", 500))
	for _, bad := range []string{"\x1b", "\r", "\u202e"} {
		if strings.Contains(got, bad) {
			t.Fatalf("%q kept %q", got, bad)
		}
	}
	if len(got) > maxLoggedText+40 {
		t.Fatalf("not cut: %d bytes", len(got))
	}
}

func TestListenBeforeServeAndShutdownWithoutServe(t *testing.T) {
	l := newListener(Config{Addr: "127.0.0.1:0"}, &panickyStore{}, nil)
	if err := l.Serve(); err == nil {
		t.Fatal("Serve before Listen succeeded")
	}
	addr, err := l.Listen()
	if err != nil || l.URL() != "http://"+addr {
		t.Fatalf("listen %q %v url %q", addr, err, l.URL())
	}
	if _, err := l.Listen(); err == nil {
		t.Fatal("second Listen succeeded")
	}
	if err := l.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The port is released: binding it again works.
	l2 := newListener(Config{Addr: addr}, &panickyStore{}, nil)
	if _, err := l2.Listen(); err != nil {
		t.Fatalf("port still held after Shutdown: %v", err)
	}
	l2.Shutdown(context.Background())
}

// serveListener serves an already built listener for a test.
func serveListener(t *testing.T, l *Listener) *testListener {
	t.Helper()
	addr, err := l.Listen()
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- l.Serve() }()
	t.Cleanup(func() {
		l.Shutdown(context.Background())
		if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	})
	return &testListener{URL: "http://" + addr, L: l}
}

func TestListenerPublishesWithSecretHeadersRedacted(t *testing.T) {
	tl := startListener(t, Config{})
	sub := tl.Hub.Subscribe()
	defer sub.Close()
	tl.post(t, "/", []byte("{}"), map[string]string{"Authorization": "Bearer sk_live_secret"})
	select {
	case ev := <-sub.C():
		if got := ev.Headers.Get("Authorization"); got != store.Redacted {
			t.Fatalf("published Authorization %q, want %q", got, store.Redacted)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("not published")
	}
}

func TestMatchRouteTakesTheLongestPrefix(t *testing.T) {
	routes := []Route{{Prefix: "/a", Scheme: "one"}, {Prefix: "/a/b/", Scheme: "two"}, {Prefix: "/a/b", Scheme: "three"}}
	cases := map[string]string{"/a": "one", "/a/x": "one", "/a/b": "two", "/a/b/c": "two", "/ab": "", "/": ""}
	for path, want := range cases {
		r, ok := MatchRoute(routes, path)
		if ok != (want != "") || r.Scheme != want {
			t.Errorf("MatchRoute(%q) = %q %v, want %q", path, r.Scheme, ok, want)
		}
	}
}
