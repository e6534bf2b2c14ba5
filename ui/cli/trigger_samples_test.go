package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stripe/stripe-go/v85/webhook"

	"github.com/dexra/dexra-tui/payloads/catalog"
	"github.com/dexra/dexra-tui/payloads/sig"
)

// A secret every scheme takes, Telegram's token alphabet included.
const samplesSecret = "dexra_test-secret_0123456789abcdef"

// TestEverySampleVerifiesAtTheListener sends each trigger sample to a listener that
// checks with the same secret: each arrives as its source, signed, and passes.
func TestEverySampleVerifiesAtTheListener(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	l := startListen(t, home, "--secret", samplesSecret)
	code, list, _ := runCLI(t, home, "", "trigger", "--list")
	if code != 0 {
		t.Fatal("trigger --list failed")
	}
	samples := catalog.Samples()
	for _, e := range samples {
		if !strings.Contains(list, e.Name()) {
			t.Errorf("trigger --list does not show %s", e.Name())
		}
		if code, out, errOut := runCLI(t, home, "", "trigger", e.Name(), "--to", l.url, "--secret", samplesSecret); code != 0 {
			t.Errorf("trigger %s: %d %s %s", e.Name(), code, out, errOut)
		}
	}
	code, out, errOut := runCLI(t, home, "", "events", "--json", "--limit", "0", "--oldest-first")
	if code != 0 {
		t.Fatalf("events: %s", errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(samples) {
		t.Fatalf("%d events for %d samples:\n%s", len(lines), len(samples), out)
	}
	for i, line := range lines {
		var ev eventLine
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatal(err)
		}
		e := samples[i]
		if ev.Signature.Status != string(sig.Pass) || ev.Signature.Scheme != e.Scheme {
			t.Errorf("%s: signature %+v, want %s pass", e.Name(), ev.Signature, e.Scheme)
		}
		if ev.Source != e.Source || !strings.HasPrefix(e.Type, ev.Type) || ev.Type == "" {
			t.Errorf("%s arrived as %s.%s", e.Name(), ev.Source, ev.Type)
		}
	}
}

// TestSamplesVerifyWithTheProvidersLibraries: stripe-go and the Standard Webhooks
// library accept what trigger sends for their schemes (and stripe-go parses the event).
func TestSamplesVerifyWithTheProvidersLibraries(t *testing.T) {
	t.Parallel()
	stripeSecret := "whsec_" + "c3RyaXBlLXNhbXBsZS1zZWNyZXQ="
	stdSecret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	var mu sync.Mutex
	var problems []string
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var err error
		switch r.URL.Path {
		case "/stripe":
			var ev any
			ev, err = webhook.ConstructEvent(body, r.Header.Get("Stripe-Signature"), stripeSecret)
			_ = ev
		case "/standard":
			var wh *standardwebhooks.Webhook
			if wh, err = standardwebhooks.NewWebhook(stdSecret); err == nil {
				err = wh.Verify(body, r.Header)
			}
		}
		if err != nil {
			mu.Lock()
			problems = append(problems, r.URL.Path+": "+err.Error())
			mu.Unlock()
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	}))
	defer app.Close()
	home := t.TempDir()
	for _, e := range catalog.Samples() {
		secret := map[string]string{"stripe": stripeSecret, "standard": stdSecret}[e.Scheme]
		if secret == "" {
			continue
		}
		if code, out, errOut := runCLI(t, home, "", "trigger", e.Name(), "--to", app.URL+e.Path, "--secret", secret); code != 0 {
			t.Errorf("%s: %d %s %s", e.Name(), code, out, errOut)
		}
	}
	if len(problems) > 0 {
		t.Fatalf("the providers' libraries refused: %v", problems)
	}
}

// TestTriggerSendsAFixtureResigned: trigger FILE sends an exported fixture, signed
// afresh with the configured secret, --set applied.
func TestTriggerSendsAFixtureResigned(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	l := startListen(t, home, "--secret", samplesSecret)
	if code, _, errOut := runCLI(t, home, "", "trigger", "stripe.charge.failed", "--to", l.url, "--secret", samplesSecret); code != 0 {
		t.Fatal(errOut)
	}
	dir := filepath.Join(t.TempDir(), "fixtures")
	if code, _, errOut := runCLI(t, home, "", "export", "--format", "fixtures", "-o", dir); code != 0 {
		t.Fatal(errOut)
	}
	var file string
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && strings.HasSuffix(p, ".json") {
			file = p
		}
		return nil
	})
	if file == "" {
		t.Fatal("no fixture exported")
	}
	time.Sleep(1100 * time.Millisecond) // a fresh Stripe timestamp differs from the captured one
	code, out, errOut := runCLI(t, home, "", "trigger", file, "--to", l.url, "--secret", samplesSecret, "--set", "data.object.failure_code=expired_card")
	if code != 0 || !strings.Contains(out, "200 ") {
		t.Fatalf("trigger FILE: %d %s %s", code, out, errOut)
	}
	code, out, _ = runCLI(t, home, "", "events", "--json", "--limit", "1")
	var ev eventLine
	json.Unmarshal([]byte(out), &ev)
	if code != 0 || ev.Signature.Status != "pass" || ev.Source != "stripe" {
		t.Fatalf("the fixture did not arrive signed: %s", out)
	}
	code, out, _ = runCLI(t, home, "", "show", ev.ID, "--body")
	if code != 0 || !strings.Contains(out, `"failure_code":"expired_card"`) || !strings.Contains(out, `"failure_message":"Your card was declined."`) {
		t.Fatalf("--set not applied to the fixture body:\n%s", out)
	}
}
