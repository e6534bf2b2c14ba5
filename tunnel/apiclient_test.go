package tunnel

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
)

type memRecorder struct {
	mu     sync.Mutex
	events []*payloads.Event
}

func (m *memRecorder) Append(ev *payloads.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events = append(m.events, ev)
	return nil
}

// scripted answers each try with the next of answers (status, Retry-After, body) and
// records the tries' idempotency keys and arrival times.
func scripted(t *testing.T, answers ...[3]string) (*httptest.Server, *[]string, *[]time.Time) {
	t.Helper()
	var mu sync.Mutex
	var keys []string
	var at []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n := len(keys)
		keys = append(keys, r.Header.Get(IdempotencyHeader))
		at = append(at, time.Now())
		mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer sk_test_key_123456" || r.URL.Path != SendPath {
			t.Errorf("request %s %v", r.URL.Path, r.Header)
		}
		a := answers[min(n, len(answers)-1)]
		if a[1] != "" {
			w.Header().Set("Retry-After", a[1])
		}
		var status int
		for _, c := range a[0] {
			status = status*10 + int(c-'0')
		}
		w.WriteHeader(status)
		w.Write([]byte(a[2]))
	}))
	t.Cleanup(srv.Close)
	return srv, &keys, &at
}

const okAnswer = `{"message_id":"m-1","status":"queued"}`

var textMessage = Message{Channel: "sms", RecipientID: "+15551234567", MessageType: "text", Text: "hi"}

func TestSendRetries5xxWithBackoffAndOneKey(t *testing.T) {
	srv, keys, _ := scripted(t, [3]string{"500", "", `{"error":{"code":"internal","message":"boom"}}`}, [3]string{"502", "", "bad gateway"}, [3]string{"200", "", okAnswer})
	var waits []int
	rec := &memRecorder{}
	c := &Client{BaseURL: srv.URL, Key: "sk_test_key_123456", Recorder: rec, Backoff: func(n int) time.Duration { waits = append(waits, n); return time.Millisecond }}
	res, err := c.Send(context.Background(), textMessage)
	if err != nil || res.MessageID != "m-1" || res.Tries != 3 {
		t.Fatalf("%+v %v", res, err)
	}
	if len(*keys) != 3 || (*keys)[0] != (*keys)[2] || !strings.HasPrefix((*keys)[0], "idem_") || len(waits) != 2 {
		t.Fatalf("keys %v waits %v", *keys, waits)
	}
	ev := rec.events[0]
	if ev.Correlation != "m-1" || len(ev.Attempts) != 3 || ev.Attempts[0].Status != 500 || !strings.Contains(ev.Attempts[0].Error, "boom") {
		t.Fatalf("recorded %+v", ev)
	}
	// A second send gets a new key.
	res2, _ := c.Send(context.Background(), textMessage)
	if res2.IdempotencyKey == res.IdempotencyKey {
		t.Fatal("two sends shared an idempotency key")
	}
}

func TestSendHonoursRetryAfterAndItsCap(t *testing.T) {
	date := time.Now().Add(1500 * time.Millisecond).UTC().Format(http.TimeFormat)
	srv, _, at := scripted(t, [3]string{"429", date, ""}, [3]string{"200", "", okAnswer})
	c := &Client{BaseURL: srv.URL, Key: "sk_test_key_123456", Backoff: func(int) time.Duration { return time.Millisecond }}
	if _, err := c.Send(context.Background(), textMessage); err != nil {
		t.Fatal(err)
	}
	if gap := (*at)[1].Sub((*at)[0]); gap < 400*time.Millisecond {
		t.Fatalf("Retry-After date not honoured: retried after %s", gap)
	}
	srv2, keys, _ := scripted(t, [3]string{"429", "3600", ""})
	c.BaseURL = srv2.URL
	_, err := c.Send(context.Background(), textMessage)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 429 || len(*keys) != 1 || !strings.Contains(err.Error(), "retry after 1h0m0s") {
		t.Fatalf("a Retry-After over the cap: %v (%d tries)", err, len(*keys))
	}
}

