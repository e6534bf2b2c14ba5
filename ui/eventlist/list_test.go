package eventlist

import (
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/ui/frame"
	"github.com/dexra/dexra-tui/ui/theme"
)

var t0 = time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC)

// history opens a store holding n events (seqs 1..n); about every third one fails
// its signature.
func history(t *testing.T, n int) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "h.db"), store.Options{Retention: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	// Concurrent appends share commits (one fsync per group).
	const group = 100
	for start := 0; start < n; start += group {
		var wg sync.WaitGroup
		evs := make([]*payloads.Event, 0, group)
		for i := start; i < min(start+group, n); i++ {
			status := sig.Pass
			if i%3 == 2 {
				status = sig.Fail
			}
			evs = append(evs, &payloads.Event{
				ID: fmt.Sprintf("EV%06d", i), Received: t0.Add(time.Duration(i) * time.Second),
				Method: "POST", Path: "/p", Headers: http.Header{}, Source: "dexatel", Type: "delivery",
				Summary: fmt.Sprintf("event %d", i), Signature: sig.Verdict{Status: status, SecretIndex: -1},
			})
		}
		errs := make([]error, len(evs))
		for i, ev := range evs {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = st.Append(ev) }()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	return st
}

func keys() KeyMap {
	b := func(k ...string) key.Binding { return key.NewBinding(key.WithKeys(k...)) }
	return KeyMap{Up: b("k"), Down: b("j"), PageUp: b("pgup"), PageDown: b("pgdown"), Top: b("g"), Bottom: b("G")}
}

// settle runs cmd and feeds what it produces back to l until nothing is left.
func settle(l *List, cmd tea.Cmd) {
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case nil:
		default:
			queue = append(queue, l.Update(msg))
		}
	}
}

func newList(t *testing.T, st store.Reader, visible int) *List {
	styles := theme.New(true, true)
	l := New(st, time.UTC, &styles, keys())
	l.SetClock(func() time.Time { return t0 })
	l.SetSize(60, visible+1)
	settle(l, l.Init())
	return l
}

func key1(s string) tea.KeyPressMsg { return tea.KeyPressMsg{Code: []rune(s)[0], Text: s} }

func seqOf(t *testing.T, l *List) uint64 {
	t.Helper()
	r, ok := l.Selected()
	if !ok {
		t.Fatal("nothing selected")
	}
	return r.Seq
}

func TestPagesThroughAHistoryLargerThanTheWindow(t *testing.T) {
	const n = 1500
	st := history(t, n)
	l := newList(t, st, 10)
	if got := seqOf(t, l); got != n {
		t.Fatalf("first frame selects seq %d, want the newest %d", got, n)
	}
	// Page up all the way: each step is answered from the window, which is refilled.
	for i := 0; i < n/10+5; i++ {
		settle(l, l.Update(tea.KeyPressMsg{Code: tea.KeyPgUp}))
		if len(l.rows) > l.maxRows() {
			t.Fatalf("the window holds %d rows, more than %d", len(l.rows), l.maxRows())
		}
	}
	if got := seqOf(t, l); got != 1 {
		t.Fatalf("after paging up: seq %d, want 1", got)
	}
	// Walk down one by one over a page boundary: seqs are consecutive.
	prev := seqOf(t, l)
	for range 200 {
		settle(l, l.Update(key1("j")))
		if got := seqOf(t, l); got != prev+1 {
			t.Fatalf("j went from seq %d to %d", prev, got)
		}
		prev++
	}
	settle(l, l.Update(key1("G")))
	if got := seqOf(t, l); got != n || !l.Following() {
		t.Fatalf("G: seq %d following=%v", got, l.Following())
	}
	settle(l, l.Update(key1("g")))
	if got := seqOf(t, l); got != 1 {
		t.Fatalf("g: seq %d, want 1", got)
	}
}

func TestFilterPagesOnlyMatches(t *testing.T) {
	st := history(t, 300)
	l := newList(t, st, 10)
	settle(l, l.SetQuery("sig:fail"))
	for range 150 {
		r, _ := l.Selected()
		if r.Verdict != sig.Fail {
			t.Fatalf("seq %d with verdict %s is listed under sig:fail", r.Seq, r.Verdict)
		}
		settle(l, l.Update(key1("k")))
	}
	first, err := st.List(store.ListOptions{Query: "sig:fail", OldestFirst: true, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := seqOf(t, l), first.Events[0].Seq; got != want {
		t.Fatalf("the oldest failing event is seq %d, want %d", got, want)
	}
}

func TestNewEventsWhilePausedKeepTheSelection(t *testing.T) {
	st := history(t, 50)
	l := newList(t, st, 10)
	settle(l, l.Update(key1("k")))
	at := seqOf(t, l)
	ev := &payloads.Event{ID: "EVNEW", Received: t0, Method: "POST", Path: "/p", Headers: http.Header{}}
	if err := st.Append(ev); err != nil {
		t.Fatal(err)
	}
	settle(l, l.EventsArrived(1))
	if seqOf(t, l) != at || l.Unseen() != 1 {
		t.Fatalf("paused list moved to %d (unseen %d)", seqOf(t, l), l.Unseen())
	}
	settle(l, l.Update(key1("j")))
	settle(l, l.Update(key1("j")))
	if got := seqOf(t, l); got != ev.Seq {
		t.Fatalf("walking down reaches seq %d, want the new %d", got, ev.Seq)
	}
}

func TestStalePagesAreDropped(t *testing.T) {
	st := history(t, 100)
	l := newList(t, st, 10)
	old := l.SetQuery("sig:fail") // a query the user has already replaced
	settle(l, l.SetQuery("sig:pass"))
	settle(l, old)
	r, _ := l.Selected()
	if r.Verdict != sig.Pass {
		t.Fatalf("a page for the replaced filter was applied: verdict %s", r.Verdict)
	}
}

func TestViewFitsItsBox(t *testing.T) {
	st := history(t, 30)
	l := newList(t, st, 10)
	for _, w := range []int{40, 60, 100} {
		lines := splitLines(l.View(w, 11))
		if len(lines) != 11 {
			t.Fatalf("width %d: %d lines, want 11", w, len(lines))
		}
		for _, line := range lines {
			if got := frame.Width(line); got != w {
				t.Fatalf("width %d: a line is %d cells: %q", w, got, line)
			}
		}
	}
}
