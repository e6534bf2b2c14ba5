package ui

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/catalog"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/tunnel"
)

// probe is the console as the program runs it, keeping each frame it draws so a test
// can wait on the screen as a whole (the terminal output only carries changes).
type probe struct {
	*Model
	mu    sync.Mutex
	frame string
	n     int
}

func (p *probe) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := p.Model.Update(msg)
	return p, cmd
}

func (p *probe) View() tea.View {
	v := p.Model.View()
	p.mu.Lock()
	p.frame, p.n = ansi.Strip(v.Content), p.n+1
	p.mu.Unlock()
	return v
}

const frameMark = "\x00frame\x00"

// frames reads each new frame once, prefixed by frameMark.
type frames struct {
	p       *probe
	seen    int
	pending bytes.Reader
}

func (f *frames) Read(b []byte) (int, error) {
	if f.pending.Len() == 0 {
		f.p.mu.Lock()
		n, frame := f.p.n, f.p.frame
		f.p.mu.Unlock()
		if n == f.seen {
			return 0, io.EOF
		}
		f.seen = n
		f.pending.Reset([]byte(frameMark + frame))
	}
	return f.pending.Read(b)
}

// lastFrame is the newest frame in what frames produced.
func lastFrame(b []byte) string {
	s := string(b)
	i := strings.LastIndex(s, frameMark)
	if i < 0 {
		return ""
	}
	return s[i+len(frameMark):]
}

// liveConsole runs the console program over a real history and a real listener on a
// loopback port, events flowing from the listener's hub through the bridge.
type liveConsole struct {
	tm     *teatest.TestModel
	probe  *probe
	frames *frames
	url    string
	store  *store.Store
}

func startLiveConsole(t *testing.T, w, h int) *liveConsole {
	t.Helper()
	return startLive(t, w, h, nil, func(st *store.Store, _ *tunnel.Hub, url string) Options {
		return Options{
			Reader: st, ListenURL: url, Profile: ProfileSandbox, Secret: testSecret, Location: time.UTC,
			Trigger: func(ctx context.Context, ev catalog.EventType) (tunnel.TriggerResult, error) {
				return tunnel.Trigger(ctx, tunnel.TriggerRequest{URL: url, Event: ev, Secret: testSecret})
			},
		}
	})
}

