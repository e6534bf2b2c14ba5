package tunnel

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
)

// historySize is what a history holds on disk after n events, beside what their
// requests took on the wire.
type historySize struct {
	events    int
	wireBytes int64 // request line, headers and body of every request, as sent
	usedBytes int64 // pages the history uses: bbolt's high-water mark less free pages
	freeBytes int64 // free pages below the high-water mark (reused by later commits)
	fileBytes int64 // the file's length (bbolt grows it ahead, in 16 MiB steps)
	diskBytes int64 // blocks the file occupies (the grown tail is a hole)
	buckets   map[string]bolt.BucketStats
	pageSize  int
}

func (h historySize) perEvent(n int64) float64 { return float64(n) / float64(h.events) }
func (h historySize) wirePerEvent() float64    { return h.perEvent(h.wireBytes) }
func (h historySize) ratio() float64           { return h.perEvent(h.usedBytes) / h.wirePerEvent() }

// measureHistory posts n unique signed Dexatel deliveries of about 900 B through the
// real listener from clients keep-alive clients, waits until the history holds them,
// closes it and measures the file.
func measureHistory(t testing.TB, n, clients int) historySize {
	t.Helper()
	path := filepath.Join(t.TempDir(), "history.db")
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	l := NewListener(Config{Addr: "127.0.0.1:0", Verify: payloads.VerifyConfig{Scheme: "auto", Secrets: []string{testSecret}}}, st, NewHub())
	addr, err := l.Listen()
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- l.Serve() }()

	var wire atomic.Int64
	tr := &http.Transport{
		MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients,
		DialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, a)
			if err != nil {
				return nil, err
			}
			return &countingConn{Conn: c, written: &wire}, nil
		},
	}
	client := &http.Client{Transport: tr}
	var (
		next   atomic.Int64
		wg     sync.WaitGroup
		failMu sync.Mutex
		failed error
	)
	for w := range clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 14))
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				body := realisticDelivery(rng, int(i), 900)
				req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/dexatel", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Dexatel-Signature", signDexatel(testSecret, body))
				resp, err := client.Do(req)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("answer %s", resp.Status)
					}
				}
				if err != nil {
					failMu.Lock()
					failed = err
					failMu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	tr.CloseIdleConnections()
	if failed != nil {
		t.Fatalf("post: %v", failed)
	}
	stats, err := st.Stats()
	if err != nil || stats.Total != n {
		t.Fatalf("history holds %d events (err %v), want %d", stats.Total, err, n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if err := <-served; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatalf("close store: %v", err)
	}
	h := historySize{events: n, wireBytes: wire.Load(), buckets: map[string]bolt.BucketStats{}}
	measureFile(t, path, &h)
	return h
}

// measureFile fills h's file figures from the closed history at path.
func measureFile(t testing.TB, path string, h *historySize) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	h.fileBytes = info.Size()
	h.diskBytes = allocatedBytes(info)
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, PreLoadFreelist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	h.pageSize = db.Info().PageSize
	free := db.Stats().FreePageN + db.Stats().PendingPageN
	err = db.View(func(tx *bolt.Tx) error {
		h.freeBytes = int64(free * h.pageSize)
		h.usedBytes = tx.Size() - h.freeBytes
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			h.buckets[string(name)] = b.Stats()
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (h historySize) log(t testing.TB) {
	var b strings.Builder
	fmt.Fprintf(&b, "%d events, page size %d: used %.0f B/event (free %.0f, file %.0f, on disk %.0f), requests %.0f B on the wire: ratio %.3f (on disk %.3f)",
		h.events, h.pageSize, h.perEvent(h.usedBytes), h.perEvent(h.freeBytes), h.perEvent(h.fileBytes), h.perEvent(h.diskBytes),
		h.wirePerEvent(), h.ratio(), h.perEvent(h.diskBytes)/h.wirePerEvent())
	for _, name := range []string{"events", "bodies", "ids", "index", "dedup", "counts", "attempts", "meta"} {
		s := h.buckets[name]
		alloc := s.LeafAlloc + s.BranchAlloc
		fill := 0.0
		if alloc > 0 {
			fill = float64(s.LeafInuse+s.BranchInuse) / float64(alloc)
		}
		fmt.Fprintf(&b, "\n  %-8s %7.1f B/event allocated, %3.0f%% used", name, h.perEvent(int64(alloc)), 100*fill)
	}
	t.Log(b.String())
}

// TestHistoryBytesPerEvent: an event takes at most 1.3 times its request's bytes
// (request line, headers, body as sent) in the history (issue 14).
func TestHistoryBytesPerEvent(t *testing.T) {
	if testing.Short() {
		t.Skip("posts 20,000 requests")
	}
	h := measureHistory(t, 20_000, 16)
	h.log(t)
	if h.ratio() > 1.3 {
		t.Fatalf("history takes %.0f B per event for %.0f B requests: %.3f times, want at most 1.3",
			h.perEvent(h.usedBytes), h.wirePerEvent(), h.ratio())
	}
}

// BenchmarkHistoryBytes reports the history's bytes per event (used_B/event: pages in
// use, free pages not counted; disk_B/event: the file's blocks, free pages counted;
// file_B/event: its length, grown ahead), the requests' mean bytes on the wire, and
// ratio (used/wire) and disk_ratio (disk/wire), for b.N unique signed ~900 B
// deliveries through the listener.
// Run: go test ./tunnel -run '^$' -bench HistoryBytes -benchtime 100000x
func BenchmarkHistoryBytes(b *testing.B) {
	h := measureHistory(b, b.N, 16)
	if b.N > 1 { // testing keeps only 10 lines of a benchmark's log: the last run's
		h.log(b)
	}
	b.ReportMetric(h.perEvent(h.usedBytes), "used_B/event")
	b.ReportMetric(h.perEvent(h.fileBytes), "file_B/event")
	b.ReportMetric(h.perEvent(h.diskBytes), "disk_B/event")
	b.ReportMetric(h.wirePerEvent(), "wire_B/req")
	b.ReportMetric(h.ratio(), "ratio")
	b.ReportMetric(h.perEvent(h.diskBytes)/h.wirePerEvent(), "disk_ratio")
}

// countingConn counts the bytes a client writes: its requests as sent.
type countingConn struct {
	net.Conn
	written *atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.written.Add(int64(n))
	return n, err
}

var deliveryWords = strings.Fields(`your order has shipped and will arrive tomorrow between
nine and five please reply stop to unsubscribe code verification appointment reminder
confirmed thank you for choosing us the delivery driver is on the way track at link
payment received balance due invoice account updated password reset requested`)

// realisticDelivery is a Dexatel delivery report of about size bytes, unique to n:
// ids, numbers, times and the message text differ from one request to the next.
func realisticDelivery(rng *rand.Rand, n, size int) []byte {
	ts := time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC).Add(time.Duration(n) * 1500 * time.Millisecond)
	head := fmt.Sprintf(`{"data":{"account_id":"4ca07d94-7b4d-4434-97aa-9ec34772f111","message_id":"%08x-%04x-4%03x-%04x-%012x",`+
		`"event":"delivery","status":"delivered","channel":"sms","from":"+1415%07d","to":"+4930%08d",`+
		`"segments":%d,"price":{"amount":"0.00%d","currency":"EUR"},"mcc":"262","mnc":"0%d",`+
		`"created_at":"%s","timestamp":"%s","tags":["campaign-%d","batch-%d"],"text":"`,
		rng.Uint32(), n&0xffff, rng.IntN(0x1000), 0x8000|rng.IntN(0x4000), rng.Uint64()&0xffffffffffff,
		rng.IntN(1e7), rng.IntN(1e8), 1+rng.IntN(3), 10+rng.IntN(80), 1+rng.IntN(9),
		ts.Add(-2*time.Second).Format(time.RFC3339), ts.Format("2006-01-02 15:04:05"), rng.IntN(500), n/100)
	const tail = `"}}`
	var b strings.Builder
	b.WriteString(head)
	for b.Len() < size-len(tail) {
		b.WriteString(deliveryWords[rng.IntN(len(deliveryWords))])
		b.WriteByte(' ')
	}
	s := b.String()[:size-len(tail)]
	return []byte(s + tail)
}
