package tunnel

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
)

// Outbound events (a sent message, a handler check's probe) are ours, not webhooks:
// the forwarder never sends them to the app.
func TestForwardSkipsOutboundEvents(t *testing.T) {
	app := newTestApp(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	tl := startListener(t, Config{Verify: payloads.VerifyConfig{Secrets: []string{testSecret}}})
	startForwarder(t, tl, ForwardConfig{Targets: mustTargets(t, app.srv.URL+"/hook")})
	probe := &payloads.Event{Received: time.Now().UTC(), Direction: payloads.Outbound, Method: http.MethodPost, Path: "/hook",
		Body: []byte(`{"tampered":true}`), Source: "check", Type: "tampered_body", Status: 200}
	if err := tl.Store.Append(probe); err != nil {
		t.Fatal(err)
	}
	tl.Hub.Publish(probe.Clone())
	body := []byte(`{"data":{"event":"delivery"}}`)
	req, _ := http.NewRequest(http.MethodPost, tl.URL+"/dexatel", bytes.NewReader(body))
	req.Header.Set("X-Dexatel-Signature", signDexatel(testSecret, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	attemptsOf(t, tl.Store, resp.Header.Get(EventIDHeader), 1) // the webhook, forwarded after the probe
	if reqs := app.got(); len(reqs) != 1 || !bytes.Equal(reqs[0].Body, body) {
		t.Fatalf("app got %d requests, want only the webhook", len(reqs))
	}
}
