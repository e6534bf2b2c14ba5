package detail

import (
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/ui/present"
	"github.com/dexra/dexra-tui/ui/theme"
)

// BenchmarkTimelineOpen is opening a sent message's detail, its Timeline read
// through the correlation index, among n stored events (1,000 is the baseline): the
// time must not follow the history's size.
func BenchmarkTimelineOpen(b *testing.B) {
	for _, n := range []int{1_000, 1_000_000} {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			if testing.Short() && n > 1_000 {
				b.Skip("a million events take a while to write; not under -short")
			}
			st, sentID := bigHistory(b, n)
			styles := theme.New(true, true)
			b.ResetTimer()
			for b.Loop() {
				msg := load(st, nil, defaultOpts(), &styles, sentID, 1)().(LoadedMsg)
				if msg.err != nil || !msg.tl.has || len(msg.tl.tab.head) < 8 {
					b.Fatalf("timeline: %v %+v", msg.err, msg.tl)
				}
			}
		})
	}
}

// bigHistory holds n events: webhooks about n/4 other messages, and in the middle
// one sent message with its three status webhooks.
func bigHistory(b *testing.B, n int) (*store.Store, string) {
	b.Helper()
	st, err := store.Open(filepath.Join(b.TempDir(), "history.db"), store.Options{Retention: -1, Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	start := time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC)
	const target = "4ca07d94-7b4d-4434-97aa-7a26e7000000"
	var sentID string
	batch := make([]*payloads.Event, 0, 10_000)
	flush := func() {
		for _, err := range st.AppendBatch(batch) {
			if err != nil {
				b.Fatal(err)
			}
		}
		batch = batch[:0]
	}
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(i) * time.Millisecond)
		msgID := fmt.Sprintf("4ca07d94-7b4d-4434-97aa-%012d", i/4)
		var ev *payloads.Event
		switch {
		case i == n/2:
			ev = &payloads.Event{Received: at, Direction: payloads.Outbound, Method: http.MethodPost, Path: "/v1/send-message",
				Body: []byte(`{"channel":"sms","recipient_id":"+15551234567","message_type":"text","text":"hi"}`), BodyKind: payloads.BodyJSON,
				Source: "dexra", Type: "send-message", Correlation: target, Status: 200,
				Signature: sig.Verdict{Status: sig.Unchecked, SecretIndex: -1},
				Attempts:  []payloads.Attempt{{Mode: "send", At: at, Status: 200, ResponseBody: []byte(`{"message_id":"` + target + `","status":"queued"}`)}}}
			ev.ID = payloads.NewID(at)
			sentID = ev.ID
		case i > n/2 && i <= n/2+3:
			ev = statusEvent(at, target, []string{"sent", "delivered", "read"}[i-n/2-1])
		default:
			ev = statusEvent(at, msgID, "delivered")
		}
		batch = append(batch, ev)
		if len(batch) == cap(batch) {
			flush()
		}
	}
	flush()
	return st, sentID
}

func statusEvent(at time.Time, msgID, status string) *payloads.Event {
	body := []byte(fmt.Sprintf(`{"data":{"account_id":"4ca07d94-7b4d-4434-97aa-9ec34772f111","message_id":"%s","event":"delivery","status":"%s","timestamp":"2026-03-01 13:00:00"}}`, msgID, status))
	ev := &payloads.Event{Received: at, Direction: payloads.Inbound, Method: http.MethodPost, Path: "/dexatel",
		Headers: http.Header{"Content-Type": {"application/json"}}, Body: body}
	payloads.Analyze(ev, payloads.VerifyConfig{})
	return ev
}

func defaultOpts() present.Options { return present.Options{Location: time.UTC, Width: 80} }
