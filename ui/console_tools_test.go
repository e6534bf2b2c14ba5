package ui

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/catalog"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/store/exchange"
	"github.com/dexra/dexra-tui/tunnel"
	"github.com/dexra/dexra-tui/tunnel/public"
)

// diskFull is the commit failure a full disk gives.
var diskFull = &os.PathError{Op: "write", Path: "history.db.wal", Err: syscall.ENOSPC}

// commitState is a store's Health the test changes between polls.
type commitState struct {
	mu sync.Mutex
	h  store.Health
}

func (c *commitState) set(h store.Health) { c.mu.Lock(); c.h = h; c.mu.Unlock() }
func (c *commitState) get() store.Health  { c.mu.Lock(); defer c.mu.Unlock(); return c.h }

func headerLine(m *Model) string { return strings.SplitN(screenText(m), "\n", 2)[0] }

func TestHeaderShowsFailingCommitsUntilHealed(t *testing.T) {
	st := openStore(t)
	fill(t, st, fixtureEvents())
	commits := &commitState{}
	commits.set(store.Health{Failing: true, Err: fmt.Errorf("append: %w", diskFull), Since: clock, Refused: 12, Retries: 3})
	m := testModel(st, true)
	m.opts.CommitHealth = commits.get
	start(m, 120, 35)
	want := "✗ commits failing: no space left on device · 12 refused"
	if h := headerLine(m); !strings.Contains(h, want) {
		t.Fatalf("header %q should say %q", h, want)
	}
	if !strings.Contains(screenText(m), "free disk space") {
		t.Fatalf("the status line should say what to do:\n%s", screenText(m))
	}
	drive(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	if h := headerLine(m); !strings.Contains(h, "✗ commits failing") {
		t.Fatalf("at 80 columns the failure must stay in the header: %q", h)
	}
	commits.set(store.Health{})
	drive(m, tickMsg{})
	if h := headerLine(m); strings.Contains(h, "commits failing") {
		t.Fatalf("healed, the header still says %q", h)
	}
	if !strings.Contains(screenText(m), "commits work again") {
		t.Fatalf("the healing should be said:\n%s", screenText(m))
	}
}

// fakePublic is a public side whose states the test sets.
type fakePublic struct {
	mu      sync.Mutex
	states  []public.State
	changed chan struct{}
}

func newFakePublic(states ...public.State) *fakePublic {
	return &fakePublic{states: states, changed: make(chan struct{}, 1)}
}

func (f *fakePublic) States() []public.State {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]public.State(nil), f.states...)
}
func (f *fakePublic) Changed() <-chan struct{} { return f.changed }
func (f *fakePublic) set(states ...public.State) {
	f.mu.Lock()
	f.states = states
	f.mu.Unlock()
	select {
	case f.changed <- struct{}{}:
	default:
	}
}

const testPublicURL = "https://4f2a9c.lhr.life"

func tunnelUp() public.State {
	return public.State{Engine: "ssh", Target: "ssh://127.0.0.1:2222", Phase: public.Up, URL: testPublicURL, Since: clock}
}

func TestPublicURLInHeaderHintAndClipboard(t *testing.T) {
	st := openStore(t) // empty: the hint shows
	m := testModel(st, true)
	m.opts.Public = newFakePublic(tunnelUp())
	start(m, 120, 35)
	if h := headerLine(m); !strings.Contains(h, "⇄ public "+testPublicURL) {
		t.Fatalf("header %q should mark the listener public with its URL", h)
	}
	screen := screenText(m)
	if !strings.Contains(screen, "paste "+testPublicURL+" into the platform") {
		t.Fatalf("the empty list should say which URL to paste:\n%s", screen)
	}
	var clip []tea.Msg
	_, cmd := m.Update(press("u"))
	for _, msg := range execute(cmd) {
		_, c := m.Update(msg)
		clip = append(clip, execute(c)...)
	}
	found := false
	for _, msg := range clip {
		if fmt.Sprintf("%v", msg) == fmt.Sprintf("%v", execute(tea.SetClipboard(testPublicURL))[0]) {
			found = true
		}
	}
	if !found {
		t.Fatalf("u should set the clipboard to %s; got %#v", testPublicURL, clip)
	}
	if !strings.Contains(screenText(m), "sent the public URL "+testPublicURL) {
		t.Fatalf("u should say what it copied:\n%s", screenText(m))
	}
}

func TestPublicDownShowsWhyAndRetry(t *testing.T) {
	m := testModel(openStore(t), true)
	down := tunnelUp()
	down.Phase, down.Err, down.RetryAt = public.Down, "connection refused", clock.Add(15*time.Second+4*time.Second)
	m.opts.Public = newFakePublic(down)
	start(m, 120, 35)
	if h := headerLine(m); !strings.Contains(h, "⇄ tunnel down: connection refused, retry in 4 s") {
		t.Fatalf("header %q should say the tunnel is down, why and when it retries", h)
	}
}

