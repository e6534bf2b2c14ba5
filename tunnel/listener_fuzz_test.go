package tunnel

import (
	"bufio"
	"bytes"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/dexra/dexra-tui/payloads"
)

// memStore records appended events in memory, for handler-level tests.
type memStore struct {
	mu     sync.Mutex
	events []*payloads.Event
}

func (m *memStore) Append(ev *payloads.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events = append(m.events, ev)
	return nil
}

// FuzzListenerRequest feeds arbitrary requests through the listener's handler (and so
// through classification and every signature parser): whatever arrives, the answer is
// 200 with the body recorded exactly, 413 recorded, or 400, never a panic (500).
func FuzzListenerRequest(f *testing.F) {
	body := dexatelDelivery(1, 300)
	f.Add("POST", "/", "Content-Type: application/json\r\nX-Dexatel-Signature: "+signDexatel(testSecret, body), body)
	f.Add("POST", "/dexatel", "X-Dexatel-Signature: zz", []byte(`{"data":`))
	f.Add("GET", "/x%1b%5b2J", "X-Note: \u009b\u202e", []byte{0xff, 0x00, 0x1b})
	f.Add("POST", "/stripe", "Stripe-Signature: t=1,v1=abc,v1=", []byte(`{"id":"evt_1"}`))
	f.Add("POST", "/svix", "Svix-Id: 1\r\nSvix-Timestamp: x\r\nSvix-Signature: v1,@@", []byte("{}"))
	f.Add("POST", "/standard", "Webhook-Id: 1\r\nWebhook-Timestamp: 99999999999999999999\r\nWebhook-Signature: v1a,", []byte("{}"))
	f.Add("POST", "/gh", "X-Hub-Signature-256: sha256=\r\nX-GitHub-Event: push", []byte("[]"))
	f.Add("POST", "/slack", "X-Slack-Signature: v0=\r\nX-Slack-Request-Timestamp: -1", []byte("a=b"))
	f.Add("POST", "/twilio", "X-Twilio-Signature: ====\r\nContent-Type: application/x-www-form-urlencoded", []byte("a=%zz&b"))
	f.Add("POST", "/conversa", "X-Conversa-Event: payment.paid", []byte(`{"event":"payment.paid","data":{"id":1e999}}`))
	f.Add("PUT", "/", "Content-Length: 99999999", []byte("short"))
	f.Fuzz(func(t *testing.T, method, path, headers string, body []byte) {
		var raw bytes.Buffer
		raw.WriteString(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:4242\r\n")
		if headers != "" {
			raw.WriteString(headers + "\r\n")
		}
		raw.WriteString("\r\n")
		raw.Write(body)
		req, err := http.ReadRequest(bufio.NewReader(&raw))
		if err != nil {
			t.Skip() // net/http answers 400 before the handler sees it
		}
		ms := &memStore{}
		l := newListener(Config{MaxBody: 1 << 10, Verify: payloads.VerifyConfig{Secrets: []string{testSecret}}}, ms, NewHub())
		w := httptest.NewRecorder()
		l.serveHTTP(w, req)
		switch w.Code {
		case http.StatusOK, http.StatusRequestEntityTooLarge:
			if len(ms.events) != 1 || ms.events[0].ID != w.Header().Get(EventIDHeader) || ms.events[0].Status != w.Code {
				t.Fatalf("answered %d but recorded %d events", w.Code, len(ms.events))
			}
			if w.Code == http.StatusOK && ms.events[0].Size != len(ms.events[0].Body) {
				t.Fatalf("size %d for a %d-byte body", ms.events[0].Size, len(ms.events[0].Body))
			}
		case http.StatusBadRequest:
			if len(ms.events) != 0 {
				t.Fatal("a 400 was recorded")
			}
		default:
			t.Fatalf("answered %d %s", w.Code, w.Body.String())
		}
	})
}