// startLive runs the console over a fresh history and a listener on a loopback port.
// beforeServe (may be nil) starts what must see every event, such as a forwarder, and
// returns how to stop it; options builds the console's options (Events is set here).
func startLive(t *testing.T, w, h int,
	beforeServe func(st *store.Store, hub *tunnel.Hub) func(context.Context) error,
	options func(st *store.Store, hub *tunnel.Hub, url string) Options,
) *liveConsole {
	t.Helper()
	st := openStore(t)
	hub := tunnel.NewHub()
	l := tunnel.NewListener(tunnel.Config{
		Addr:   "127.0.0.1:0",
		Verify: payloads.VerifyConfig{Scheme: sig.Auto, Secrets: []string{testSecret}},
	}, st, hub)
	if _, err := l.Listen(); err != nil {
		t.Fatal(err)
	}
	stopExtra := func(context.Context) error { return nil }
	if beforeServe != nil {
		stopExtra = beforeServe(st, hub)
	}
	served := make(chan error, 1)
	go func() { served <- l.Serve() }()
	sub := hub.Subscribe()
	ctx, cancel := context.WithCancel(context.Background())
	url := l.URL()
	opts := options(st, hub, url)
	opts.Events = sub.C()
	m := New(opts)
	m.ctx = ctx
	p := &probe{Model: m}
	tm := teatest.NewTestModel(t, p, teatest.WithInitialTermSize(w, h))
	bridged := make(chan struct{})
	go func() { defer close(bridged); bridge(ctx, sub.C(), opts.Recorded.news(), nil, nil, tm.Send) }()
	t.Cleanup(func() {
		cancel()
		<-bridged
		sub.Close()
		sctx, stop := context.WithTimeout(context.Background(), 5*time.Second)
		defer stop()
		if err := l.Shutdown(sctx); err != nil {
			t.Errorf("listener shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
		hub.Close()
		if err := stopExtra(sctx); err != nil {
			t.Errorf("stopping: %v", err)
		}
	})
	return &liveConsole{tm: tm, probe: p, frames: &frames{p: p}, url: url, store: st}
}

// waitScreen waits until the whole screen satisfies ok.
func (c *liveConsole) waitScreen(t *testing.T, what string, ok func(screen string) bool) {
	t.Helper()
	teatest.WaitFor(t, c.frames, func(b []byte) bool { return ok(lastFrame(b)) },
		teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

func (c *liveConsole) post(t *testing.T, path string, h http.Header, body []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("post to the listener: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("listener answered %d", resp.StatusCode)
	}
}

func (c *liveConsole) keys(keys ...string) {
	for _, k := range keys {
		c.tm.Send(press(k))
	}
}

var osc52 = regexp.MustCompile("\x1b\\]52;c;([A-Za-z0-9+/=]*)(?:\x07|\x1b\\\\)")

func TestConsoleEndToEnd(t *testing.T) {
	c := startLiveConsole(t, 120, 35)
	c.waitScreen(t, "empty console", func(s string) bool { return strings.Contains(s, "no events yet") })

	good := delivery("4ca07d94-7b4d-4434-97aa-e2e000000001", "delivered")
	c.post(t, "/dexatel", signed(testSecret, good), good)
	c.waitScreen(t, "the posted event", func(s string) bool {
		return strings.Contains(s, "1 event ") && strings.Contains(s, "✓ dexatel delivery delivered")
	})

	bad := []byte(`{"data":{"account_id":"4ca07d94-7b4d-4434-97aa-9ec34772f111","message_id":"4ca07d94-7b4d-4434-97aa-e2e000000002","event":"message","text":"sign me","channel":"sms"}}`)
	c.post(t, "/dexatel", signed("a-wrong-secret", bad), bad)
	c.waitScreen(t, "the failing event", func(s string) bool {
		return strings.Contains(s, "2 events · 1 ✗") && strings.Contains(s, `✗ dexatel message  "sign me" sms`)
	})

	// Filter: only the failing event stays, with its count.
	c.keys("/")
	c.tm.Type("sig:fail")
	c.keys("enter")
	c.waitScreen(t, "sig:fail filtered", func(s string) bool {
		return strings.Contains(s, "filter sig:fail") && strings.Contains(s, "1 match") &&
			strings.Contains(s, `"sign me"`) && !strings.Contains(s, "delivered")
	})

	// The detail tells why it failed.
	c.keys("3")
	c.waitScreen(t, "signature tab", func(s string) bool {
		return strings.Contains(s, "Reason    mismatch") && strings.Contains(s, "wrong secret")
	})

	// y copies a curl command (OSC 52); run it: the same request arrives again.
	c.keys("y")
	var copied string
	teatest.WaitFor(t, c.tm.Output(), func(b []byte) bool {
		if m := osc52.FindSubmatch(b); m != nil {
			raw, err := base64.StdEncoding.DecodeString(string(m[1]))
			copied = string(raw)
			return err == nil
		}
		return false
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	if !strings.HasPrefix(copied, "curl ") || !strings.Contains(copied, c.url+"/dexatel") {
		t.Fatalf("copied %q, want a curl command to the listener", copied)
	}
	c.waitScreen(t, "copy confirmation", func(s string) bool { return strings.Contains(s, "sent the curl command to the terminal clipboard") })
	if out, err := exec.Command("sh", "-c", copied).CombinedOutput(); err != nil {
		t.Fatalf("running the copied command: %v\n%s", err, out)
	}
	c.waitScreen(t, "the replayed event", func(s string) bool {
		return strings.Contains(s, "3 events · 2 ✗") && strings.Contains(s, "2 matches")
	})
	page, err := c.store.List(store.ListOptions{Limit: 1, WithBody: true})
	if err != nil {
		t.Fatal(err)
	}
	replayed := page.Events[0]
	if !bytes.Equal(replayed.Body, bad) || replayed.Headers.Get("X-Dexatel-Signature") != signed("a-wrong-secret", bad).Get("X-Dexatel-Signature") {
		t.Fatalf("the copied command sent %q with signature %q", replayed.Body, replayed.Headers.Get("X-Dexatel-Signature"))
	}

	// esc clears the filter; t sends a signed sample that passes.
	c.keys("esc", "t")
	c.waitScreen(t, "trigger picker", func(s string) bool { return strings.Contains(s, "SEND A SIGNED SAMPLE") })
	c.keys("enter")
	c.waitScreen(t, "the sample", func(s string) bool {
		return strings.Contains(s, "sent dexatel.delivery → 200") && strings.Contains(s, "4 events · 2 ✗")
	})

	c.keys("q")
	c.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}
