package ui

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/payloads"
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
