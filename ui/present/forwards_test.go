package present

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/ui/sanitize"
)

var at = time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC)

func TestForwardsListsEveryAttemptNewestFirstWithTheAnswer(t *testing.T) {
	ev := &payloads.Event{ID: "01JNGQ0000000000000000000A", Attempts: []payloads.Attempt{
		{Target: "http://127.0.0.1:3000/dexatel", Mode: "forward", At: at, Latency: 800 * time.Microsecond, Error: "connection refused"},
		{Target: "http://127.0.0.1:3000/dexatel", Mode: "captured", At: at.Add(time.Minute), Status: 401, Latency: 12 * time.Millisecond,
			Warning: "stale: the signed timestamp is 20m old", ResponseHeaders: http.Header{"Content-Type": {"text/plain"}},
			ResponseBody: []byte("bad signature")},
		{Target: "http://127.0.0.1:3000/dexatel", Mode: "edited", At: at.Add(2 * time.Minute), Status: 200, Latency: 1500 * time.Millisecond,
			DerivedID: "01JNGQ0000000000000000000Z", ResponseHeaders: http.Header{"X-B": {"2"}, "Content-Type": {"application/json"}},
			ResponseBody: []byte(`{"ok":true}`), ResponseTruncated: true},
	}}
	got := plain(Forwards(ev, Options{Location: time.UTC, Width: 80}))
	want := strings.Join([]string{
		"3 attempts · newest first · 1 ok · 2 failed",
		"",
		"#3 13:02:00 edited → 200 OK · 1.5s",
		"Target    http://127.0.0.1:3000/dexatel",
		"Sent as   01JNGQ0000000000000000000Z (the edited event)",
		"Response  200 OK · 2 headers · 11 bytes",
		"  Content-Type: application/json",
		"  X-B: 2",
		"",
		"  {",
		`    "ok": true`,
		"  }",
		"  … the app sent more: the first 11 bytes are kept",
		"",
		"#2 13:01:00 captured → 401 Unauthorized · 12ms",
		"Target    http://127.0.0.1:3000/dexatel",
		"Warning   stale: the signed timestamp is 20m old",
		"Response  401 Unauthorized · 1 header · 13 bytes",
		"  Content-Type: text/plain",
		"",
		"  bad signature",
		"",
		"#1 13:00:00 forward → ✗ no answer · 0.8ms",
		"Target    http://127.0.0.1:3000/dexatel",
		"Error     connection refused",
	}, "\n")
	if got != want {
		t.Fatalf("Forwards tab:\n%s\nwant:\n%s", got, want)
	}
}

func TestForwardsOfAnEventNeverSentAndOfAnEditedOne(t *testing.T) {
	got := plain(Forwards(&payloads.Event{}, Options{Location: time.UTC}))
	if !strings.HasPrefix(got, "Not forwarded or replayed yet.") || !strings.Contains(got, "--forward-to URL") {
		t.Fatalf("no attempts:\n%s", got)
	}
	got = plain(Forwards(&payloads.Event{DerivedFrom: "01JNGQ0000000000000000000A"}, Options{Location: time.UTC}))
	if !strings.HasPrefix(got, "Edited    this body was sent by an edited replay of 01JNGQ0000000000000000000A") {
		t.Fatalf("derived event:\n%s", got)
	}
}

func TestForwardsOfAnEventNotSentYetWhileForwardingIsOn(t *testing.T) {
	got := plain(Forwards(&payloads.Event{}, Options{Location: time.UTC, Forwarding: true}))
	if strings.Contains(got, "--forward-to") || !strings.Contains(got, "Forwarding is on: events received while it runs are sent to your app in turn") {
		t.Fatalf("no attempts while forwarding is on:\n%s", got)
	}
}

// Events the forwarder never sends say why, not that forwarding will send them.
func TestForwardsOfAnEventNeverForwardedSaysWhy(t *testing.T) {
	for want, ev := range map[string]*payloads.Event{
		"setup handshake the listener answered itself": {Type: "handshake", Source: "meta"},
		"only received webhooks are forwarded":         {Direction: payloads.Outbound},
		"refused it and kept no body":                  {Rejected: "body over 5 MiB"},
	} {
		got := plain(Forwards(ev, Options{Location: time.UTC, Forwarding: true}))
		if !strings.Contains(got, want) || strings.Contains(got, "Forwarding is on") {
			t.Errorf("%+v:\n%s\nwant %q", ev, got, want)
		}
	}
}

func TestForwardsSanitizesTheAppsAnswer(t *testing.T) {
	hostile := "\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b]2;owned\x07\r\x1b[2J\u009b2J\u202e"
	ev := &payloads.Event{Attempts: []payloads.Attempt{{
		Target: "http://x/" + hostile, Mode: hostile, At: at, Status: 500, Error: hostile, Warning: hostile,
		ResponseHeaders: http.Header{"X-" + hostile: {hostile}},
		ResponseBody:    []byte(`{"e":"` + "\u009b\u202e" + `"}` + hostile),
	}}}
	for _, l := range Forwards(ev, Options{Location: time.UTC, Width: 80}) {
		for _, s := range l {
			if !sanitize.Safe(s.Text) {
				t.Fatalf("unsafe span %q", s.Text)
			}
		}
	}
}

func TestForwardStateOfARow(t *testing.T) {
	ok := payloads.Attempt{Target: "a", At: at, Status: 204}
	down := payloads.Attempt{Target: "a", At: at.Add(time.Second), Error: "connection refused"}
	later := payloads.Attempt{Target: "a", At: at.Add(2 * time.Second), Status: 200}
	other := payloads.Attempt{Target: "b", At: at, Status: 500}
	for _, c := range []struct {
		attempts []payloads.Attempt
		want     ForwardState
	}{
		{nil, ForwardNone},
		{[]payloads.Attempt{ok}, ForwardOK},
		{[]payloads.Attempt{ok, down}, ForwardFailed},
		{[]payloads.Attempt{down, later}, ForwardOK}, // redelivered by a replay
		{[]payloads.Attempt{later, other}, ForwardFailed},
	} {
		if got := ForwardOf(&payloads.Event{Attempts: c.attempts}); got != c.want {
			t.Errorf("%+v: %d, want %d", c.attempts, got, c.want)
		}
	}
	if ForwardGlyph(ForwardOK) != "↦" || ForwardGlyph(ForwardFailed) != "↛" || ForwardGlyph(ForwardNone) != " " {
		t.Error("glyphs")
	}
}
