package cli

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dexra/dexra-tui/payloads/sig"
)

// verifyingHandler checks every request with payloads/sig and acknowledges redeliveries.
func verifyingHandler(t *testing.T, scheme, secret string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		v := sig.Check(scheme, sig.Request{Method: r.Method, URL: "http://" + r.Host + r.RequestURI, Header: r.Header, Body: body},
			sig.Options{Secrets: []string{secret}})
		if v.Status != sig.Pass {
			http.Error(w, v.Reason, http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// naiveHandler parses the JSON and answers 200, with an answer that tries to retitle the terminal.
func naiveHandler(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v any
		if err := json.NewDecoder(r.Body).Decode(&v); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		io.WriteString(w, "ok\x1b]0;pwned\a")
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func runCheckCLI(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	if env["HOME"] == "" {
		env["HOME"] = t.TempDir()
	}
	var out, errOut syncBuffer
	a := &App{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Env: testEnv(env)}
	code := a.Run(context.Background(), append([]string{"check"}, args...))
	return code, out.String(), errOut.String()
}

func TestCheckACorrectHandlerExitsZeroWithTheSecretFromTheEnvironment(t *testing.T) {
	t.Parallel()
	url := verifyingHandler(t, "dexatel", "env-secret")
	code, out, e := runCheckCLI(t, map[string]string{"DEXRA_WEBHOOK_SECRET": "env-secret"}, url+"/hook", "--burst", "10")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, e)
	}
	for _, want := range []string{"scheme dexatel · event dexatel.delivery", "✓  1 valid, freshly signed event", "–  6 ", "✓ 10 burst of 10 concurrent events", "10/10 2xx · p50 ", "all 10 probes passed"} {
		if !strings.Contains(out, want) {
			t.Errorf("card lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "✗") {
		t.Errorf("a failure on a correct handler:\n%s", out)
	}
}

func TestCheckANaiveHandlerFailsWithWhatToFix(t *testing.T) {
	t.Parallel()
	url := naiveHandler(t)
	code, out, e := runCheckCLI(t, map[string]string{}, url+"/hook", "--scheme", "dexatel", "--secret", "s")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, e)
	}
	for _, want := range []string{
		"✗  2 one body byte changed, original signature  ", "want 4xx",
		"fix: compute the HMAC over the raw body bytes as received, before parsing JSON",
		"✗  3 signed with another secret", "✗  4 no X-Dexatel-Signature header", "✗  5 malformed X-Dexatel-Signature header",
		"✓  7 ", "✓  8 ", "✓  9 ", "✓ 10 ", "4 of 10 probes failed", `it said: "ok\x1b]0;pwned\a"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("card lacks %q:\n%s", want, out)
		}
	}
	if strings.ContainsAny(out, "\x1b\a") {
		t.Errorf("the handler's answer reached the terminal raw: %q", out)
	}
}

func TestCheckJSONLinesAndJUnitReport(t *testing.T) {
	t.Parallel()
	url := naiveHandler(t)
	file := filepath.Join(t.TempDir(), "check.xml")
	code, out, e := runCheckCLI(t, map[string]string{}, url+"/stripe", "--scheme", "stripe", "--secret", "whsec_x", "--json", "--report", "junit="+file, "--burst", "5")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, e)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 10 {
		t.Fatalf("%d JSON lines, want 10:\n%s", len(lines), out)
	}
	failed := 0
	for i, l := range lines {
		var p map[string]any
		if err := json.Unmarshal([]byte(l), &p); err != nil {
			t.Fatalf("line %d: %v: %s", i+1, err, l)
		}
		for _, k := range []string{"name", "ok", "status", "latency_ms", "want", "problem", "fix"} {
			if _, ok := p[k]; !ok {
				t.Errorf("line %d has no %q: %s", i+1, k, l)
			}
		}
		if p["ok"] == false {
			failed++
			if p["problem"] == "" || p["fix"] == "" {
				t.Errorf("a failure without problem and fix: %s", l)
			}
		}
		if p["name"] == "burst" && p["p99_ms"] == nil {
			t.Errorf("burst without p99: %s", l)
		}
	}
	if failed != 5 { // stripe is timestamped: 2–6 fail
		t.Errorf("%d failures, want 5:\n%s", failed, out)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var report junitSuites
	if err := xml.Unmarshal(data, &report); err != nil {
		t.Fatalf("the JUnit report does not parse: %v\n%s", err, data)
	}
	if len(report.Suites) != 1 {
		t.Fatalf("%d suites", len(report.Suites))
	}
	s := report.Suites[0]
	if s.Tests != 10 || s.Failures != 5 || s.Skipped != 0 || len(s.Cases) != 10 {
		t.Fatalf("suite tests=%d failures=%d skipped=%d cases=%d", s.Tests, s.Failures, s.Skipped, len(s.Cases))
	}
	for i, c := range s.Cases {
		if (c.Failure != nil) != (i >= 1 && i <= 5) {
			t.Errorf("case %d %q failure=%v", i+1, c.Name, c.Failure)
		}
		if c.Failure != nil && (c.Failure.Message == "" || !strings.Contains(c.Failure.Text, "fix: ")) {
			t.Errorf("case %q: failure %+v", c.Name, c.Failure)
		}
	}
	if strings.Contains(string(data), "whsec_x") {
		t.Error("the report holds the secret")
	}
}

func TestCheckGenericEventAndConfigSecretForThePath(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	file := filepath.Join(home, ".config", "dexra-tui", "config.toml")
	os.MkdirAll(filepath.Dir(file), 0o700)
	os.WriteFile(file, []byte("secrets = [\"default\"]\n\n[[source]]\nprefix = \"/gh\"\nscheme = \"github\"\nsecrets = [\"gh-secret\"]\n"), 0o600)
	url := verifyingHandler(t, "github", "gh-secret")
	code, out, e := runCheckCLI(t, map[string]string{"HOME": home}, url+"/gh/events", "--burst", "3")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, e)
	}
	if !strings.Contains(out, "scheme github") || !strings.Contains(out, "the catalog has no github event: the probes carry a generic JSON event") {
		t.Errorf("card:\n%s", out)
	}
}

func TestCheckUsageAndFailures(t *testing.T) {
	t.Parallel()
	url := naiveHandler(t)
	for _, args := range [][]string{
		{},
		{url, "extra"},
		{url, "--report", "html=x.html"},
		{url, "--report", "junit="},
		{url, "--timeout", "0s"},
		{url, "--burst", "0"},
		{url, "--scheme", "hmac"},
		{url, "--event", "nope.nothing"},
		{"ftp://example.com/x", "--secret", "s"},
		{"notaurl", "--secret", "s"},
		{"notaurl"},
	} {
		if code, out, e := runCheckCLI(t, map[string]string{}, args...); code != 2 {
			t.Errorf("check %q: exit %d, want 2\n%s%s", args, code, out, e)
		}
	}
	code, _, e := runCheckCLI(t, map[string]string{}, url)
	if code != 1 || !strings.Contains(e, "no webhook secret") {
		t.Errorf("without a secret: %d %q", code, e)
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	closed := srv.URL
	srv.Close()
	code, _, e = runCheckCLI(t, map[string]string{}, closed+"/hook", "--secret", "s")
	if code != 1 || !strings.Contains(e, "is your app running") {
		t.Errorf("nothing listening: %d %q", code, e)
	}
}

func FuzzParseCheckReport(f *testing.F) {
	for _, s := range []string{"", "junit=check.xml", "junit=", "html=x", "junit", "=x", "junit=a=b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		file, err := parseCheckReport(v)
		switch {
		case err != nil && file != "":
			t.Fatalf("%q: error %v with file %q", v, err, file)
		case err == nil && v != "" && (file == "" || "junit="+file != v):
			t.Fatalf("%q: accepted as file %q", v, file)
		}
	})
}