func TestBridgeCarriesPublicStates(t *testing.T) {
	pub := newFakePublic()
	got := make(chan tea.Msg, 4)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		publicBridge(ctx, nil, nil, nil, nil, pub, func(msg tea.Msg) { got <- msg })
	}()
	defer func() { cancel(); <-done }()
	pub.set(tunnelUp())
	select {
	case msg := <-got:
		pm, ok := msg.(publicMsg)
		if !ok || len(pm.states) != 1 || pm.states[0].URL != testPublicURL {
			t.Fatalf("bridge sent %#v, want the public states", msg)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the bridge did not pass the public side's change on")
	}
}

// naiveHandler is a webhook handler written the naive way: parse JSON, answer 200.
func naiveHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	})
}

func checkModel(t *testing.T, st *store.Store, app *httptest.Server) *Model {
	m := testModel(st, true)
	m.opts.Replay = tunnel.ReplayConfig{History: st, Appender: st, Targets: mustTargets(t, app.URL+"/hook")}
	m.opts.CheckSigning = func(string) (string, string, *catalog.EventType) { return "dexatel", testSecret, nil }
	return m
}

func TestCheckPanelShowsTheCardAndRecordsProbes(t *testing.T) {
	app := httptest.NewServer(naiveHandler())
	defer app.Close()
	st := openStore(t)
	m := checkModel(t, st, app)
	start(m, 120, 35)
	drive(m, press("H"))
	screen := screenText(m)
	for _, want := range []string{"HANDLER CHECK", "check " + app.URL + "/hook · scheme dexatel", "✗  2", "want 4xx", "fix:", "probes failed", "recorded as outbound events"} {
		if !strings.Contains(screen, want) {
			t.Fatalf("card should show %q:\n%s", want, screen)
		}
	}
	page, err := st.List(store.ListOptions{Query: "source:check", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) < 10 {
		t.Fatalf("every probe should be recorded; %d events", len(page.Events))
	}
	for _, ev := range page.Events {
		if ev.Direction != payloads.Outbound || len(ev.Attempts) != 1 || ev.Attempts[0].Status != 200 {
			t.Fatalf("probe event %+v: want outbound with the handler's answer", ev)
		}
	}
	// The panel scrolls, and esc gives the list back.
	drive(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	before := screenText(m)
	drive(m, press("pgdown"))
	if screenText(m) == before {
		t.Fatal("pgdown should scroll the card")
	}
	drive(m, press("esc"))
	if strings.Contains(screenText(m), "HANDLER CHECK") {
		t.Fatal("esc should close the panel")
	}
}

func TestCheckIgnoresAnEarlierRunsCard(t *testing.T) {
	m := testModel(openStore(t), true)
	m.check.gen, m.check.running, m.check.open = 5, true, true
	drive(m, checkDoneMsg{gen: 4, err: errors.New("old")})
	if !m.check.running || m.check.err != nil {
		t.Fatal("an earlier run's card replaced the current run")
	}
}

func TestCheckWithoutForwardTargetSaysHow(t *testing.T) {
	m := testModel(openStore(t), true)
	m.opts.CheckSigning = func(string) (string, string, *catalog.EventType) { return "dexatel", testSecret, nil }
	start(m, 120, 35)
	drive(m, press("H"))
	if !strings.Contains(screenText(m), "no forward target to check: start with --forward-to URL") {
		t.Fatalf("H without a target should say how to set one:\n%s", screenText(m))
	}
}

func TestProbeHeadersRedactSecretTokens(t *testing.T) {
	h := http.Header{"X-Telegram-Bot-Api-Secret-Token": {"the-secret"}, "Authorization": {"Bearer k"}, "X-Dexatel-Signature": {"abc"}}
	out := redactProbeHeaders(h)
	for _, name := range append(sig.SecretHeaders(), "Authorization") {
		if v := out.Get(name); v != store.Redacted {
			t.Fatalf("%s = %q, want redacted", name, v)
		}
	}
	if out.Get("X-Dexatel-Signature") != "abc" || h.Get("X-Telegram-Bot-Api-Secret-Token") != "the-secret" {
		t.Fatal("only secret headers are redacted, in a copy")
	}
}

func TestExportSelectedAsCurl(t *testing.T) {
	st := openStore(t)
	fill(t, st, fixtureEvents())
	m := testModel(st, true)
	start(m, 120, 35)
	path := filepath.Join(t.TempDir(), "one.curl")
	drive(m, press("x"))
	if !strings.Contains(screenText(m), "Export what?") {
		t.Fatalf("x should ask what to export:\n%s", screenText(m))
	}
	drive(m, press("2")) // the selected event
	drive(m, press("4")) // curl
	m.menu.SetValueForTest(path)
	drive(m, press("enter"))
	waitExport(t, m)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("export file: %v\n%s", err, screenText(m))
	}
	if n := strings.Count(string(data), "curl "); n != 1 || !strings.Contains(string(data), "01JNGQ0000000000000000000F") {
		t.Fatalf("want one curl command for the selected event:\n%s", data)
	}
	if !strings.Contains(screenText(m), "exported 1 event as curl to "+path) {
		t.Fatalf("the status should say where it went:\n%s", screenText(m))
	}
}

// waitExport drives the export's messages until it ends (its goroutine runs apart).
func waitExport(t *testing.T, m *Model) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	if m.export != nil && m.export.asking {
		t.Fatalf("the export is still asking:\n%s", screenText(m))
	}
	for m.export != nil && time.Now().Before(deadline) {
		drive(m, m.export.next())
	}
	if m.export != nil {
		t.Fatal("the export did not end")
	}
}

