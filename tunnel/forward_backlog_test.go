package tunnel

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
)

// Bounds with 100,000 pending forwards (issue 10's "bounded memory"): the Go heap after
// a GC, and the anonymous RSS (which also counts heap the runtime has not yet returned
// to the OS; the file-backed rest of the RSS is the history's bbolt mmap, which grows
// with the history and the kernel can drop, not with the backlog).
const (
	backlogHeapLimit = 96 << 20
	backlogAnonLimit = 192 << 20
)

// Issue 10: a backlog of 100,000 pending forwards to a down target holds bounded memory
// (the queue keeps at most maxQueuedBytes of events, then seq ranges read back from the
// history), and once the app is up the forwarder delivers all of them by itself, in
// arrival order, each once. Run:
// DEXRA_TUI_PERF=1 go test ./tunnel -run TestForwardBacklog100k -v
func TestForwardBacklog100k(t *testing.T) {
	if os.Getenv("DEXRA_TUI_PERF") == "" {
		t.Skip("set DEXRA_TUI_PERF=1 (without -race) to hold 100,000 pending forwards and measure the memory")
	}
	const n = 100_000
	st := openTestStore(t)
	hub := NewHub()
	hub.ReadBehind(storeRange(st)) // as the listener's own hub (ui/cli/server.go)
	addr := closedAddr(t)
	f, err := NewForwarder(ForwardConfig{Targets: mustTargets(t, "http://"+addr+"/hooks"), Recorder: st,
		Retry: RetryPolicy{First: 100 * time.Millisecond, Max: time.Second, For: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	f.Start(hub)
	defer func() {
		hub.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := f.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	}()
	before := memNow(t)
	t.Logf("before: %s", before)

	// Stored and published as the listener does it (commit, then publish), a batch at a
	// time so the test itself holds no more than one batch.
	t0 := time.Now()
	const batch = 1000
	var half memUse
	for from := 0; from < n; from += batch {
		if from == n/2 {
			// Half way: the queue is long past maxQueuedBytes, so from here on the
			// backlog should cost (almost) nothing more.
			waitBacklog(t, f, from)
			if _, err := st.Stats(); err != nil { // the history's commit behind the log is done too
				t.Fatal(err)
			}
			half = memNow(t)
			t.Logf("with %d pending forwards: %s", from, half)
		}
		evs := make([]*payloads.Event, batch)
		for i := range evs {
			body := dexatelDelivery(from+i, 200)
			ev := &payloads.Event{Received: time.Now().UTC(), Direction: payloads.Inbound, Method: http.MethodPost,
				Path: "/dexatel", Host: "127.0.0.1:4242", RemoteAddr: "203.0.113.7:5555", Status: http.StatusOK, Body: body,
				Headers: http.Header{"Content-Type": {"application/json"}, "X-Dexatel-Signature": {signDexatel(testSecret, body)}}}
			payloads.Analyze(ev, payloads.VerifyConfig{Secrets: []string{testSecret}, Now: time.Now()})
			evs[i] = ev
		}
		for i, err := range st.AppendBatch(evs) {
			if err != nil {
				t.Fatalf("append event %d: %v", from+i, err)
			}
		}
		for _, ev := range evs {
			hub.Publish(ev)
		}
	}
	waitBacklog(t, f, n)
	if _, err := st.Stats(); err != nil {
		t.Fatal(err)
	}
	h := f.Health()[0]
	if h.Delivered != 0 || h.Failed == 0 {
		t.Fatalf("health %+v: want every event pending, the head refused", h)
	}
	held := memNow(t)
	t.Logf("stored and published %d events in %s; pending: %d (%d attempts on the head so far)", n, time.Since(t0).Round(time.Millisecond), h.Backlog(), h.Failed)
	t.Logf("with %d pending forwards: %s", n, held)
	if held.heapAlloc > backlogHeapLimit || held.rssAnon > backlogAnonLimit {
		t.Fatalf("with %d pending forwards: %s; the bounds are a %d MiB heap, %d MiB anonymous RSS", n, held, backlogHeapLimit>>20, backlogAnonLimit>>20)
	}
	if grew := int64(held.heapAlloc) - int64(half.heapAlloc); grew > 8<<20 {
		t.Fatalf("the Go heap grew %d MiB from %d to %d pending forwards: the backlog is not bounded", grew>>20, n/2, n)
	}

	// The app comes up on the same port; the forwarder's own retry finds it.
	app := newOrderApp(t, addr)
	t1 := time.Now()
	deadline := time.Now().Add(5 * time.Minute)
	for app.count() < n {
		if time.Now().After(deadline) {
			t.Fatalf("after 5 min the app has %d of %d events; health %+v", app.count(), n, f.Health()[0])
		}
		time.Sleep(100 * time.Millisecond)
	}
	drained := time.Since(t1)
	time.Sleep(200 * time.Millisecond) // anything sent twice would arrive now
	if err := app.inOrder(n); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the backlog settled", func() bool { h := f.Health()[0]; return h.Backlog() == 0 && h.Delivered == n })
	t.Logf("the app got all %d in arrival order, each once, in %s (%.0f/s) after it came up; after: %s",
		n, drained.Round(time.Millisecond), float64(n)/drained.Seconds(), memNow(t))
}

// waitBacklog waits until the target's backlog is n events, the head one waiting to retry.
func waitBacklog(t *testing.T, f *Forwarder, n int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for h := f.Health()[0]; h.Backlog() != n || h.Retrying != 1; h = f.Health()[0] {
		if time.Now().After(deadline) {
			t.Fatalf("the backlog never reached %d with the head retrying: %+v", n, h)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// orderApp is a lean local app: it keeps only the number of each event it gets (a
// full record of 100,000 requests would dwarf what is measured).
type orderApp struct {
	srv *http.Server
	mu  sync.Mutex
	got []int
}

func newOrderApp(t *testing.T, addr string) *orderApp {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on %s again: %v", addr, err)
	}
	app := &orderApp{}
	app.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		// dexatelDelivery's message_id ends in the event's number, 12 digits.
		_, rest, ok := bytes.Cut(body, []byte(`"message_id":"4ca07d94-7b4d-4434-97aa-`))
		num := -1
		if ok && len(rest) >= 12 {
			if v, err := strconv.Atoi(string(rest[:12])); err == nil {
				num = v
			}
		}
		app.mu.Lock()
		app.got = append(app.got, num)
		app.mu.Unlock()
		io.WriteString(w, "ok")
	})}
	go app.srv.Serve(ln)
	t.Cleanup(func() { app.srv.Close() })
	return app
}

func (app *orderApp) count() int {
	app.mu.Lock()
	defer app.mu.Unlock()
	return len(app.got)
}

// inOrder says whether the app got exactly events 0..n-1, in that order.
func (app *orderApp) inOrder(n int) error {
	app.mu.Lock()
	defer app.mu.Unlock()
	if len(app.got) != n {
		return fmt.Errorf("the app got %d requests, want %d", len(app.got), n)
	}
	for i, v := range app.got {
		if v != i {
			return fmt.Errorf("request %d carried event %d (first out of order)", i, v)
		}
	}
	return nil
}

// memUse is the process's memory: Go heap after a GC, and RSS as the kernel counts it.
type memUse struct {
	heapAlloc, heapSys    uint64
	rss, rssAnon, rssFile uint64
	peakRSS               uint64
}

func (m memUse) String() string {
	return fmt.Sprintf("heap %d MiB in use (%d MiB from the OS), VmRSS %d MiB (anon %d MiB, file %d MiB), VmHWM %d MiB",
		m.heapAlloc>>20, m.heapSys>>20, m.rss>>20, m.rssAnon>>20, m.rssFile>>20, m.peakRSS>>20)
}

func memNow(t *testing.T) memUse {
	t.Helper()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m := memUse{heapAlloc: ms.HeapAlloc, heapSys: ms.HeapSys}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatalf("reading the RSS: %v", err)
	}
	for line := range strings.Lines(string(status)) {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		fields := strings.Fields(v)
		if len(fields) != 2 || fields[1] != "kB" {
			continue
		}
		kb, _ := strconv.ParseUint(fields[0], 10, 64)
		switch k {
		case "VmRSS":
			m.rss = kb << 10
		case "RssAnon":
			m.rssAnon = kb << 10
		case "RssFile":
			m.rssFile = kb << 10
		case "VmHWM":
			m.peakRSS = kb << 10
		}
	}
	if m.rss == 0 {
		t.Fatal("no VmRSS in /proc/self/status")
	}
	return m
}
