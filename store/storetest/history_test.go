package storetest

import (
	"encoding/json"
	"testing"
)

// TestEventIsRealistic: bodies are valid JSON of about 900 bytes and message ids are
// unique but for the redeliveries.
func TestEventIsRealistic(t *testing.T) {
	seen := map[string]int{}
	for i := range 1000 {
		ev := Event(i)
		if n := len(ev.Body); n < 800 || n > 1000 {
			t.Fatalf("event %d: body of %d bytes, want ~900", i, n)
		}
		if !json.Valid(ev.Body) {
			t.Fatalf("event %d: body is not JSON: %s", i, ev.Body)
		}
		seen[ev.Correlation]++
	}
	if len(seen) != 900 {
		t.Fatalf("%d distinct message ids in 1000 events, want 900 (every 10th redelivers)", len(seen))
	}
}
