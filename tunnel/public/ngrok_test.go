package public

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/tunnel"
)

// ngrok's service cannot be reached from here: these tests cover our side up to the
// SDK's listener (token, logs, state, serving what its listener accepts).

func TestNgrokNeedsAnAuthtoken(t *testing.T) {
	t.Setenv("NGROK_AUTHTOKEN", "")
	_, err := StartNgrok(context.Background(), NgrokOptions{Webhooks: startListener(t).L})
	if !errors.Is(err, ErrNoNgrokToken) || !strings.Contains(err.Error(), "NGROK_AUTHTOKEN") {
		t.Fatalf("err = %v", err)
	}
}

// syncBuffer is a log sink shared by goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestNgrokKeepsItsLogsOffTheTerminalAndReportsWhyItIsDown(t *testing.T) {
	// A loopback stand-in for ngrok's service that hangs up on every agent.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var dialed atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			dialed.Add(1)
			c.Close()
		}
	}()
	var terminal syncBuffer // what slog's default (stderr in the program) would print
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&terminal, nil)))
	defer slog.SetDefault(prev)
	var ours syncBuffer

	n, err := StartNgrok(context.Background(), NgrokOptions{
		Authtoken: "test-token", Webhooks: startListener(t).L, ConnectURL: ln.Addr().String(),
		Logger:  slog.New(slog.NewTextHandler(&ours, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Backoff: Backoff{Min: 50 * time.Millisecond, Max: 100 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	st := waitState(t, n, "down", func(s State) bool { return s.Phase == Down })
	n.Close()
	if !strings.HasPrefix(st.Err, "ngrok: ") || !strings.HasSuffix(st.String(), ", retrying") {
		t.Fatalf("down state %+v", st)
	}
	if dialed.Load() == 0 {
		t.Fatal("the agent never dialed the configured connect URL")
	}
	if got := terminal.String(); got != "" {
		t.Fatalf("the SDK wrote to slog's default logger:\n%s", got)
	}
	if !strings.Contains(ours.String(), "ngrok") {
		t.Fatalf("our logger heard nothing: %q", ours.String())
	}
}

// What the SDK's listener accepts is served with the webhook handler, marked as public.
func TestNgrokEndpointServesTheWebhookHandler(t *testing.T) {
	tl := startListener(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0") // stands in for the EndpointListener
	if err != nil {
		t.Fatal(err)
	}
	st := NewStatus("ngrok", "ngrok", nil)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		_, err := serveEndpoint(ctx, ln, "https://abc.ngrok.app", st, tl.L, true, time.Second, time.Second, slog.New(slog.DiscardHandler))
		served <- err
	}()
	waitState(t, st, "up", isUp)
	local := "http://" + ln.Addr().String()
	if got := postSigned(t, local, 1, true); got != http.StatusOK {
		t.Fatalf("signed: %d", got)
	}
	if got := postSigned(t, local, 2, false); got != http.StatusUnauthorized {
		t.Fatalf("unsigned with --public-require-signature: %d", got)
	}
	cancel()
	<-served
	evs := tl.events(t)
	if len(evs) != 1 || evs[0].Signature.Status != sig.Pass || tunnel.Via(evs[0].Headers) != "tunnel https://abc.ngrok.app" {
		t.Fatalf("history: %d events", len(evs))
	}
	if s := st.State(); s.Refused != 1 {
		t.Fatalf("refused %d", s.Refused)
	}
}
