package ui

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/ui/present"
)

// Benchmarks over the million-event history (issue 3). Run with
//
//	go test ./ui -run '^$' -bench . -benchtime 20x
//
// The first run builds the history (see bigHistoryPath); that takes from under a
// minute to several, depending on the disk's fsync.

// Each benchmark runs over a 1,000-event history first, the baseline, then over the
// million-event one: the work of a frame or a key should not grow with the history.
var historySizes = []int{1_000, bigHistoryEvents}

func forEachHistory(b *testing.B, bench func(b *testing.B, st *store.Store, n int)) {
	for _, n := range historySizes {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			st := openBigHistory(b, n)
			defer st.Close()
			bench(b, st, n)
		})
	}
}

// BenchmarkFirstFrame is New, the first size, Init's reads and the first View.
func BenchmarkFirstFrame(b *testing.B) {
	forEachHistory(b, func(b *testing.B, st *store.Store, n int) {
		want := present.Count(n) + " events"
		for b.Loop() {
			m := testModel(st, false)
			start(m, 120, 35)
			if !strings.Contains(m.View().Content, want) {
				b.Fatalf("the first frame does not show %q", want)
			}
		}
		reportRSS(b)
	})
}

// BenchmarkOpenAndFirstFrame adds opening the million-event history file, as a start
// of dexra-tui does before its first frame.
func BenchmarkOpenAndFirstFrame(b *testing.B) {
	openBigHistory(b, bigHistoryEvents).Close()
	for b.Loop() {
		st, err := store.Open(bigHistoryPath(), store.Options{Retention: -1})
		if err != nil {
			b.Fatal(err)
		}
		m := testModel(st, false)
		start(m, 120, 35)
		if !strings.Contains(m.View().Content, "1,000,000 events") {
			b.Fatal("the first frame does not show the history")
		}
		st.Close()
	}
	reportRSS(b)
}

// BenchmarkKeyPress is one key's Update and the View that follows, as the program
// does it; the reads a key asks for run afterwards, off the event loop.
func BenchmarkKeyPress(b *testing.B) {
	forEachHistory(b, func(b *testing.B, st *store.Store, _ int) {
		m := testModel(st, false)
		start(m, 120, 35)
		drive(m, press("k"), press("k"), press("k"))
		keys := []tea.Msg{press("k"), press("j")}
		i := 0
		for b.Loop() {
			m.Update(keys[i%2])
			_ = m.View()
			i++
		}
		reportRSS(b)
	})
}

// BenchmarkKeyPressRoundTrip walks up the history one key at a time, including the
// page and detail reads each key causes and the View after their answers.
func BenchmarkKeyPressRoundTrip(b *testing.B) {
	forEachHistory(b, func(b *testing.B, st *store.Store, _ int) {
		m := testModel(st, false)
		start(m, 120, 35)
		for b.Loop() {
			drive(m, press("k"))
			_ = m.View()
			if m.list.SelectedID() == "" {
				b.Fatal("nothing selected")
			}
		}
		reportRSS(b)
	})
}

// BenchmarkPageUpRoundTrip pages up the history with its reads.
func BenchmarkPageUpRoundTrip(b *testing.B) {
	forEachHistory(b, func(b *testing.B, st *store.Store, _ int) {
		m := testModel(st, false)
		start(m, 120, 35)
		for b.Loop() {
			drive(m, press("pgup"))
			_ = m.View()
		}
		reportRSS(b)
	})
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
