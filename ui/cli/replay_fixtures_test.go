package cli

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads/fixture"
	"github.com/dexra/dexra-tui/payloads/sig"
)

// verifyingApp answers 404 off /dexatel and /stripe, 401 to a request whose signature
// does not pass with secret, else status.
func verifyingApp(t *testing.T, secret string, status int) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/dexatel" && r.URL.Path != "/stripe" {
			http.NotFound(w, r) // each fixture goes to its own path (--to URL/*)
			return
		}
		body, _ := io.ReadAll(r.Body)
		v := sig.Check("auto", sig.Request{Method: r.Method, URL: "http://" + r.Host + r.URL.RequestURI(), Header: r.Header, Body: body},
			sig.Options{Secrets: []string{secret}})
		if v.Status != sig.Pass {
			http.Error(w, "signature "+string(v.Status)+": "+v.Reason, http.StatusUnauthorized)
			return
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// writeFixtures writes a Dexatel fixture (captured) and a Stripe one signed an hour
// ago (stale unless re-signed) under dir.
func writeFixtures(t *testing.T, dir, secret string, expect *fixture.Expect) {
	t.Helper()
	dexatel, _ := sig.Lookup("dexatel")
	stripe, _ := sig.Lookup("stripe")
	b1 := []byte(`{"data":{"event":"delivery","status":"delivered","message_id":"m1"}}`)
	h1, _ := dexatel.Sign(sig.SignInput{Secret: secret, Body: b1})
	h1.Set("Content-Type", "application/json")
	b2 := []byte(`{"id":"evt_1","object":"event","type":"payment_intent.succeeded"}`)
	h2, _ := stripe.Sign(sig.SignInput{Secret: secret, Body: b2, Timestamp: time.Now().Add(-time.Hour)})
	h2.Set("Content-Type", "application/json")
	for name, f := range map[string]*fixture.Fixture{
		"dexatel/delivery/a.json":                {Method: "POST", Path: "/dexatel", Headers: h1, Body: b1, Source: "dexatel", Type: "delivery", Signature: fixture.Signature{Scheme: "dexatel"}, Expect: expect},
		"stripe/payment_intent.succeeded/b.json": {Method: "POST", Path: "/stripe", Headers: h2, Body: b2, Source: "stripe", Type: "payment_intent.succeeded", Signature: fixture.Signature{Scheme: "stripe", Resign: true}, Expect: expect},
	} {
		data, err := f.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, data, 0o644)
	}
}

func TestReplayFixturesExitCodesAndJUnit(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	const secret = "whsec_Zml4dHVyZS10ZXN0LXNlY3JldC0xMjM0NTY3OA=="
	dir := t.TempDir()
	writeFixtures(t, dir, secret, nil)

	ok := verifyingApp(t, secret, 200)
	report := filepath.Join(t.TempDir(), "junit.xml")
	code, out, errOut := runReplayCmd(t, home, "--fixtures", dir, "--to", ok.URL+"/*", "--secret", secret, "--report", "junit="+report)
	if code != 0 || !strings.Contains(out, "2 fixture(s): 2 ok, 0 failed") {
		t.Fatalf("against a 200 app: code %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "stripe/payment_intent.succeeded/b.json (resign") || !strings.Contains(out, "dexatel/delivery/a.json (captured") {
		t.Fatalf("modes not taken from the fixtures:\n%s", out)
	}
	suites := parseFixtureJUnit(t, report)
	if s := suites.Suites[0]; s.Tests != 2 || s.Failures != 0 || len(s.Cases) != 2 {
		t.Fatalf("junit: %+v", s)
	}

	// Captured, the hour-old Stripe signature is refused by the app: exit 1, named.
	code, out, _ = runReplayCmd(t, home, "--fixtures", dir, "--to", ok.URL+"/*", "--mode", "captured", "--report", "junit="+report)
	if code != 1 || !strings.Contains(out, "FAIL 401 stripe/payment_intent.succeeded/b.json") || !strings.Contains(out, "ok   200 dexatel/delivery/a.json") {
		t.Fatalf("stale captured: code %d\n%s", code, out)
	}

	bad := verifyingApp(t, secret, 500)
	code, out, _ = runReplayCmd(t, home, "--fixtures", dir, "--to", bad.URL+"/*", "--secret", secret, "--report", "junit="+report)
	if code != 1 || !strings.Contains(out, "2 fixture(s): 0 ok, 2 failed") || !strings.Contains(out, "answered 500, expected 2xx") {
		t.Fatalf("against a 500 app: code %d\n%s", code, out)
	}
	suites = parseFixtureJUnit(t, report)
	if s := suites.Suites[0]; s.Tests != 2 || s.Failures != 2 || s.Cases[0].Failure == nil || !strings.Contains(s.Cases[0].Failure.Message, "500") {
		t.Fatalf("junit after failures: %+v", s)
	}

	// An expected status other than 2xx is checked exactly.
	dir400 := t.TempDir()
	writeFixtures(t, dir400, secret, &fixture.Expect{Status: 500})
	if code, out, _ = runReplayCmd(t, home, "--fixtures", dir400, "--to", bad.URL+"/*", "--secret", secret, "--json"); code != 0 || !strings.Contains(out, `"expected":"500"`) {
		t.Fatalf("expect 500 against a 500 app: code %d\n%s", code, out)
	}

	// Nothing listens: exit 1, an error in the report.
	if code, out, _ = runReplayCmd(t, home, "--fixtures", dir, "--to", "http://127.0.0.1:1", "--secret", secret, "--report", "junit="+report); code != 1 {
		t.Fatalf("no app: code %d\n%s", code, out)
	}
	if s := parseFixtureJUnit(t, report).Suites[0]; s.Errors != 2 {
		t.Fatalf("junit errors: %+v", s)
	}
	for _, args := range [][]string{
		{"--fixtures", dir}, // no --to
		{"--fixtures", dir, "--to", ok.URL + "/*", "--report", "x"},   // bad report
		{"--fixtures", dir, "--to", ok.URL + "/*", "01JD3Q5W9Z8X"},    // IDs too
		{"--report", "junit=x.xml", "--to", ok.URL + "/*", "01JD3Q5"}, // report without fixtures
	} {
		if code, _, errOut := runReplayCmd(t, home, args...); code != 2 {
			t.Errorf("%v: code %d (%s), want 2", args, code, errOut)
		}
	}
	// A broken fixture is named.
	os.WriteFile(filepath.Join(dir, "broken.json"), []byte(`{"dexra_fixture":1,"method":"POST","path":"no-slash"}`), 0o644)
	if code, _, errOut := runReplayCmd(t, home, "--fixtures", dir, "--to", ok.URL); code != 1 || !strings.Contains(errOut, "broken.json") {
		t.Fatalf("broken fixture: code %d %s", code, errOut)
	}
}

func parseFixtureJUnit(t *testing.T, file string) junitSuites {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var s junitSuites
	if err := xml.Unmarshal(data, &s); err != nil || len(s.Suites) != 1 {
		t.Fatalf("junit does not parse: %v\n%s", err, data)
	}
	return s
}
