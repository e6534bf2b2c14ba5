package ui

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/tunnel"
)

// latencyProbe notes when the frame after each key press is drawn.
type latencyProbe struct {
	*Model
	keyPending atomic.Bool
	drawn      chan time.Time
}

func (p *latencyProbe) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg.(type) {
	case tea.KeyPressMsg:
		p.keyPending.Store(true)
	}
	_, cmd := p.Model.Update(msg)
	return p, cmd
}

func (p *latencyProbe) View() tea.View {
	v := p.Model.View()
	if p.keyPending.Swap(false) {
		p.drawn <- time.Now()
	}
	return v
}

// Burst load (issue 3): while 5,000 webhooks a second arrive at the real listener over
// loopback (committed to the million-event history, published through the hub and the
// bridge), a key press every 20 ms is timed from Send to the frame that shows it. The
// same keys are first timed with no load, as the baseline of the same run.
func BenchmarkKeyLatencyUnderBurst(b *testing.B) {
	const (
		rate     = 5000 // events per second
		duration = 3 * time.Second
	)
	st := openBigHistory(b, bigHistoryEvents)
	defer st.Close()
	hub := tunnel.NewHub()
	l := tunnel.NewListener(tunnel.Config{
		Addr:   "127.0.0.1:0",
		Verify: payloads.VerifyConfig{Scheme: sig.Auto, Secrets: []string{testSecret}},
	}, st, hub)
	if _, err := l.Listen(); err != nil {
		b.Fatal(err)
	}
	go l.Serve()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		l.Shutdown(ctx)
		hub.Close()
	}()

	sub := hub.Subscribe()
	defer sub.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := &latencyProbe{Model: New(Options{Reader: st, Events: sub.C(), ListenURL: l.URL(), Location: time.UTC}), drawn: make(chan time.Time, 1)}
	in, inW := io.Pipe()
	defer inW.Close()
	prog := tea.NewProgram(p, tea.WithInput(in), tea.WithOutput(io.Discard), tea.WithWindowSize(120, 35), tea.WithoutSignals())
	go bridge(ctx, sub.C(), prog.Send)
	done := make(chan struct{})
	go func() { defer close(done); prog.Run() }()
	defer func() { prog.Quit(); <-done }()

	press := func(k string) time.Duration {
		t0 := time.Now()
		prog.Send(tea.KeyPressMsg{Code: rune(k[0]), Text: k})
		return (<-p.drawn).Sub(t0)
	}
	measure := func(until time.Time) []time.Duration {
		var lat []time.Duration
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for i := 0; time.Now().Before(until); i++ {
			<-tick.C
			lat = append(lat, press([]string{"k", "j"}[i%2]))
		}
		return lat
	}

	for range b.N {
		idle := measure(time.Now().Add(time.Second))
		sent, failed := burst(l.URL(), rate, duration, func() { _ = 0 })
		loaded := measure(time.Now().Add(duration))
		n, f := sent.Load(), failed.Load()
		<-burstDone
		b.ReportMetric(pct(idle, 99), "idle-p99-ms")
		b.ReportMetric(pct(loaded, 50), "burst-p50-ms")
		b.ReportMetric(pct(loaded, 99), "burst-p99-ms")
		b.ReportMetric(pct(loaded, 100), "burst-max-ms")
		b.ReportMetric(float64(n)/duration.Seconds(), "events/s")
		if f > 0 {
			b.Errorf("%d of %d webhooks failed", f, n)
		}
	}
	reportRSS(b)
}

// burstDone closes when the last burst's senders have finished.
var burstDone chan struct{}

// burst posts signed Dexatel deliveries to url at rate per second for d, from a pool
// of keep-alive connections, and returns counters updated as it goes.
func burst(url string, rate int, d time.Duration, _ func()) (sent, failed *atomic.Int64) {
	sent, failed = new(atomic.Int64), new(atomic.Int64)
	burstDone = make(chan struct{})
	const workers = 400
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}}
	jobs := make(chan int, rate)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				body := delivery(fmt.Sprintf("burst-%012d", i), "delivered")
				req, _ := http.NewRequest(http.MethodPost, url+"/dexatel", bytes.NewReader(body))
				req.Header = signed(testSecret, body)
				resp, err := client.Do(req)
				if err != nil || resp.StatusCode != http.StatusOK {
					failed.Add(1)
				}
				if resp != nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				sent.Add(1)
			}
		}()
	}
	go func() {
		defer close(burstDone)
		const step = 10 * time.Millisecond
		perStep := rate * int(step) / int(time.Second)
		tick := time.NewTicker(step)
		defer tick.Stop()
		end := time.Now().Add(d)
		for i := 0; time.Now().Before(end); {
			<-tick.C
			for range perStep {
				jobs <- i
				i++
			}
		}
		close(jobs)
		wg.Wait()
	}()
	return sent, failed
}

// pct is the p-th percentile of lat in milliseconds.
func pct(lat []time.Duration, p int) float64 {
	if len(lat) == 0 {
		return 0
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	i := min(len(s)*p/100, len(s)-1)
	return float64(s[i]) / float64(time.Millisecond)
}
