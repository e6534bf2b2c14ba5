package cli

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// Stopping listen while the app hangs on a delivery takes a short grace, not the
// delivery's whole timeout: the event is forwarded at the next start anyway.
func TestListenStopsSoonWhileTheAppHangs(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var hung, delivered atomic.Int32
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
			delivered.Add(1)
		default:
			hung.Add(1)
			select { // hang until the forwarder gives up on this request
			case <-r.Context().Done():
			case <-release:
			}
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer app.Close()
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	home := t.TempDir()
	args := []string{"--db", filepath.Join(home, "h.db"), "--secret", "s", "--forward-to", app.URL + "/hook"}
	ln := startListen(t, home, args...)
	if code, o, e := runCLI(t, home, "", "trigger", "dexatel.delivery", "--to", ln.url, "--secret", "s"); code != 0 {
		t.Fatalf("trigger: %d %q %q", code, o, e)
	}
	waitFor(t, "the app to hold the delivery", func() bool { return hung.Load() == 1 })
	start := time.Now()
	ln.stop()
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("listen took %v to stop behind a hanging app; want about %v", took, forwardStopGraceResumed)
	}
	close(release) // the app answers now
	ln = startListen(t, home, args...)
	waitFor(t, "the event forwarded at the next start", func() bool { return delivered.Load() == 1 })
}
