package store

import (
	bolt "go.etcd.io/bbolt"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"fmt"
	"sync/atomic"
	"testing"
)

func TestMain(m *testing.M) {
	m.Run()
	fmt.Println("DEBUG", DebugStats())
}

var _ = atomic.Int64{}

func listenerShaped(i int) *payloads.Event {
	ev := sampleEvent(i)
	ev.Source, ev.Type, ev.Path = "dexatel", "delivery", "/dexatel"
	ev.Signature = sig.Verdict{Scheme: "dexatel", Status: sig.Pass}
	n := i % 1024
	ev.Body = []byte(fmt.Sprintf(`{"data":{"account_id":"4ca07d94-7b4d-4434-97aa-9ec34772f111","message_id":"4ca07d94-7b4d-4434-97aa-%012d","event":"delivery","status":"delivered","timestamp":"2022-03-01 13:00:00","note":"%s"}}`, n, strings.Repeat("x", 800)))
	sum := sha256.Sum256(ev.Body)
	ev.DedupKey = "sha256:" + hex.EncodeToString(sum[:])
	ev.Correlation = fmt.Sprintf("4ca07d94-7b4d-4434-97aa-%012d", n)
	return ev
}

func BenchmarkAppendShaped(b *testing.B) {
	s := openTest(b, Options{Retention: -1})
	var next atomic.Int64
	defer reportCPU(b)()
	start := time.Now()
	b.SetParallelism(32)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := s.Append(listenerShaped(int(next.Add(1)))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(next.Load())/time.Since(start).Seconds(), "events/s")
	st := s.db.Stats().TxStats
	b.ReportMetric(float64(st.GetWrite())/float64(next.Load()), "pages/event")
	b.ReportMetric(float64(st.GetNodeCount())/float64(next.Load()), "nodes/event")
}

func BenchmarkCommitShaped(b *testing.B) {
	s := openTest(b, Options{Retention: -1})
	const per = 32
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		ps := make([]*preparedEvent, per)
		for j := range ps {
			ps[j], _ = prepareEvent(listenerShaped(n))
			n++
		}
		err := s.db.Update(func(tx *bolt.Tx) error {
			w := newTxWriter(tx)
			for _, p := range ps {
				if _, err := putEvent(w, p); err != nil {
					return err
				}
			}
			return w.flush()
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	st := s.db.Stats().TxStats
	b.ReportMetric(float64(st.GetWrite())/float64(n), "pages/event")
}
