package ui

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/tunnel"
	"github.com/dexra/dexra-tui/tunnel/sandbox"
	"github.com/dexra/dexra-tui/ui/compose"
)

const testKey = "sk_sandbox_console_test"

// composeModel is testModel with c sending to base under the sandbox profile (and
// production, when prod is set).
func composeModel(t *testing.T, st store.Reader, base, prod string) *Model {
	t.Helper()
	m := testModel(st, true)
	m.opts.Compose = ComposeOptions{Profiles: []compose.Profile{{Name: "sandbox", BaseURL: base, Key: testKey}}}
	if rec, ok := st.(tunnel.Recorder); ok {
		m.opts.Compose.Recorder = rec
	}
	if prod != "" {
		m.opts.Compose.Profiles = append(m.opts.Compose.Profiles, compose.Profile{Name: "production", BaseURL: prod, Key: "sk_live_0123456789abcdef"})
	}
	return m
}

// driveForm is drive for the compose form: huh's commands include cursor blinks
// and window-size requests that never end or need a program, so each command gets
// a moment to answer and is dropped after it.
func driveForm(m *Model, msgs ...tea.Msg) {
	queue := append([]tea.Msg(nil), msgs...)
	for n := 0; len(queue) > 0 && n < 5000; n++ {
		msg := queue[0]
		queue = queue[1:]
		_, cmd := m.Update(msg)
		queue = append(queue, quickly(cmd)...)
	}
}

func quickly(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	got := make(chan tea.Msg, 1)
	go func() { got <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-got:
	case <-time.After(100 * time.Millisecond):
		return nil // a timer: the form works without it
	}
	if msg == nil {
		return nil
	}
	if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeFor[tea.Cmd]() {
		var out []tea.Msg // a batch or a sequence
		for i := range v.Len() {
			out = append(out, quickly(v.Index(i).Interface().(tea.Cmd))...)
		}
		return out
	}
	switch msg.(type) {
	case tea.WindowSizeMsg:
		return nil // asked by huh of the program; the console sized it already
	}
	return []tea.Msg{msg}
}

var right = tea.KeyPressMsg{Code: tea.KeyRight}

