package eventlist

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/tunnel"
	"github.com/dexra/dexra-tui/ui/frame"
)

func storeOf(t *testing.T, evs ...*payloads.Event) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "h.db"), store.Options{Retention: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, ev := range evs {
		if err := st.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func event(id string, at time.Time, typ, summary string) *payloads.Event {
	return &payloads.Event{ID: id, Received: at, Method: "POST", Path: "/p", Headers: http.Header{}, Source: "conversa",
		Type: typ, Summary: summary, Status: 200, Signature: sig.Verdict{Status: sig.Pass, SecretIndex: -1}}
}

func lines(l *List, w, h int) []string {
	var out []string
	for _, s := range strings.Split(l.View(w, h), "\n") {
		out = append(out, ansi.Strip(s))
	}
	return out
}

func TestColumnsTakeTheWidthThereIs(t *testing.T) {
	st := storeOf(t,
		event("EV1", t0, "conversation_resolved", "resolved by agent"),
		event("EV2", t0.Add(time.Second), "deal_stage_changed", "won"),
	)
	l := newList(t, st, 5)
	rows := lines(l, 60, 6)
	if !strings.Contains(rows[1], "conversation_resolved resolved by") {
		t.Fatalf("a long type is cut while there is room, or a gap is left beside it:\n%s", strings.Join(rows, "\n"))
	}
	if strings.Contains(rows[1], "conversa  ") {
		t.Fatalf("the source column is wider than its values:\n%q", rows[1])
	}
	// Narrow: the summary keeps room, the type is cut.
	narrow := lines(l, 44, 6)
	if frame.Width(narrow[1]) != 44 || !strings.Contains(narrow[1], "resolved") {
		t.Fatalf("at 44 columns the summary must keep room:\n%s", strings.Join(narrow, "\n"))
	}
}

func TestTimesShowTheDateOnAnotherDay(t *testing.T) {
	st := storeOf(t,
		event("EV1", t0.Add(-26*time.Hour), "delivery", "yesterday's"),
		event("EV2", t0.AddDate(-1, 0, 0), "delivery", "last year's"),
		event("EV3", t0.Add(time.Second), "delivery", "today's"),
	)
	l := newList(t, st, 5)
	screen := strings.Join(lines(l, 80, 6), "\n")
	for _, want := range []string{"Feb 28 11:00:00     ✓", "2025-03-01 13:00:00 ✓", "13:00:01            ✓"} {
		if !strings.Contains(screen, want) {
			t.Fatalf("lacks %q:\n%s", want, screen)
		}
	}
}

func TestRowsShowTheListenersOwnAnswer(t *testing.T) {
	simulated := event("EV1", t0, "delivery", "delivered")
	simulated.Status, simulated.Simulated = 500, "500,rate=0.3"
	timeout := event("EV2", t0.Add(time.Second), "delivery", "delivered")
	timeout.Status, timeout.Simulated = 0, "timeout"
	refused := event("EV3", t0.Add(2*time.Second), "-", "rejected: body too large")
	refused.Status, refused.Rejected = 413, "body too large"
	normal := event("EV4", t0.Add(3*time.Second), "delivery", "delivered")
	l := newList(t, storeOf(t, simulated, timeout, refused, normal), 5)
	rows := lines(l, 80, 6)
	for i, want := range []string{"⇠500 delivered", "⇠timeout delivered", "⇠413 rejected: body too large"} {
		if !strings.Contains(rows[1+i], want) {
			t.Fatalf("row %d lacks %q:\n%s", i, want, strings.Join(rows, "\n"))
		}
	}
	if strings.Contains(rows[4], "⇠") {
		t.Fatalf("a plain 200 shows no answer: %q", rows[4])
	}
}

func TestRowsMarkEventsThatCameThroughARelay(t *testing.T) {
	relayed := event("EV1", t0, "delivery", "delivered")
	relayed.Headers = http.Header{tunnel.ViaHeader: {tunnel.ViaRelay + " https://smee.io/abc"}}
	direct := event("EV2", t0.Add(time.Second), "delivery", "delivered")
	rows := lines(newList(t, storeOf(t, relayed, direct), 5), 80, 4)
	if !strings.Contains(rows[1], "⇄relay delivered") || strings.Contains(rows[2], "⇄") {
		t.Fatalf("rows:\n%s", strings.Join(rows, "\n"))
	}
}
