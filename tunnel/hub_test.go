package tunnel

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
)

func hubEvent(i int) *payloads.Event {
	return &payloads.Event{
		ID:      fmt.Sprintf("ev-%06d", i),
		Headers: http.Header{"X-N": {fmt.Sprint(i)}},
		Body:    []byte(fmt.Sprintf(`{"n":%d}`, i)),
	}
}

// receive reads n events from s or fails after a deadline.
func receive(t *testing.T, s *Subscription, n int) []*payloads.Event {
	t.Helper()
	var got []*payloads.Event
	deadline := time.After(10 * time.Second)
	for len(got) < n {
		select {
		case ev, ok := <-s.C():
			if !ok {
				t.Fatalf("channel closed after %d of %d events", len(got), n)
			}
			got = append(got, ev)
		case <-deadline:
			t.Fatalf("received %d of %d events before the deadline", len(got), n)
		}
	}
	return got
}

func TestHubDeliversEveryEventInOrder(t *testing.T) {
	h := NewHub()
	s := h.Subscribe()
	defer s.Close()
	const n = 5000
	go func() {
		for i := range n {
			h.Publish(hubEvent(i))
		}
	}()
	for i, ev := range receive(t, s, n) {
		if want := fmt.Sprintf("ev-%06d", i); ev.ID != want {
			t.Fatalf("event %d is %s, want %s", i, ev.ID, want)
		}
	}
}

func TestHubPublishNeverBlocksOnASlowSubscriber(t *testing.T) {
	h := NewHub()
	slow := h.Subscribe() // never read until the end
	defer slow.Close()
	const n = 20_000
	done := make(chan struct{})
	go func() {
		for i := range n {
			h.Publish(hubEvent(i))
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Publish blocked behind a subscriber that does not read")
	}
	got := receive(t, slow, n)
	if got[n-1].ID != fmt.Sprintf("ev-%06d", n-1) {
		t.Fatalf("last event is %s", got[n-1].ID)
	}
}

func TestHubOnlyDeliversEventsPublishedAfterSubscribe(t *testing.T) {
	h := NewHub()
	h.Publish(hubEvent(1))
	s := h.Subscribe()
	defer s.Close()
	h.Publish(hubEvent(2))
	if got := receive(t, s, 1); got[0].ID != "ev-000002" {
		t.Fatalf("first event is %s, want ev-000002", got[0].ID)
	}
}

func TestHubHandsEachSubscriberItsOwnCopy(t *testing.T) {
	h := NewHub()
	a, b := h.Subscribe(), h.Subscribe()
	defer a.Close()
	defer b.Close()
	ev := hubEvent(7)
	h.Publish(ev)
	ev.Body[2] = 'X'
	ev.Headers.Set("X-N", "changed")
	ga, gb := receive(t, a, 1)[0], receive(t, b, 1)[0]
	if ga == ev || gb == ev || ga == gb {
		t.Fatal("subscribers share an event pointer")
	}
	for _, g := range []*payloads.Event{ga, gb} {
		if string(g.Body) != `{"n":7}` || g.Headers.Get("X-N") != "7" {
			t.Fatalf("subscriber copy changed with the original: body %q header %q", g.Body, g.Headers.Get("X-N"))
		}
	}
	ga.Body[0] = '!'
	if gb.Body[0] == '!' {
		t.Fatal("one subscriber's edit reached another")
	}
}

func TestSubscriptionCloseDropsIt(t *testing.T) {
	h := NewHub()
	s := h.Subscribe()
	h.Publish(hubEvent(1))
	s.Close()
	s.Close() // twice is fine
	if n := h.Subscribers(); n != 0 {
		t.Fatalf("%d subscribers after Close, want 0", n)
	}
	h.Publish(hubEvent(2)) // must not panic or block
	select {
	case _, ok := <-s.C():
		for ok { // an event may have been in flight; the channel must still close
			_, ok = <-s.C()
		}
	case <-time.After(5 * time.Second):
		t.Fatal("channel not closed after Close")
	}
}

func TestHubCloseDrainsThenClosesChannels(t *testing.T) {
	h := NewHub()
	s := h.Subscribe()
	for i := range 100 {
		h.Publish(hubEvent(i))
	}
	h.Close()
	h.Publish(hubEvent(999)) // ignored after Close
	var n int
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev, ok := <-s.C():
			if !ok {
				if n != 100 {
					t.Fatalf("drained %d events, want 100", n)
				}
				late := h.Subscribe()
				if _, ok := <-late.C(); ok {
					t.Fatal("subscription to a closed hub delivered an event")
				}
				return
			}
			if ev.ID != fmt.Sprintf("ev-%06d", n) {
				t.Fatalf("event %d is %s", n, ev.ID)
			}
			n++
		case <-timeout:
			t.Fatalf("channel not closed after Hub.Close; drained %d", n)
		}
	}
}

func TestHubConcurrentPublishSubscribeClose(t *testing.T) {
	h := NewHub()
	var wg sync.WaitGroup
	for p := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				h.Publish(hubEvent(p*1000 + i))
			}
		}()
	}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				s := h.Subscribe()
				select {
				case ev := <-s.C():
					_ = ev.Body // read it: the race detector checks nobody else writes it
				case <-time.After(time.Millisecond):
				}
				s.Close()
			}
		}()
	}
	wg.Wait()
	h.Close()
	if n := h.Subscribers(); n != 0 {
		t.Fatalf("%d subscribers left", n)
	}
}