func TestExportFilterAsJSONLRedactsSecrets(t *testing.T) {
	st := openStore(t)
	evs := fixtureEvents()
	evs[0].Headers.Set("Authorization", "Bearer sk_live_abcdef")
	fill(t, st, evs)
	m := testModel(st, true)
	start(m, 120, 35)
	drive(m, press("/"))
	typeText(m, "sig:pass")
	drive(m, press("enter"))
	path := filepath.Join(t.TempDir(), "pass.jsonl")
	drive(m, press("x"))
	drive(m, press("1")) // the filter's matches
	drive(m, press("1")) // jsonl
	m.menu.SetValueForTest(path)
	drive(m, press("enter"))
	waitExport(t, m)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, _ := io.ReadAll(f)
	events, err := exchange.ReadJSONL(data, path)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := st.List(store.ListOptions{Query: "sig:pass", Limit: 100})
	if len(events) != len(want.Events) || len(events) == 0 {
		t.Fatalf("exported %d events, the filter matches %d", len(events), len(want.Events))
	}
	for _, s := range []string{testSecret, "sk_live_abcdef"} {
		if strings.Contains(string(data), s) {
			t.Fatalf("the export carries the secret %q", s)
		}
	}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		if !strings.Contains(sc.Text(), `"pass"`) {
			t.Fatalf("an event outside the filter was exported: %s", sc.Text())
		}
	}
}

func TestExportShowsProgressBar(t *testing.T) {
	m := testModel(openStore(t), true)
	start(m, 120, 35)
	m.export = &exportRun{gen: 3, format: exchange.JSONL, total: 10000, seen: exportProgressMsg{gen: 3}}
	m.Update(exportProgressMsg{gen: 3, written: 5000}) // its command waits for more: not run
	line := strings.Split(screenText(m), "\n")[33]
	if !strings.Contains(line, "exporting jsonl") || !strings.Contains(line, "5,000/10,000") || !strings.Contains(line, "█") {
		t.Fatalf("status line %q should show the bar and counts", line)
	}
}

func TestGoldenConsoleTools(t *testing.T) {
	for _, size := range []struct {
		name string
		w, h int
	}{{"120x35", 120, 35}, {"80x24", 80, 24}} {
		t.Run(size.name+"-public", func(t *testing.T) {
			st := openStore(t)
			fill(t, st, fixtureEvents())
			m := testModel(st, false)
			m.opts.Public = newFakePublic(tunnelUp())
			start(m, size.w, size.h)
			golden.RequireEqual(t, []byte(m.View().Content))
		})
		t.Run(size.name+"-public-commits", func(t *testing.T) {
			st := openStore(t)
			fill(t, st, fixtureEvents())
			m := testModel(st, false)
			m.opts.Public = newFakePublic(tunnelUp())
			m.opts.CommitHealth = func() store.Health {
				return store.Health{Failing: true, Err: diskFull, Since: clock, Refused: 12}
			}
			start(m, size.w, size.h)
			golden.RequireEqual(t, []byte(m.View().Content))
		})
		t.Run(size.name+"-check-panel", func(t *testing.T) {
			m := testModel(openStore(t), false)
			m.check = &checkPanel{open: true, target: "http://127.0.0.1:4990/hook", report: &tunnel.CheckReport{
				URL: "http://127.0.0.1:4990/hook", Scheme: "dexatel", Event: "dexatel.delivery",
				Probes: []tunnel.ProbeResult{
					{Number: 1, Name: "valid", Title: "a valid, freshly signed event", Want: "2xx", OK: true, Answer: "200 in 2ms"},
					{Number: 2, Name: "tampered_body", Title: "one body byte changed, original signature", Want: "4xx", Answer: "200 in 1ms",
						Problem: "the handler accepted a body whose signature does not match it", Fix: "verify the signature over the raw body before parsing it"},
					{Number: 6, Name: "stale", Title: "signed 10 minutes ago", Want: "4xx", OK: true, Skipped: true, Problem: "dexatel signs no timestamp"},
				}}, recorded: 3}
			start(m, size.w, size.h)
			golden.RequireEqual(t, []byte(m.View().Content))
		})
	}
}

// Closing the export menu with esc gives the status line back: the applied filter's
// summary shows again.
func TestExportMenuClosedShowsTheFilterSummaryAgain(t *testing.T) {
	m := fixtureModel(t, 120, 35)
	drive(m, press("/"))
	typeText(m, "sig:fail")
	drive(m, press("enter"), press("x"), press("esc"))
	if status := strings.Split(screenText(m), "\n")[33]; !strings.HasPrefix(status, "filter sig:fail  1 match") {
		t.Fatalf("status line after esc closed the export menu: %q", status)
	}
}