func TestSendGivesUpAfterItsAttempts(t *testing.T) {
	srv, keys, _ := scripted(t, [3]string{"503", "", ""})
	c := &Client{BaseURL: srv.URL, Key: "sk_test_key_123456", Attempts: 3, Backoff: func(int) time.Duration { return time.Millisecond }}
	_, err := c.Send(context.Background(), textMessage)
	if err == nil || len(*keys) != 3 || !strings.Contains(err.Error(), "after 3 tries") || !strings.Contains(err.Error(), "503") {
		t.Fatalf("%v, %d tries", err, len(*keys))
	}
}

func TestSendWithoutKeyOrURLSaysWhatToSet(t *testing.T) {
	if _, err := (&Client{BaseURL: "http://127.0.0.1:1"}).Send(context.Background(), textMessage); err == nil || !strings.Contains(err.Error(), "DEXRA_API_KEY") {
		t.Fatalf("no key: %v", err)
	}
	if _, err := (&Client{BaseURL: "127.0.0.1:1", Key: "k"}).Send(context.Background(), textMessage); err == nil || !strings.Contains(err.Error(), "--api-url") {
		t.Fatalf("bad URL: %v", err)
	}
}

func TestSendAnswerWithoutMessageIDIsAnError(t *testing.T) {
	srv, _, _ := scripted(t, [3]string{"200", "", `{"ok":true}`})
	_, err := (&Client{BaseURL: srv.URL, Key: "sk_test_key_123456"}).Send(context.Background(), textMessage)
	if err == nil || !strings.Contains(err.Error(), "without a message_id") {
		t.Fatalf("%v", err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"": 0, "2": 2 * time.Second, "-1": 0, "soon": 0,
		now.Add(3 * time.Second).Format(http.TimeFormat): 3 * time.Second,
		now.Add(-time.Hour).Format(http.TimeFormat):      0,
	} {
		if got := parseRetryAfter(v, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", v, got, want)
		}
	}
}

func TestMaskKeyNeverShowsTheKey(t *testing.T) {
	for _, k := range []string{"", "short", "sk_live_0123456789abcdef"} {
		m := MaskKey(k)
		if k != "" && strings.Contains(m, k) || len(k) > 8 && strings.Contains(m, k[4:len(k)-4]) {
			t.Errorf("MaskKey(%q) = %q", k, m)
		}
	}
}

func TestValidateRecipientPerChannel(t *testing.T) {
	for _, c := range []struct {
		channel, to string
		ok          bool
	}{
		{"whatsapp", "+15551234567", true}, {"whatsapp", "15551234567", false}, {"viber", "+0123456789", false},
		{"email", "a@b.co", true}, {"email", "Name <a@b.co>", false}, {"email", "a@localhost", false},
		{"telegram", "-1001234567890", true}, {"telegram", "12ab", false}, {"sms", "", false},
	} {
		if err := ValidateRecipient(c.channel, c.to); (err == nil) != c.ok {
			t.Errorf("%s %q: %v", c.channel, c.to, err)
		}
	}
}

func TestReachedFollowsTheStatusOrder(t *testing.T) {
	for _, c := range []struct {
		have, want string
		ok         bool
	}{{"delivered", "delivered", true}, {"read", "delivered", true}, {"sent", "delivered", false}, {"failed", "delivered", false}, {"failed", "failed", true}} {
		if Reached(c.have, c.want) != c.ok {
			t.Errorf("Reached(%s, %s) != %v", c.have, c.want, c.ok)
		}
	}
}

func TestSend403SaysToCheckTheScopeAndIsNotRetried(t *testing.T) {
	srv, keys, _ := scripted(t, [3]string{"403", "", `{"error":{"code":"forbidden","message":"key may not send on whatsapp"}}`})
	_, err := (&Client{BaseURL: srv.URL, Key: "sk_test_key_123456"}).Send(context.Background(), textMessage)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 403 || !strings.Contains(err.Error(), "key may not send on whatsapp") ||
		!strings.Contains(err.Error(), "its scope allows sending") || len(*keys) != 1 || strings.Contains(err.Error(), "sk_test_key_123456") {
		t.Fatalf("%v (%d tries)", err, len(*keys))
	}
}

// FuzzParseRetryAfter: any header value gives a wait that is never negative.
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "0", "120", "-5", "Wed, 21 Oct 2015 07:28:00 GMT", "99999999999999999999", " 3 "} {
		f.Add(s)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		if d := parseRetryAfter(v, now); d < 0 {
			t.Fatalf("parseRetryAfter(%q) = %s", v, d)
		}
	})
}
