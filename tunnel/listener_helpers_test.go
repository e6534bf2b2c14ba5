package tunnel

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
)

const testSecret = "dexatel-test-secret"

// signDexatel is the seed document's scheme computed independently of payloads/sig:
// HMAC-SHA256 of the raw body, hex, in X-Dexatel-Signature.
func signDexatel(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// dexatelDelivery is a delivery event as the seed document shows it, padded with a
// note field to about size bytes; n makes the message id unique.
func dexatelDelivery(n, size int) []byte {
	body := fmt.Sprintf(`{"data":{"account_id":"4ca07d94-7b4d-4434-97aa-9ec34772f111","message_id":"4ca07d94-7b4d-4434-97aa-%012d","event":"delivery","status":"delivered","timestamp":"2022-03-01 13:00:00","note":"%%s"}}`, n)
	pad := max(size-len(body)+2, 0)
	return []byte(fmt.Sprintf(body, strings.Repeat("x", pad)))
}

type testListener struct {
	URL   string
	L     *Listener
	Store *store.Store
	Hub   *Hub
}

// startListener runs a listener on a loopback port over a fresh history in a temp dir.
func startListener(t testing.TB, cfg Config) *testListener {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "history.db"), store.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	cfg.Addr = "127.0.0.1:0"
	hub := NewHub()
	l := NewListener(cfg, st, hub)
	addr, err := l.Listen()
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- l.Serve() }()
	t.Cleanup(func() {
		// The client may hold a dialed but unused connection, which net/http's Shutdown
		// waits 5 s for before it counts as idle: close the client's idle ones first.
		http.DefaultClient.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := l.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
		hub.Close()
		st.Close()
	})
	return &testListener{URL: "http://" + addr, L: l, Store: st, Hub: hub}
}

// post sends body to path with the given headers and returns status, event id and answer.
func (tl *testListener) post(t testing.TB, path string, body []byte, headers map[string]string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, tl.URL+path, strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get(EventIDHeader), answer
}

// postSigned posts a Dexatel-signed body and expects 200 with an event id.
func (tl *testListener) postSigned(t testing.TB, path string, body []byte) string {
	t.Helper()
	status, id, answer := tl.post(t, path, body, map[string]string{"X-Dexatel-Signature": signDexatel(testSecret, body)})
	if status != http.StatusOK || id == "" || string(answer) != "{}" {
		t.Fatalf("signed POST: status %d id %q answer %q", status, id, answer)
	}
	return id
}

// stored fetches id from the history and fails the test if it is not there.
func (tl *testListener) stored(t testing.TB, id string) *payloads.Event {
	t.Helper()
	ev, err := tl.Store.Get(id)
	if err != nil {
		t.Fatalf("event %s answered 2xx but not in the history: %v", id, err)
	}
	return ev
}
