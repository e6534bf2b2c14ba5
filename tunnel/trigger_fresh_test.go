package tunnel

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads/catalog"
)

// TestTriggeredSamplesAreNeverDuplicates: two triggers of one sample in the same
// instant carry different dedup keys (the provider's event id is fresh per call), and
// GitHub's X-GitHub-Delivery is a UUID as GitHub sends it.
func TestTriggeredSamplesAreNeverDuplicates(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []*http.Request
	var bodies [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, bodies = append(got, r), append(bodies, body)
		mu.Unlock()
	}))
	defer srv.Close()
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	now := time.Unix(1767225600, 0)
	for _, e := range catalog.Samples() {
		mu.Lock()
		got, bodies = nil, nil
		mu.Unlock()
		for range 2 {
			if _, err := Trigger(context.Background(), TriggerRequest{URL: srv.URL, Event: e, Secret: "tok_secret", Now: now}); err != nil {
				t.Fatalf("%s: %v", e.Name(), err)
			}
		}
		k0 := catalog.DedupKey(e.Source, e.Type, got[0].URL.EscapedPath(), got[0].Header, bodies[0])
		k1 := catalog.DedupKey(e.Source, e.Type, got[1].URL.EscapedPath(), got[1].Header, bodies[1])
		if k0 == "" || k0 == k1 {
			t.Errorf("%s: two triggers in one instant share the dedup key %q", e.Name(), k0)
		}
		if e.Source == "github" {
			for _, r := range got {
				if id := r.Header.Get("X-GitHub-Delivery"); !uuid.MatchString(id) {
					t.Errorf("%s: X-GitHub-Delivery %q, want a UUID", e.Name(), id)
				}
			}
		}
	}
}
