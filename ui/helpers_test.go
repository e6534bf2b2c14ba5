package ui

import (
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store"
)

const testSecret = "whsec-console-test"

// clock is the fixed time of every deterministic test.
var clock = time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC)

// openStore opens a fresh history in a temp dir.
func openStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "history.db"), store.Options{Retention: -1})
	if err != nil {
		t.Fatalf("open history: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// request builds an event as the listener would: raw request, then Analyze.
func request(id string, at time.Time, path string, h http.Header, body []byte) *payloads.Event {
	if h == nil {
		h = http.Header{}
	}
	ev := &payloads.Event{
		ID: id, Received: at, Direction: payloads.Inbound, Method: http.MethodPost,
		Path: path, Host: "127.0.0.1:4242", RemoteAddr: "127.0.0.1:50000", Headers: h, Body: body, Status: 200,
	}
	payloads.Analyze(ev, payloads.VerifyConfig{Scheme: sig.Auto, Secrets: []string{testSecret}})
	return ev
}

// signed returns headers carrying a Dexatel signature of body made with secret.
func signed(secret string, body []byte) http.Header {
	s, _ := sig.Lookup("dexatel")
	h, err := s.Sign(sig.SignInput{Secret: secret, Body: body})
	if err != nil {
		panic(err)
	}
	h.Set("Content-Type", "application/json")
	return h
}

func delivery(msgID, status string) []byte {
	return []byte(fmt.Sprintf(`{"data":{"account_id":"4ca07d94-7b4d-4434-97aa-9ec34772f111","message_id":"%s","event":"delivery","status":"%s","timestamp":"2022-03-01 13:00:00"}}`, msgID, status))
}

// fixtureEvents is a small, fixed history: passes, a failure, a missing signature, a
// redelivery, a hostile payload and a binary body.
func fixtureEvents() []*payloads.Event {
	at := func(s int) time.Time { return clock.Add(time.Duration(s) * time.Second) }
	d1 := delivery("4ca07d94-7b4d-4434-97aa-000000000001", "delivered")
	msg := []byte(`{"data":{"account_id":"4ca07d94-7b4d-4434-97aa-9ec34772f111","message_id":"4ca07d94-7b4d-4434-97aa-000000000002","event":"message","text":"sign me","channel":"sms","from":"+15550001","to":"+15550002"}}`)
	// Valid JSON whose strings decode to escape sequences, plus raw C1 and bidi characters.
	hostile := []byte(`{"data":{"account_id":"4ca07d94-7b4d-4434-97aa-9ec34772f111","message_id":"4ca07d94-7b4d-4434-97aa-000000000003","event":"message","text":"\u001b]52;c;ZWNobyBwd25lZA==\u0007\u001b]2;owned\u0007\u001b[2J\rOK` + "\u009b2J\u202egpj.exe" + `","channel":"sms"}}`)
	hostileHeaders := signed(testSecret, hostile)
	hostileHeaders.Set("X-Evil", "\u202eevil\u009b")
	// Raw escape sequences in a text body and in the path.
	raw := []byte("\x1b]52;c;ZWNobyBwd25lZA==\x07 plain\x1b]2;owned\x07\r\x1b[2Joverwritten")
	return []*payloads.Event{
		request("01JNGQ0000000000000000000A", at(1), "/dexatel", signed(testSecret, d1), d1),
		request("01JNGQ0000000000000000000B", at(2), "/dexatel", signed("wrong-secret", msg), msg),
		request("01JNGQ0000000000000000000C", at(3), "/dexra", http.Header{"Content-Type": {"application/json"}},
			[]byte(`{"event":"message_in","event_id":"evt_1","data":{"conversation_id":"c1","message_text":"hello","source_channel":"whatsapp"}}`)),
		request("01JNGQ0000000000000000000D", at(5), "/dexatel", signed(testSecret, d1), d1),
		request("01JNGQ0000000000000000000E", at(8), "/dexatel", hostileHeaders, hostile),
		request("01JNGQ0000000000000000000G", at(9), "/hook\x1b[2J\u202e", http.Header{"Content-Type": {"text/plain"}}, raw),
		request("01JNGQ0000000000000000000F", at(13), "/bin", http.Header{"Content-Type": {"application/octet-stream"}},
			[]byte{0x00, 0x01, 0x1b, '[', '2', 'J', 0xff, 0xfe, 0x9b, 'x'}),
	}
}

// fill appends evs to st.
func fill(t testing.TB, st *store.Store, evs []*payloads.Event) {
	t.Helper()
	for _, ev := range evs {
		if err := st.Append(ev); err != nil {
			t.Fatalf("append: %v", err)
		}
	}
}

// testModel is a console over st with a fixed clock, UTC times and no timers.
func testModel(st store.Reader, noColor bool) *Model {
	m := New(Options{
		Reader: st, ListenURL: "http://127.0.0.1:4242", Profile: ProfileSandbox, Secret: testSecret,
		Now: func() time.Time { return clock.Add(15 * time.Second) }, Location: time.UTC, NoColor: noColor,
	})
	m.tickEnabled = false
	m.schedule = func(d time.Duration, msg tea.Msg) tea.Cmd {
		switch msg.(type) {
		case applyFilterMsg:
			return func() tea.Msg { return msg } // no typing pause in tests
		}
		return nil // toasts stay until the test ends
	}
	return m
}

// drive updates m with msgs and then with every message their commands produce,
// synchronously, until nothing is left.
func drive(m *Model, msgs ...tea.Msg) {
	queue := append([]tea.Msg(nil), msgs...)
	for len(queue) > 0 {
		msg := queue[0]
		queue = queue[1:]
		_, cmd := m.Update(msg)
		queue = append(queue, execute(cmd)...)
	}
}

// execute runs cmd and returns the messages it produces (batches flattened).
func execute(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	switch msg := msg.(type) {
	case nil:
		return nil
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, execute(c)...)
		}
		return out
	}
	return []tea.Msg{msg}
}

// start sizes m and runs Init.
func start(m *Model, w, h int) {
	drive(m, tea.WindowSizeMsg{Width: w, Height: h})
	drive(m, execute(m.Init())...)
}

func press(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "home":
		return tea.KeyPressMsg{Code: tea.KeyHome}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "ctrl+s":
		return tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

// typeText presses each rune of s.
func typeText(m *Model, s string) {
	for _, r := range s {
		drive(m, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}
