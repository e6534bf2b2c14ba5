package tunnel

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/internal/cputime"
)

// BenchmarkIngestWithDownForwardTarget is issue 10's bar "forwarding with retries
// pending for a down target adds no more than 10% to the listener's ingest": it runs
// BenchmarkIngest's load (64 keep-alive clients, signed ~1 KiB Dexatel payloads)
// against two listeners in alternating rounds, one with no forwarder and one
// forwarding to a closed loopback port with the default retry policy, so the head
// event is refused and retried while every later one waits behind it (read back from
// the history once the queue passes maxQueuedBytes, as the listener's hub does).
// Both sides include the wait for the history to hold what was acknowledged.
// Reported: plain_req/s, down_fwd_req/s, ratio (down/plain over the whole run; target
// >= 0.9), median_round_ratio (the same per round, its median: robust to a burst of
// other load on a shared machine), each side's process CPU per request, the attempts
// made and the backlog at the end. Run:
// go test ./tunnel -run '^$' -bench BenchmarkIngestWithDownForwardTarget -benchtime 20000x
func BenchmarkIngestWithDownForwardTarget(b *testing.B) {
	ps := make([]signedPayload, 1024)
	for i := range ps {
		body := dexatelDelivery(i, 1024)
		ps[i] = signedPayload{body, signDexatel(testSecret, body)}
	}
	plain := benchHubListener(b)
	down := benchHubListener(b)
	down.Hub.ReadBehind(storeRange(down.Store)) // as the listener's own hub (ui/cli/server.go)
	f, err := NewForwarder(ForwardConfig{Targets: mustTargets(b, "http://"+closedAddr(b)+"/hooks"), Recorder: down.Store})
	if err != nil {
		b.Fatal(err)
	}
	f.Start(down.Hub)
	defer func() {
		down.Hub.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		f.Stop(ctx) // reports the backlog as not delivered: expected here
	}()

	// Many short rounds: on a shared machine, load that comes and goes hits both sides alike.
	const rounds = 20
	var plainTime, downTime time.Duration
	var pairRatios []float64 // per round: plain time / down time
	var plainCPU, downCPU time.Duration
	b.ResetTimer()
	for r := range rounds {
		n := b.N/rounds + boolInt(r < b.N%rounds)
		if n == 0 {
			continue
		}
		// Which side goes first alternates too, so neither always runs on a warmer machine.
		sides := []struct {
			tl       *testListener
			sum, cpu *time.Duration
		}{{plain, &plainTime, &plainCPU}, {down, &downTime, &downCPU}}
		if r%2 == 1 {
			sides[0], sides[1] = sides[1], sides[0]
		}
		var took [2]time.Duration
		for i, s := range sides {
			cpu0 := processCPU()
			d, _ := loadIngest(b, s.tl.URL, ps, n)
			took[i] = d + settle(b, s.tl.Store)
			*s.sum += took[i]
			*s.cpu += processCPU() - cpu0
		}
		if r%2 == 1 {
			took[0], took[1] = took[1], took[0]
		}
		pairRatios = append(pairRatios, took[0].Seconds()/took[1].Seconds())
	}
	b.StopTimer()
	plainRate := float64(b.N) / plainTime.Seconds()
	downRate := float64(b.N) / downTime.Seconds()
	b.ReportMetric(plainRate, "plain_req/s")
	b.ReportMetric(downRate, "down_fwd_req/s")
	b.ReportMetric(downRate/plainRate, "ratio")
	// The median round is what one slow fsync or a burst of other load cannot move.
	slices.Sort(pairRatios)
	b.ReportMetric(pairRatios[len(pairRatios)/2], "median_round_ratio")
	// CPU of the whole process (load clients included) per request, while each side ran.
	b.ReportMetric(float64(plainCPU.Microseconds())/float64(b.N), "plain_cpu_us/req")
	b.ReportMetric(float64(downCPU.Microseconds())/float64(b.N), "down_fwd_cpu_us/req")

	// The forwarder really was retrying a refused head event with everything queued behind it.
	waitUntil(b, "every event queued for the down target, the head one retrying", func() bool {
		h := f.Health()[0]
		return h.Backlog() == b.N && h.Retrying == 1
	})
	h := f.Health()[0]
	if h.Delivered != 0 || h.Failed == 0 || h.State != HealthFailing {
		b.Fatalf("health %+v: want the head event failing and waiting to retry", h)
	}
	b.ReportMetric(float64(h.Failed), "attempts")
	b.ReportMetric(float64(h.Backlog()), "backlog")
}

// processCPU is the user + system CPU time this process has used (0 where the
// platform cannot tell).
func processCPU() time.Duration {
	d, _ := cputime.Process()
	return d
}