// sliceHistory is a HistoryRange over evs (seq i+1 is evs[i]); reads counts its calls.
func sliceHistory(evs []*payloads.Event, reads *int) HistoryRange {
	var mu sync.Mutex
	return func(from, to uint64, limit int) ([]*payloads.Event, error) {
		mu.Lock()
		*reads++
		mu.Unlock()
		var out []*payloads.Event
		for seq := from; seq <= to && seq <= uint64(len(evs)) && len(out) < limit; seq++ {
			out = append(out, evs[seq-1].Clone())
		}
		return out, nil
	}
}

// bigEvents are events with seqs 1..n and 64 KiB bodies.
func bigEvents(n int) []*payloads.Event {
	evs := make([]*payloads.Event, n)
	for i := range evs {
		evs[i] = hubEvent(i + 1)
		evs[i].Seq = uint64(i + 1)
		evs[i].Body = []byte(fmt.Sprintf("%065536d", i+1))
	}
	return evs
}

// readBehindSubscription is a subscription to a hub that reads evs back; reads
// counts the reads.
func readBehindSubscription(t *testing.T, evs []*payloads.Event, reads *int) (*Hub, *Subscription) {
	h := NewHub()
	h.ReadBehind(sliceHistory(evs, reads))
	s := h.Subscribe()
	t.Cleanup(s.Close)
	return h, s
}

// TestStuckSubscriberHoldsBoundedMemory: a subscriber that reads nothing holds at most
// maxQueuedBytes of events; the rest are seq ranges, read back from the history when
// it reads again, every event in publish order with its body.
func TestStuckSubscriberHoldsBoundedMemory(t *testing.T) {
	const n = 1000 // 64 MiB of bodies: four times the bound
	evs := bigEvents(n)
	reads := 0
	h, s := readBehindSubscription(t, evs, &reads)
	for _, ev := range evs {
		h.Publish(ev)
	}
	s.mu.Lock()
	held, items := s.queue.bytes, len(s.queue.items)
	s.mu.Unlock()
	if held > maxQueuedBytes || items > maxQueuedBytes/(64<<10)+2 {
		t.Fatalf("a stuck subscriber holds %d bytes in %d items; want at most %d bytes and one range", held, items, maxQueuedBytes)
	}
	for i, ev := range receive(t, s, n) {
		if ev.Seq != uint64(i+1) || string(ev.Body) != string(evs[i].Body) {
			t.Fatalf("event %d: seq %d, body of %d bytes; want seq %d and its body", i, ev.Seq, len(ev.Body), i+1)
		}
	}
	if reads == 0 {
		t.Fatal("nothing was read back from the history")
	}
}

// TestReadBehindKeepsPublishOrder: seqs published out of order (concurrent requests
// commit in one order and publish in another) come out in publish order.
func TestReadBehindKeepsPublishOrder(t *testing.T) {
	evs := bigEvents(600)
	order := make([]int, 0, len(evs))
	for i := 0; i < len(evs); i += 2 {
		order = append(order, i+1, i) // 2 1 4 3 …
	}
	reads := 0
	h, s := readBehindSubscription(t, evs, &reads)
	for _, i := range order {
		h.Publish(evs[i])
	}
	for k, ev := range receive(t, s, len(order)) {
		if want := evs[order[k]].Seq; ev.Seq != want {
			t.Fatalf("event %d: seq %d, want %d", k, ev.Seq, want)
		}
	}
}

// TestReadRangePagesByBytes: large events are read back a few at a time (about
// readBehindBytes per page), small ones up to readBehindPage at a time.
func TestReadRangePagesByBytes(t *testing.T) {
	for _, c := range []struct {
		body, wantMax int
	}{{1 << 20, readBehindBytes / (1 << 20)}, {10, readBehindPage}} {
		evs := make([]*payloads.Event, 2000)
		for i := range evs {
			evs[i] = &payloads.Event{ID: fmt.Sprint(i), Seq: uint64(i + 1), Body: make([]byte, c.body)}
		}
		var limits []int
		history := func(from, to uint64, limit int) ([]*payloads.Event, error) {
			limits = append(limits, limit)
			hi := min(to, from+uint64(limit)-1, uint64(len(evs)))
			return evs[from-1 : hi], nil
		}
		got := 0
		readRange(history, 1, 2000, func(*payloads.Event) bool { got++; return true }, func(uint64, error) { t.Fatal("lost") })
		if got != 2000 || limits[0] != 1 || slices.Max(limits) > c.wantMax || slices.Max(limits) < c.wantMax/2 {
			t.Fatalf("%d-byte bodies: got %d events in pages %v…; want 2000, a first page of 1, pages up to %d", c.body, got, limits[:min(5, len(limits))], c.wantMax)
		}
	}
}

// TestReadRangeReportsAFailedRead: a read that fails (the history closed) is not taken
// for pruned events: what it covered goes to lost.
func TestReadRangeReportsAFailedRead(t *testing.T) {
	closed := errors.New("database not open")
	var lostN uint64
	var lostErr error
	readRange(func(uint64, uint64, int) ([]*payloads.Event, error) { return nil, closed }, 10, 19,
		func(*payloads.Event) bool { return true }, func(n uint64, err error) { lostN, lostErr = n, err })
	if lostN != 10 || !errors.Is(lostErr, closed) {
		t.Fatalf("lost %d, %v; want 10 and the read's error", lostN, lostErr)
	}
}
