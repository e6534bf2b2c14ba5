package ui

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/tunnel"
)

// latencyProbe notes when the frame after each key press is drawn.
type latencyProbe struct {
	*Model
	keyPending atomic.Bool
	drawn      chan time.Time
	updStart   time.Time
}

func (p *latencyProbe) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg.(type) {
	case tea.KeyPressMsg:
		p.keyPending.Store(true)
		p.updStart = time.Now()
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

// Burst load (issue 3): while webhooks arrive at 5,000 a second, a key press every 20
// ms is timed from Send to the frame that shows it; the same keys are first timed with
// no load, as the baseline of the same run. The history holds a million events.
//
//   - listener: signed webhooks POSTed to the real listener over loopback (HTTP, verify,
//     commit, publish) by another process (this test binary, see TestMain), as a
//     platform would; it reports the rate the listener actually sustained.
//   - store: the listener's steps after HTTP (commit through the store, then publish to
//     the hub) from 1,000 concurrent writers, so the console sees the full rate even
//     where HTTP on this machine cannot deliver it.
func BenchmarkKeyLatencyUnderBurst(b *testing.B) {
	b.Run("listener", func(b *testing.B) { benchBurst(b, true) })
	b.Run("store", func(b *testing.B) { benchBurst(b, false) })
}

func benchBurst(b *testing.B, viaHTTP bool) {
	const (
		rate     = 5000 // events per second
		duration = 3 * time.Second
	)
	st := copyBigHistory(b)
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
	go bridge(ctx, sub.C(), nil, nil, nil, prog.Send)
	done := make(chan struct{})
	go func() { defer close(done); prog.Run() }()
	defer func() { prog.Quit(); <-done }()

	press := func(k string) time.Duration {
		t0 := time.Now()
		prog.Send(tea.KeyPressMsg{Code: rune(k[0]), Text: k})
		t2 := <-p.drawn
		if t2.Sub(t0) > 50*time.Millisecond { // over the budget: say where it went
			b.Logf("slow key: queued %v, update+view %v", p.updStart.Sub(t0), t2.Sub(p.updStart))
		}
		return t2.Sub(t0)
	}
	measure := func(d time.Duration) []time.Duration {
		var lat []time.Duration
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		end := time.Now().Add(d)
		for i := 0; time.Now().Before(end); i++ {
			<-tick.C
			lat = append(lat, press([]string{"k", "j"}[i%2]))
		}
		return lat
	}

	for range b.N {
		idle := measure(time.Second)
		before, _ := st.Stats()
		var finished <-chan burstResult
		if viaHTTP {
			finished = loadFromAnotherProcess(b, l.URL(), rate, duration)
		} else {
			finished = paced(rate, duration, commitSender(st, hub))
		}
		loaded := measure(duration)
		res := <-finished
		after, _ := st.Stats()
		b.ReportMetric(pct(idle, 99), "idle-p99-ms")
		b.ReportMetric(pct(loaded, 50), "burst-p50-ms")
		b.ReportMetric(pct(loaded, 99), "burst-p99-ms")
		b.ReportMetric(pct(loaded, 100), "burst-max-ms")
		b.ReportMetric(float64(after.Total-before.Total)/res.elapsed.Seconds(), "events/s")
		if res.failed > 0 {
			b.Errorf("%d webhooks failed", res.failed)
		}
	}
	reportRSS(b)
}

// loadFromAnotherProcess runs this test binary as a load generator (see TestMain)
// posting to url at rate for d.
func loadFromAnotherProcess(b *testing.B, url string, rate int, d time.Duration) <-chan burstResult {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), loadURLEnv+"="+url, fmt.Sprintf("%s=%d", loadRateEnv, rate), loadForEnv+"="+d.String())
	out := make(chan burstResult, 1)
	start := time.Now()
	go func() {
		text, err := cmd.CombinedOutput()
		res := burstResult{elapsed: time.Since(start)}
		if err != nil {
			b.Errorf("load generator: %v\n%s", err, text)
			res.failed = 1
		} else if _, err := fmt.Sscanf(string(text), "failed=%d", &res.failed); err != nil {
			b.Errorf("load generator said %q", text)
		}
		out <- res
	}()
	return out
}

// postSender POSTs a signed Dexatel delivery to the listener.
func postSender(url string) func(int) error {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	return func(i int) error {
		body := delivery(fmt.Sprintf("burst-%012d", i), "delivered")
		req, err := http.NewRequest(http.MethodPost, url+"/dexatel", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header = signed(testSecret, body)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("listener answered %d", resp.StatusCode)
		}
		return nil
	}
}

// commitSender does what the listener does once it has read a request: analyze,
// commit, publish.
func commitSender(st *store.Store, hub *tunnel.Hub) func(int) error {
	return func(i int) error {
		body := delivery(fmt.Sprintf("burst-%012d", i), "delivered")
		ev := request("", time.Now(), "/dexatel", signed(testSecret, body), body)
		if err := st.Append(ev); err != nil {
			return err
		}
		hub.Publish(ev)
		return nil
	}
}

type burstResult struct {
	failed  int64
	elapsed time.Duration
}

// paced calls send rate times a second for d from a pool of 1,000 goroutines (so
// commits are shared), and reports when every call has returned.
func paced(rate int, d time.Duration, send func(int) error) <-chan burstResult {
	const workers = 1000
	out := make(chan burstResult, 1)
	jobs := make(chan int, rate)
	var failed atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if send(i) != nil {
					failed.Add(1)
				}
			}
		}()
	}
	go func() {
		start := time.Now()
		const step = 10 * time.Millisecond
		perStep := rate * int(step) / int(time.Second)
		tick := time.NewTicker(step)
		defer tick.Stop()
		for i := 0; time.Since(start) < d; {
			<-tick.C
			for range perStep {
				jobs <- i
				i++
			}
		}
		close(jobs)
		wg.Wait()
		out <- burstResult{failed: failed.Load(), elapsed: time.Since(start)}
	}()
	return out
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
