package exchange

import (
	"fmt"
	"testing"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/store/storetest"
)

// benchEvents are realistic events as an export meets them, read back from a history
// (goldenEvents' odd ones and a page of storetest's).
func benchEvents(tb testing.TB) []*payloads.Event {
	page, err := goldenHistory(tb).List(store.ListOptions{OldestFirst: true, WithBody: true})
	if err != nil {
		tb.Fatal(err)
	}
	events := page.Events
	for i := range 1000 {
		events = append(events, storetest.Event(i))
	}
	return events
}

// BenchmarkAppendRecord is the jsonl encoder against the one before it (the
// baseline), in alternating rounds over the same events: compare their ns/op.
func BenchmarkAppendRecord(b *testing.B) {
	events := benchEvents(b)
	var names []string
	encoders := []struct {
		name string
		enc  func([]byte, *payloads.Event) ([]byte, error)
	}{
		{"before", appendRecordBefore},
		{"now", func(b []byte, ev *payloads.Event) ([]byte, error) { return appendRecord(b, ev, &names) }},
	}
	for round := range 3 {
		for _, e := range encoders {
			b.Run(fmt.Sprintf("%s/round%d", e.name, round), func(b *testing.B) {
				var buf []byte
				var bytes int64
				for b.Loop() {
					for _, ev := range events {
						var err error
						if buf, err = e.enc(buf[:0], ev); err != nil {
							b.Fatal(err)
						}
						bytes += int64(len(buf))
					}
				}
				b.SetBytes(bytes / int64(b.N))
			})
		}
	}
}
