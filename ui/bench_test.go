package ui

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// Benchmarks over the million-event history (issue 3). Run with
//
//	go test ./ui -run '^$' -bench . -benchtime 20x
//
// The first run builds the history (see bigHistoryPath) and takes a few minutes.

// BenchmarkFirstFrame is New, the first size, Init's reads and the first View.
func BenchmarkFirstFrame(b *testing.B) {
	st := openBigHistory(b, bigHistoryEvents)
	defer st.Close()
	b.ResetTimer()
	for range b.N {
		m := testModel(st, false)
		start(m, 120, 35)
		if !strings.Contains(m.View().Content, "1,000,000 events") {
			b.Fatal("the first frame does not show the history")
		}
	}
	reportRSS(b)
}

// BenchmarkKeyPress is one key's Update and the View that follows, as the program
// does it; the reads a key asks for run afterwards, off the event loop.
func BenchmarkKeyPress(b *testing.B) {
	st := openBigHistory(b, bigHistoryEvents)
	defer st.Close()
	m := testModel(st, false)
	start(m, 120, 35)
	drive(m, press("k"), press("k"), press("k"))
	keys := []tea.Msg{press("k"), press("j")}
	b.ResetTimer()
	for i := range b.N {
		m.Update(keys[i%2])
		_ = m.View()
	}
	reportRSS(b)
}

// BenchmarkKeyPressRoundTrip walks up the history one key at a time, including the
// page and detail reads each key causes and the View after their answers.
func BenchmarkKeyPressRoundTrip(b *testing.B) {
	st := openBigHistory(b, bigHistoryEvents)
	defer st.Close()
	m := testModel(st, false)
	start(m, 120, 35)
	b.ResetTimer()
	for range b.N {
		drive(m, press("k"))
		_ = m.View()
	}
	reportRSS(b)
}

// BenchmarkPageUpRoundTrip pages up the history with its reads.
func BenchmarkPageUpRoundTrip(b *testing.B) {
	st := openBigHistory(b, bigHistoryEvents)
	defer st.Close()
	m := testModel(st, false)
	start(m, 120, 35)
	b.ResetTimer()
	for range b.N {
		drive(m, press("pgup"))
		_ = m.View()
	}
	reportRSS(b)
}

// reportRSS adds the process's resident set size.
func reportRSS(b *testing.B) {
	b.Helper()
	runtime.GC()
	if kb := rssKB(); kb > 0 {
		b.ReportMetric(float64(kb)/1024, "RSS-MB")
	}
}

// rssKB reads VmRSS from /proc (0 where there is none).
func rssKB() int {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return n
		}
	}
	return 0
}

var _ = time.Second