func typeForm(m *Model, s string) {
	for _, r := range s {
		driveForm(m, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func screenOf(m *Model) string { return ansi.Strip(m.View().Content) }

func TestComposeShowsFieldErrorsAsTyped(t *testing.T) {
	m := composeModel(t, openStore(t), "http://127.0.0.1:1", "")
	start(m, 120, 35)
	driveForm(m, press("c"))
	s := screenOf(m)
	for _, want := range []string{"COMPOSE A MESSAGE", "✗ recipient_id required", "✗ text required and not blank", "POST http://127.0.0.1:1/v1/send-message"} {
		if !strings.Contains(s, want) {
			t.Fatalf("the opened form lacks %q:\n%s", want, s)
		}
	}
	driveForm(m, press("enter"), press("enter")) // profile, channel (whatsapp)
	typeForm(m, "+1")
	if s := screenOf(m); !strings.Contains(s, `✗ recipient_id "+1" is not an E.164 phone number`) {
		t.Fatalf("a short number is not named as the recipient's problem:\n%s", s)
	}
	// enter on a wrong recipient stays on it.
	driveForm(m, press("enter"))
	typeForm(m, "5551234567")
	s = screenOf(m)
	if strings.Contains(s, "✗ recipient_id") || !strings.Contains(s, `"recipient_id": "+15551234567"`) {
		t.Fatalf("the fixed recipient is still flagged, or missing from the preview:\n%s", s)
	}
	driveForm(m, press("enter"), press("enter")) // recipient, type (text)
	typeForm(m, "hi")
	s = screenOf(m)
	for _, want := range []string{"✓ ready to send", `"text": "hi"`, "curl -sS", "sk_s…test", `"text":"hi"}' 'http://127.0.0.1:1/v1/send-message'`} {
		if !strings.Contains(s, want) {
			t.Fatalf("the filled form lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, testKey) {
		t.Fatalf("the preview shows the API key unmasked:\n%s", s)
	}
	driveForm(m, press("esc"))
	if m.compose.form != nil || !strings.Contains(screenOf(m), "compose canceled: nothing sent") {
		t.Fatalf("esc did not close the form:\n%s", screenOf(m))
	}
}

func TestComposeOtherTypesAreChecked(t *testing.T) {
	m := composeModel(t, openStore(t), "http://127.0.0.1:1", "")
	start(m, 120, 35)
	driveForm(m, press("c"), press("enter"))
	driveForm(m, right)
	driveForm(m, press("enter")) // channel → sms
	typeForm(m, "+15551234567")
	driveForm(m, press("enter"))
	driveForm(m, right)
	driveForm(m, right)
	driveForm(m, right) // type → template
	if s := screenOf(m); !strings.Contains(s, "✗ template.name required for a template message") {
		t.Fatalf("a template without a name is not flagged:\n%s", s)
	}
	driveForm(m, press("enter"))
	typeForm(m, "Bad Name")
	if s := screenOf(m); !strings.Contains(s, `✗ template.name "Bad Name": lower-case letters`) {
		t.Fatalf("a bad template name is not flagged:\n%s", s)
	}
}

func TestComposeProductionAsksFirst(t *testing.T) {
	var hits atomic.Int32
	prod := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte(`{"message_id":"m1","status":"queued"}`))
	}))
	defer prod.Close()
	m := composeModel(t, openStore(t), "http://127.0.0.1:1", prod.URL)
	start(m, 120, 35)
	driveForm(m, press("c"), right) // profile → production
	if s := screenOf(m); !strings.Contains(s, "PRODUCTION") || !strings.Contains(s, "POST "+prod.URL) {
		t.Fatalf("the production profile is not shown:\n%s", s)
	}
	driveForm(m, press("enter"), press("enter"))
	typeForm(m, "+15551234567")
	driveForm(m, press("enter"), press("enter"))
	typeForm(m, "hi")
	driveForm(m, press("enter"))
	if s := screenOf(m); !strings.Contains(s, "Send to PRODUCTION?") {
		t.Fatalf("no confirmation asked:\n%s", s)
	}
	driveForm(m, press("enter")) // the default: Cancel
	if s := screenOf(m); !strings.Contains(s, "not sent: the production send was not confirmed") || hits.Load() != 0 {
		t.Fatalf("an unconfirmed production send went out (%d requests):\n%s", hits.Load(), s)
	}
}

// sandboxLive runs the console with the sandbox in-process, as the console command
// does: webhooks to the listener's /dexatel, signed with its secret.
func sandboxLive(t *testing.T, w, h int) *liveConsole {
	t.Helper()
	return startLive(t, w, h, nil, func(st *store.Store, _ *tunnel.Hub, url string) Options {
		sb, err := sandbox.New(sandbox.Config{Key: testKey, WebhookURL: url + "/dexatel", Secret: testSecret, Seed: 7, StepDelay: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go sb.Serve(ln)
		t.Cleanup(func() { sb.Close() })
		return Options{Reader: st, ListenURL: url, Profile: ProfileSandbox, Secret: testSecret, Location: time.UTC,
			Compose: ComposeOptions{Profiles: []compose.Profile{{Name: "sandbox", BaseURL: "http://" + ln.Addr().String(), Key: testKey}}, Recorder: st}}
	})
}

var (
	sentRE      = regexp.MustCompile(`\+\d+\.\d\ds sent ✓`)
	deliveredRE = regexp.MustCompile(`\+\d+\.\d\ds delivered ✓`)
)

func TestComposeSendsToSandboxAndTimelineFills(t *testing.T) {
	c := sandboxLive(t, 120, 35)
	c.waitScreen(t, "empty console", func(s string) bool { return strings.Contains(s, "no events yet") })
	c.keys("c")
	c.waitScreen(t, "the form", func(s string) bool { return strings.Contains(s, "COMPOSE A MESSAGE") })
	// huh moves the focus in a command of its own: type once it has moved.
	c.keys("enter", "enter")
	c.waitScreen(t, "recipient focused", func(s string) bool { return strings.Contains(s, "┃ Recipient") })
	c.tm.Type("+15551234567")
	c.keys("enter", "enter")
	c.waitScreen(t, "text focused", func(s string) bool { return strings.Contains(s, "┃ Text") })
	c.tm.Type("hello from the console")
	c.waitScreen(t, "ready", func(s string) bool { return strings.Contains(s, "✓ ready to send") })
	c.keys("enter")
	var msgID string
	idRE := regexp.MustCompile(`Message ([0-9a-f-]{36})`)
	c.waitScreen(t, "the answer", func(s string) bool {
		if m := idRE.FindStringSubmatch(s); m != nil && strings.Contains(s, "SENT ✓  queued") {
			msgID = m[1]
			return strings.Contains(s, "HTTP    200 · 1 try")
		}
		return false
	})
	c.keys("enter")
	c.waitScreen(t, "sent and delivered on the Timeline", func(s string) bool {
		return strings.Contains(s, "Message   "+msgID) && strings.Contains(s, "+0.00s send-message") &&
			sentRE.MatchString(s) && deliveredRE.MatchString(s)
	})
	// The history holds the send with the message id as its correlation key, the key
	// redacted.
	page, err := c.store.List(store.ListOptions{Query: "dir:out", WithBody: true, Limit: 5})
	if err != nil || len(page.Events) != 1 {
		t.Fatalf("outbound events: %v, %v", page.Events, err)
	}
	sent := page.Events[0]
	var body tunnel.Message
	if err := json.Unmarshal(sent.Body, &body); err != nil || sent.Correlation != msgID || body.Text != "hello from the console" {
		t.Fatalf("stored send: correlation %q body %s (%v)", sent.Correlation, sent.Body, err)
	}
	if strings.Contains(sent.Headers.Get("Authorization"), testKey) {
		t.Fatalf("the API key reached the history: %v", sent.Headers)
	}
	// A status webhook links back to the send: m opens it.
	c.keys("esc")
	tl, err := tunnel.MessageTimeline(c.store, msgID)
	if err != nil || len(tl.Entries) == 0 {
		t.Fatalf("timeline: %v %v", tl, err)
	}
	c.keys("q")
	c.tm.WaitFinished(t)
}

func TestWebhookLinksBackToSentMessage(t *testing.T) {
	st := openStore(t)
	fill(t, st, timelineFixture())
	m := testModel(st, true)
	start(m, 120, 35)
	drive(m, press("7")) // the newest: a delivered webhook
	s := screenOf(m)
	if !strings.Contains(s, "status of message "+fixtureMsgID) || !strings.Contains(s, "sent +1.50s before · m opens the sent message") {
		t.Fatalf("the webhook does not link back to its send:\n%s", s)
	}
	drive(m, press("m"))
	s = screenOf(m)
	if !strings.Contains(s, "send-message · dexra") || !strings.Contains(s, "◀ this event") || !strings.Contains(s, "+0.00s send-message") {
		t.Fatalf("m did not open the sent message's Timeline:\n%s", s)
	}
	for _, want := range []string{"+0.12s sent ✓", "+0.90s delivered ✓", "+1.20s delivered ✓ ↺ duplicate", "+1.50s sent ✓ ⇅ out of order", `Answer    200 OK {"message_id":"`, "1 try · 4ms"} {
		if !strings.Contains(s, want) {
			t.Fatalf("the Timeline lacks %q:\n%s", want, s)
		}
	}
}

const fixtureMsgID = "4ca07d94-7b4d-4434-97aa-ffff00000001"

// timelineFixture is one sent message and its webhooks: sent, delivered, a
// redelivery of delivered, and a late sent (out of order).
func timelineFixture() []*payloads.Event {
	at := func(ms int) time.Time { return clock.Add(time.Duration(ms) * time.Millisecond) }
	body := []byte(`{"channel":"whatsapp","recipient_id":"+15551234567","message_type":"text","text":"hello"}`)
	answer := []byte(`{"message_id":"` + fixtureMsgID + `","status":"queued"}`)
	sent := &payloads.Event{
		ID: "01JNGQ0000000000000000001A", Received: at(0), Direction: payloads.Outbound, Method: http.MethodPost,
		Host: "127.0.0.1:4243", Path: tunnel.SendPath, Headers: http.Header{"Content-Type": {"application/json"}, "Authorization": {"[redacted]"}},
		Body: body, Size: len(body), BodyKind: payloads.BodyJSON, Source: tunnel.OutboundSource, Type: tunnel.OutboundType,
		Signature: sig.Verdict{Status: sig.Unchecked, Reason: "outbound API call: not signed", SecretIndex: -1},
		DedupKey:  "idempotency:idem_1", Correlation: fixtureMsgID, Status: 200, Summary: "text → +15551234567 whatsapp: queued",
		Attempts: []payloads.Attempt{{Target: "http://127.0.0.1:4243" + tunnel.SendPath, Mode: "send", At: at(0), Status: 200, Latency: 4 * time.Millisecond, ResponseBody: answer}},
	}
	d := func(status string) []byte { return delivery(fixtureMsgID, status) }
	return []*payloads.Event{
		sent,
		request("01JNGQ0000000000000000001B", at(120), "/dexatel", signed(testSecret, d("sent")), d("sent")),
		request("01JNGQ0000000000000000001C", at(900), "/dexatel", signed(testSecret, d("delivered")), d("delivered")),
		request("01JNGQ0000000000000000001D", at(1200), "/dexatel", signed(testSecret, d("delivered")), d("delivered")),
		request("01JNGQ0000000000000000001E", at(1500), "/dexatel", signed(testSecret, append(d("sent"), ' ')), append(d("sent"), ' ')),
	}
}

func TestGoldenCompose(t *testing.T) {
	for _, size := range []struct {
		name string
		w, h int
	}{{"120x35", 120, 35}, {"80x24", 80, 24}} {
		t.Run(size.name+"-form", func(t *testing.T) {
			st := openStore(t)
			fill(t, st, fixtureEvents())
			m := composeModel(t, st, "http://127.0.0.1:4243", "")
			m.opts.NoColor = false
			start(m, size.w, size.h)
			driveForm(m, press("c"), press("enter"), press("enter"))
			typeForm(m, "+1555")
			golden.RequireEqual(t, []byte(m.View().Content))
		})
		t.Run(size.name+"-timeline", func(t *testing.T) {
			st := openStore(t)
			fill(t, st, timelineFixture())
			m := testModel(st, false)
			start(m, size.w, size.h)
			drive(m, press("g"), press("7"))
			golden.RequireEqual(t, []byte(m.View().Content))
		})
	}
}
