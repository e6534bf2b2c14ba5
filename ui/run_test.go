package ui

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/tunnel"
)

func TestRunQuitsOnQ(t *testing.T) {
	st := openStore(t)
	err := run(context.Background(), Options{Reader: st, Location: time.UTC},
		tea.WithInput(strings.NewReader("q")), tea.WithOutput(io.Discard), tea.WithWindowSize(100, 30))
	if err != nil {
		t.Fatalf("Run after q: %v", err)
	}
}

func TestRunEndsWithItsContext(t *testing.T) {
	st := openStore(t)
	events := make(chan *payloads.Event)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	in, _ := io.Pipe() // input that never ends
	go func() {
		done <- run(ctx, Options{Reader: st, Events: events},
			tea.WithInput(in), tea.WithOutput(io.Discard), tea.WithWindowSize(100, 30))
	}()
	events <- &payloads.Event{Seq: 1, Received: time.Now()} // the bridge is reading
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after ctx ended: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}

func TestRunNeedsAReader(t *testing.T) {
	if err := Run(context.Background(), Options{}); err == nil {
		t.Fatal("Run without a history reader should fail")
	}
}

func TestQuitDuringAReplayRecordsItBeforeReturning(t *testing.T) {
	arrived := make(chan struct{}, 1)
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // then the server notices the client going away
		arrived <- struct{}{}
		<-r.Context().Done() // an app that never answers
	}))
	defer hang.Close()
	st := openStore(t)
	fill(t, st, []*payloads.Event{dexatelEvent("01JNGQ0000000000000000000A", clock, "delivered")})
	in, keys := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(context.Background(), Options{Reader: st, Location: time.UTC,
			Replay: tunnel.ReplayConfig{History: st, Targets: mustTargets(t, hang.URL)}},
			tea.WithInput(in), tea.WithOutput(io.Discard), tea.WithWindowSize(100, 30))
	}()
	for sent := false; !sent; {
		keys.Write([]byte("r"))
		select {
		case <-arrived:
			sent = true
		case <-time.After(200 * time.Millisecond): // the program was not reading keys yet
		}
	}
	keys.Write([]byte("q"))
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(backgroundGrace - time.Second):
		t.Fatal("quitting waited for the app instead of stopping the replay")
	}
	ev, err := st.Get("01JNGQ0000000000000000000A")
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Attempts) != 1 || ev.Attempts[0].Error != "canceled" {
		t.Fatalf("attempts when Run returned: %+v, want the stopped replay recorded", ev.Attempts)
	}
}
