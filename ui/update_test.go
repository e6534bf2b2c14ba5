package ui

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/dexra/dexra-tui/payloads/catalog"
	"github.com/dexra/dexra-tui/tunnel"
	"github.com/dexra/dexra-tui/ui/curl"
	"github.com/dexra/dexra-tui/ui/present"
	"github.com/dexra/dexra-tui/ui/theme"
)

func screenText(m *Model) string { return ansi.Strip(m.View().Content) }

func fixtureModel(t *testing.T, w, h int) *Model {
	t.Helper()
	st := openStore(t)
	fill(t, st, fixtureEvents())
	m := testModel(st, false)
	start(m, w, h)
	return m
}

func TestResizeSwitchesLayouts(t *testing.T) {
	m := fixtureModel(t, 120, 35)
	if !m.screen.SideBySide {
		t.Fatal("120 columns should lay list and detail side by side")
	}
	lines := strings.Split(screenText(m), "\n")
	if len(lines) != 35 {
		t.Fatalf("screen has %d lines, want 35", len(lines))
	}
	if !strings.Contains(lines[2], "│") {
		t.Errorf("side by side screen has no separator: %q", lines[2])
	}

	drive(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	if m.screen.SideBySide {
		t.Fatal("80 columns should stack the detail under the list")
	}
	if got := strings.Count(screenText(m), "\n") + 1; got != 24 {
		t.Fatalf("stacked screen has %d lines, want 24", got)
	}
	if !strings.Contains(screenText(m), "──────") {
		t.Error("stacked screen has no rule between list and detail")
	}

	for _, size := range [][2]int{{59, 30}, {120, 14}} {
		drive(m, tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		if got := screenText(m); !strings.Contains(got, "needs a terminal of at least 60×15") {
			t.Fatalf("%dx%d: no size message:\n%s", size[0], size[1], got)
		}
	}
	drive(m, tea.WindowSizeMsg{Width: 100, Height: 20})
	if got := screenText(m); !m.screen.SideBySide || !strings.Contains(got, "EVENTS") {
		t.Fatalf("100x20 should be side by side again:\n%s", got)
	}
	for _, l := range strings.Split(screenText(m), "\n") {
		if w := ansi.StringWidth(l); w != 100 {
			t.Fatalf("line is %d cells wide, want 100: %q", w, l)
		}
	}
}

// A terminal too small for the console gets its size message wrapped, not cut.
func TestTooSmallMessageWrapsToTheWidth(t *testing.T) {
	m := fixtureModel(t, 120, 35)
	for _, size := range [][2]int{{30, 8}, {20, 8}} {
		w, h := size[0], size[1]
		drive(m, tea.WindowSizeMsg{Width: w, Height: h})
		got := screenText(m)
		lines := strings.Split(got, "\n")
		if len(lines) != h {
			t.Fatalf("%dx%d: %d lines, want %d:\n%s", w, h, len(lines), h, got)
		}
		for _, l := range lines {
			if lw := ansi.StringWidth(l); lw != w {
				t.Fatalf("%dx%d: a line is %d cells wide: %q", w, h, lw, l)
			}
		}
		words := strings.Join(strings.Fields(got), " ")
		for _, want := range []string{"needs a terminal of at least 60×15", fmt.Sprintf("this one is %d×%d: make it larger", w, h), "q quits"} {
			if !strings.Contains(words, want) {
				t.Errorf("%dx%d: %q is not readable:\n%s", w, h, want, got)
			}
		}
	}
}

func TestNavigationKeys(t *testing.T) {
	m := fixtureModel(t, 120, 35)
	ids := func() string { return m.list.SelectedID() }
	if ids() != "01JNGQ0000000000000000000F" || !m.list.Following() {
		t.Fatalf("start: selected %s following=%v, want the newest and following", ids(), m.list.Following())
	}
	drive(m, press("k"))
	if ids() != "01JNGQ0000000000000000000G" || m.list.Following() {
		t.Fatalf("k: selected %s following=%v, want the previous event and paused", ids(), m.list.Following())
	}
	if m.detail.ID() != ids() {
		t.Fatalf("detail shows %s, want the selected %s", m.detail.ID(), ids())
	}
	drive(m, press("up"), press("down"), press("j"))
	if ids() != "01JNGQ0000000000000000000F" || m.list.Following() {
		t.Fatalf("up down j: selected %s following=%v, want the newest, still paused", ids(), m.list.Following())
	}
	drive(m, press("g"))
	if ids() != "01JNGQ0000000000000000000A" {
		t.Fatalf("g: selected %s, want the oldest", ids())
	}
	drive(m, press("end"))
	if ids() != "01JNGQ0000000000000000000F" || !m.list.Following() {
		t.Fatalf("end: selected %s following=%v, want the newest and following", ids(), m.list.Following())
	}
	drive(m, press("home"))
	if ids() != "01JNGQ0000000000000000000A" {
		t.Fatalf("home: selected %s, want the oldest", ids())
	}
	drive(m, press("pgdown"))
	if ids() != "01JNGQ0000000000000000000F" {
		t.Fatalf("pgdown: selected %s, want the last row", ids())
	}
	drive(m, press("pgup"))
	if ids() != "01JNGQ0000000000000000000A" {
		t.Fatalf("pgup: selected %s, want the first row", ids())
	}
	drive(m, press("G"))
	if !m.list.Following() {
		t.Fatal("G should resume following")
	}
}

func TestTabKeys(t *testing.T) {
	m := fixtureModel(t, 120, 35)
	drive(m, press("k"), press("k"), press("k"), press("k"), press("k")) // the failing event
	steps := []struct {
		key  string
		tab  int
		text string
	}{
		{"tab", present.TabHeaders, "X-Dexatel-Signature: "},
		{"tab", present.TabSignature, "Reason    mismatch"},
		{"shift+tab", present.TabHeaders, "Content-Type: application/json"},
		{"4", present.TabSchema, "Result"},
		{"5", present.TabRaw, "POST /dexatel"},
		{"tab", present.TabForwards, "Not forwarded or replayed yet."},
		{"tab", present.TabBody, `"text": "sign me"`},
		{"shift+tab", present.TabForwards, "Not forwarded or replayed yet."},
		{"shift+tab", present.TabRaw, "POST /dexatel"},
		{"6", present.TabForwards, "--forward-to URL"},
		{"1", present.TabBody, `"channel": "sms"`},
	}
	for _, s := range steps {
		drive(m, press(s.key))
		if m.detail.Tab() != s.tab {
			t.Fatalf("%s: tab %d, want %d", s.key, m.detail.Tab(), s.tab)
		}
		if got := screenText(m); !strings.Contains(got, s.text) {
			t.Fatalf("%s: tab %s does not show %q:\n%s", s.key, present.TabNames[s.tab], s.text, got)
		}
	}
}

func TestDetailFocusScrollsTheDetail(t *testing.T) {
	m := fixtureModel(t, 120, 15)
	drive(m, press("k"), press("k"), press("k"), press("k"), press("k"), press("3")) // long signature tab
	before := m.list.SelectedID()
	drive(m, press("enter"))
	if m.focus != focusDetail {
		t.Fatal("enter should focus the detail")
	}
	top := screenText(m)
	drive(m, press("j"), press("j"), press("j"))
	if m.list.SelectedID() != before {
		t.Fatal("j moved the list while the detail had focus")
	}
	if screenText(m) == top {
		t.Fatal("j did not scroll the detail")
	}
	drive(m, press("esc"))
	if m.focus != focusList {
		t.Fatal("esc should give the list focus back")
	}
	drive(m, press("j"))
	if m.list.SelectedID() == before {
		t.Fatal("j should move the list again")
	}
}

func TestHelpAndQuitKeys(t *testing.T) {
	m := fixtureModel(t, 120, 35)
	if !strings.Contains(screenText(m), "? help") {
		t.Fatal("the one-line help is not visible")
	}
	drive(m, press("?"))
	got := screenText(m)
	for _, want := range []string{"KEYS", "copy curl", "sig:pass|fail|missing|unchecked", "shift+tab"} {
		if !strings.Contains(got, want) {
			t.Fatalf("full help lacks %q:\n%s", want, got)
		}
	}
	drive(m, press("esc"))
	if m.showHelp {
		t.Fatal("esc should close the help")
	}
	for _, k := range []string{"q", "ctrl+c"} {
		_, cmd := m.Update(press(k))
		if cmd == nil {
			t.Fatalf("%s returned no command", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Fatalf("%s did not quit", k)
		}
	}
}

func TestSecretRevealedOnKey(t *testing.T) {
	m := fixtureModel(t, 120, 35)
	if strings.Contains(screenText(m), testSecret) {
		t.Fatal("the secret is shown before s was pressed")
	}
	_, cmd := m.Update(press("s"))
	if !strings.Contains(screenText(m), testSecret) {
		t.Fatalf("s did not reveal the secret:\n%s", screenText(m))
	}
	if cmd == nil {
		t.Fatal("s should copy the secret to the clipboard")
	}
	drive(m, press("s"))
	if strings.Contains(screenText(m), testSecret) {
		t.Fatal("a second s should hide the secret")
	}
}

func TestFilterNarrowsLiveAndEscClears(t *testing.T) {
	m := fixtureModel(t, 120, 35)
	drive(m, press("/"))
	typeText(m, "sig:fail")
	got := screenText(m)
	if m.list.Query() != "sig:fail" {
		t.Fatalf("the filter was not applied while typing: %q", m.list.Query())
	}
	if !strings.Contains(got, "1 match") || !strings.Contains(got, `"sign me"`) || strings.Contains(got, "delivered") {
		t.Fatalf("sig:fail should leave only the failing event, with its count:\n%s", got)
	}
	drive(m, press("enter"))
	if m.filtering || !strings.Contains(screenText(m), "filter sig:fail") {
		t.Fatalf("enter should keep the filter and close the input:\n%s", screenText(m))
	}

	// An invalid query shows its error and keeps the last valid list.
	drive(m, press("/"), tea.PasteMsg{Content: " bogus:x"})
	got = screenText(m)
	if !strings.Contains(got, `unknown key "bogus"`) {
		t.Fatalf("no error for an invalid filter:\n%s", got)
	}
	if m.list.Query() != "sig:fail" || !strings.Contains(got, `"sign me"`) {
		t.Fatalf("an invalid filter lost the list (query %q):\n%s", m.list.Query(), got)
	}
	drive(m, press("esc"))
	got = screenText(m)
	if m.list.Query() != "" || m.filtering || !strings.Contains(got, "delivered") {
		t.Fatalf("esc should clear the filter (query %q):\n%s", m.list.Query(), got)
	}

	// esc outside the input clears an applied filter too.
	drive(m, press("/"))
	typeText(m, "type:delivery")
	drive(m, press("enter"))
	if !strings.Contains(screenText(m), "2 matches") {
		t.Fatalf("type:delivery should count 2:\n%s", screenText(m))
	}
	drive(m, press("esc"))
	if m.list.Query() != "" {
		t.Fatal("esc in the list should clear the applied filter")
	}
}

// The filter input is sized in cells, so wide characters are shown whole as typed.
func TestFilterInputShowsWideCharactersWhole(t *testing.T) {
	for _, typed := range []string{"日本語", "ab日本語cd"} {
		m := fixtureModel(t, 120, 35)
		drive(m, press("/"))
		typeText(m, typed)
		lines := strings.Split(screenText(m), "\n")
		status := lines[len(lines)-2]
		if !strings.HasPrefix(status, "/ "+typed+" ") {
			t.Errorf("typing %q shows the status line %q", typed, status)
		}
	}
}

func TestFollowModeTakesNewEvents(t *testing.T) {
	st := openStore(t)
	evs := fixtureEvents()
	fill(t, st, evs[:3])
	m := testModel(st, false)
	start(m, 120, 35)

	add := func(id string) {
		body := delivery("follow-"+id, "delivered")
		ev := request(id, clock.Add(20*time.Second), "/dexatel", signed(testSecret, body), body)
		fill(t, st, evs[:0])
		if err := st.Append(ev); err != nil {
			t.Fatal(err)
		}
		drive(m, eventsArrivedMsg{count: 1, arrivals: []arrival{{seq: ev.Seq, received: ev.Received}}})
	}
	add("01JNGQ0000000000000000001A")
	if m.list.SelectedID() != "01JNGQ0000000000000000001A" {
		t.Fatalf("following: selected %s, want the new event", m.list.SelectedID())
	}
	drive(m, press("k"))
	paused := m.list.SelectedID()
	add("01JNGQ0000000000000000001B")
	if m.list.SelectedID() != paused {
		t.Fatal("a new event moved the selection while paused")
	}
	if !strings.Contains(screenText(m), "1 new") {
		t.Fatalf("paused title does not count the new event:\n%s", screenText(m))
	}
	drive(m, press("G"))
	if m.list.SelectedID() != "01JNGQ0000000000000000001B" {
		t.Fatalf("G: selected %s, want the newest", m.list.SelectedID())
	}
	if !strings.Contains(screenText(m), "5 events") {
		t.Fatalf("the header total did not follow:\n%s", screenText(m))
	}
}

func TestMouseClickAndWheel(t *testing.T) {
	m := fixtureModel(t, 120, 35)
	// Row 1 of the body is the list title, so y=2 is the first event.
	drive(m, tea.MouseClickMsg{X: 5, Y: 2, Button: tea.MouseLeft})
	if m.list.SelectedID() != "01JNGQ0000000000000000000A" || m.list.Following() {
		t.Fatalf("click: selected %s, want the first row and paused", m.list.SelectedID())
	}
	drive(m, tea.MouseWheelMsg{X: 5, Y: 5, Button: tea.MouseWheelDown})
	if m.list.SelectedID() != "01JNGQ0000000000000000000B" {
		t.Fatalf("wheel down: selected %s, want the second row", m.list.SelectedID())
	}
	// Click on "3 Signature" in the tab line (second line of the detail pane).
	d := m.screen.Detail
	drive(m, tea.MouseClickMsg{X: d.X + len("1 Body  2 Headers  ") + 2, Y: d.Y + 1, Button: tea.MouseLeft})
	if m.detail.Tab() != present.TabSignature {
		t.Fatalf("tab click: tab %d, want Signature", m.detail.Tab())
	}
}

func TestCopyCurlAndBody(t *testing.T) {
	st := openStore(t)
	fill(t, st, fixtureEvents())
	m := testModel(st, false)
	start(m, 120, 35)
	drive(m, press("k"), press("k"), press("k"), press("k"), press("k"))
	ev, err := st.Get(m.list.SelectedID())
	if err != nil {
		t.Fatal(err)
	}
	msgs := execute(m.copyCurl())
	if len(msgs) != 1 {
		t.Fatalf("copy curl produced %d messages", len(msgs))
	}
	cm := msgs[0].(copyMsg)
	if cm.err != nil || cm.text != curl.Command(ev, "http://127.0.0.1:4242") {
		t.Fatalf("copied %q (err %v), want the event's curl command", cm.text, cm.err)
	}
	drive(m, cm)
	if !strings.Contains(screenText(m), "sent the curl command to the terminal clipboard (OSC 52)") {
		t.Fatalf("no confirmation after copying:\n%s", screenText(m))
	}
	cm = execute(m.copyBody())[0].(copyMsg)
	if cm.text != string(ev.Body) {
		t.Fatalf("copied body %q, want %q", cm.text, ev.Body)
	}
}

func TestTriggerPickerSendsTheChosenEvent(t *testing.T) {
	st := openStore(t)
	var sent []string
	m := New(Options{
		Reader: st, ListenURL: "http://127.0.0.1:4242", Location: time.UTC,
		Trigger: func(_ context.Context, ev catalog.EventType) (tunnel.TriggerResult, error) {
			sent = append(sent, ev.Name())
			return tunnel.TriggerResult{Status: 200}, nil
		},
	})
	m.tickEnabled = false
	m.schedule = func(time.Duration, tea.Msg) tea.Cmd { return nil }
	start(m, 120, 35)
	drive(m, press("t"))
	got := screenText(m)
	if !m.picker.IsOpen() || !strings.Contains(got, "dexatel.delivery") || !strings.Contains(got, "conversa.payment.paid") {
		t.Fatalf("t should open the catalog picker:\n%s", got)
	}
	drive(m, press("j"), press("enter"))
	if len(sent) != 1 || sent[0] != "dexatel.message" {
		t.Fatalf("sent %v, want [dexatel.message]", sent)
	}
	if !strings.Contains(screenText(m), "sent dexatel.message → 200") {
		t.Fatalf("no confirmation of the trigger:\n%s", screenText(m))
	}
	drive(m, press("t"), press("esc"))
	if m.picker.IsOpen() || len(sent) != 1 {
		t.Fatal("esc should close the picker without sending")
	}
}

func TestEmptyHistoryInvitesATrigger(t *testing.T) {
	m := testModel(openStore(t), false)
	start(m, 120, 35)
	got := screenText(m)
	for _, want := range []string{"no events yet", "press t", "0 events", "Waiting for webhooks", "http://127.0.0.1:4242/dexatel"} {
		if !strings.Contains(got, want) {
			t.Fatalf("empty console lacks %q:\n%s", want, got)
		}
	}
}

func TestProductionBadge(t *testing.T) {
	m := New(Options{Reader: openStore(t), Profile: ProfileProduction})
	m.tickEnabled = false
	drive(m, tea.WindowSizeMsg{Width: 120, Height: 30})
	if got := screenText(m); !strings.Contains(got, "PRODUCTION") || strings.Contains(got, "SANDBOX") {
		t.Fatalf("production profile not shown:\n%s", got)
	}
}

func TestStaleDetailIsDropped(t *testing.T) {
	m := fixtureModel(t, 120, 35)
	first := m.detail.Load("01JNGQ0000000000000000000A")
	second := m.detail.Load("01JNGQ0000000000000000000B")
	late := execute(first)
	drive(m, execute(second)...)
	drive(m, late...) // the answer for A arrives after B's
	if !strings.Contains(screenText(m), "01JNGQ0000000000000000000B · 13:00:02") {
		t.Fatalf("a stale load replaced the newer one:\n%s", screenText(m))
	}
}

func ExampleModel() {
	fmt.Println(DefaultKeyMap().Filter.Help().Key)
	// Output: /
}

func TestLightBackgroundRestyles(t *testing.T) {
	m := fixtureModel(t, 120, 35)
	dark := m.View().Content
	drive(m, tea.BackgroundColorMsg{Color: color.White})
	light := m.View().Content
	if m.isDark || dark == light {
		t.Fatal("a light background did not change the styles")
	}
	if ansi.Strip(dark) != ansi.Strip(light) {
		t.Fatal("restyling changed the text")
	}
	// The detail was drawn again in the new styles (its title carries a light colour).
	want := theme.New(false, false).Fail.Render("✗")
	drive(m, press("k"), press("k"), press("k"), press("k"), press("k"))
	if !strings.Contains(m.View().Content, want) {
		t.Fatal("the detail is not drawn with the light styles")
	}
}

func TestNoColorEnvironment(t *testing.T) {
	env := func(kv map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := kv[k]; return v, ok }
	}
	if !noColorEnv(env(map[string]string{"NO_COLOR": "1"})) || !noColorEnv(env(map[string]string{"NO_COLOR": "yes"})) {
		t.Fatal("NO_COLOR set to a value must turn colour off")
	}
	if noColorEnv(env(map[string]string{"NO_COLOR": ""})) || noColorEnv(env(nil)) {
		t.Fatal("an empty or missing NO_COLOR keeps colour")
	}
	st := openStore(t)
	fill(t, st, fixtureEvents())
	m := testModel(st, true)
	start(m, 120, 35)
	if got := m.View().Content; strings.Contains(got, "38;2;") || strings.Contains(got, "48;2;") {
		t.Fatal("NoColor still draws colours")
	}
}

// TestListenerStoppedReplacesListening: when the listener stops on its own the header
// says so at every width, and the status line gives the reason (sanitized) and what
// to do.
func TestListenerStoppedReplacesListening(t *testing.T) {
	m := fixtureModel(t, 120, 35)
	drive(m, listenerStoppedMsg{err: errors.New("accept tcp 127.0.0.1:4242: too many open files\x1b[2J")})
	if screen := screenText(m); !strings.Contains(screen, "listener stopped: accept tcp 127.0.0.1:4242: too many open files") ||
		!strings.Contains(screen, "restart dexra-tui") {
		t.Fatalf("the reason is not shown:\n%s", screen)
	}
	for _, w := range []int{120, 80, 60} {
		drive(m, tea.WindowSizeMsg{Width: w, Height: 30})
		head := strings.SplitN(screenText(m), "\n", 2)[0]
		if strings.Contains(head, "listening") || !strings.Contains(head, "✗ listener stopped") {
			t.Fatalf("header at %d columns: %q", w, head)
		}
		if strings.Contains(m.View().Content, "\x1b[2J") {
			t.Fatal("the error reached the terminal unsanitized")
		}
	}
}
