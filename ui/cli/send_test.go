package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dexra/dexra-tui/tunnel/sandbox"
)

const sandboxTestKey = "sk_test_cli_0123456789"

// runningSandbox is a `sandbox` command running in-process until the test ends.
type runningSandbox struct {
	api         string
	out, errOut *syncBuffer
}

func startSandboxCmd(t *testing.T, home string, args ...string) *runningSandbox {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &runningSandbox{out: &syncBuffer{}, errOut: &syncBuffer{}}
	a := &App{Stdin: strings.NewReader(""), Stdout: r.out, Stderr: r.errOut, Env: testEnv(map[string]string{"HOME": home})}
	done := make(chan int, 1)
	go func() {
		done <- a.Run(ctx, append([]string{"sandbox", "--addr", "127.0.0.1:0", "--key", sandboxTestKey, "--step", "20ms"}, args...))
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("sandbox exit %d: %s", code, r.errOut.String())
		}
	})
	apiRE := regexp.MustCompile(`sandbox API on (http://[^/\s]+)`)
	waitFor(t, "the sandbox", func() bool { return apiRE.MatchString(r.errOut.String()) || len(done) > 0 })
	m := apiRE.FindStringSubmatch(r.errOut.String())
	if m == nil {
		t.Fatalf("sandbox exited: %s", r.errOut.String())
	}
	r.api = m[1]
	return r
}

func runCLIEnv(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut syncBuffer
	a := &App{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Env: testEnv(env)}
	code = a.Run(context.Background(), args)
	return code, out.String(), errOut.String()
}

func TestSendWaitDeliveredAgainstTheSandbox(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	db := filepath.Join(home, "history.db")
	ln := startListen(t, home, "--db", db, "--secret", "right")
	sb := startSandboxCmd(t, home, "--webhook-url", ln.url+"/", "--secret", "right", "--seed", "3")

	send := func(to string, extra ...string) (int, sendJSON, string) {
		args := append([]string{"send", "--api-url", sb.api, "--key", sandboxTestKey, "--db", db,
			"--channel", "sms", "--to", to, "--text", "hi", "--json"}, extra...)
		code, o, e := runCLI(t, home, "", args...)
		var got sendJSON
		if err := json.Unmarshal([]byte(o), &got); err != nil {
			t.Fatalf("send --json printed %q (%v); stderr %q", o, err, e)
		}
		return code, got, e
	}
	code, got, e := send("+15551234567", "--wait", "delivered", "--timeout", "10s")
	if code != 0 || got.MessageID == "" || got.Status != 200 || got.Wait == nil || got.Wait.Status != "delivered" || got.Wait.EventID == "" {
		t.Fatalf("send --wait delivered: %d %+v %s", code, got, e)
	}
	if !strings.Contains(string(got.Answer), got.MessageID) || got.Key != "sk_t…6789" || strings.Contains(e+string(got.Answer), sandboxTestKey) {
		t.Fatalf("answer %s key %s stderr %s", got.Answer, got.Key, e)
	}
	// The listener holds the history: the sent message is recorded through its control socket.
	if got.ID == "" || got.NotRecorded != "" {
		t.Fatalf("recording through the listener: id %q, %q, stderr %q", got.ID, got.NotRecorded, e)
	}
	code, o, _ := runCLI(t, home, "", "events", "--db", db, "--filter", "dir:out", "--json")
	if code != 0 || strings.Count(o, "\n") != 1 || !strings.Contains(o, got.ID) || !strings.Contains(o, `"direction":"outbound"`) {
		t.Fatalf("events dir:out: %d %s", code, o)
	}
	// The webhook it waited for is in the history, verified and linked by the message id.
	code, o, _ = runCLI(t, home, "", "events", "--db", db, "--filter", "corr:"+got.MessageID, "--json")
	if code != 0 || !strings.Contains(o, `"status":"pass"`) || !strings.Contains(o, `"type":"delivery"`) {
		t.Fatalf("events corr: %d %s", code, o)
	}

	code, got, e = send("+15005550001", "--wait", "delivered", "--timeout", "10s")
	if code != 1 || got.Wait == nil || got.Wait.Status != "failed" || !strings.Contains(e, "is failed") {
		t.Fatalf("failing recipient: %d %+v %s", code, got, e)
	}
	code, got, e = send("+15551234567", "--wait", "read", "--timeout", "300ms")
	if code != 1 || !strings.Contains(e, "no read webhook within --timeout 300ms") {
		t.Fatalf("sms has no read receipts, --wait read: %d %+v %s", code, got, e)
	}
}

func TestSendRecordsTheMessageWithoutAListener(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	db := filepath.Join(home, "history.db")
	sb := startSandboxCmd(t, home, "--webhook-url", "http://127.0.0.1:1/", "--secret", "s", "--webhook-attempts", "1")
	code, o, e := runCLI(t, home, "", "send", "--api-url", sb.api, "--key", sandboxTestKey, "--db", db,
		"--channel", "whatsapp", "--to", "+15551234567", "--type", "template", "--template", "order_shipped", "--language", "en_US", "--param", "order=A-1")
	m := regexp.MustCompile(`message (\S+) queued .* event (\S+)`).FindStringSubmatch(o)
	if code != 0 || m == nil || strings.Contains(o+e, sandboxTestKey) {
		t.Fatalf("send: %d %q %q", code, o, e)
	}
	code, shown, _ := runCLI(t, home, "", "show", m[2], "--db", db, "--json")
	if code != 0 || !strings.Contains(shown, `"direction": "outbound"`) || !strings.Contains(shown, `"correlation": "`+m[1]+`"`) ||
		!strings.Contains(shown, `"[redacted]"`) || strings.Contains(shown, sandboxTestKey) || !strings.Contains(shown, `order_shipped`) {
		t.Fatalf("show: %d %s", code, shown)
	}
	if code, o, _ = runCLI(t, home, "", "events", "--db", db, "--filter", "corr:"+m[1]); code != 0 || strings.Count(o, "\n") != 1 {
		t.Fatalf("events corr: %d %q", code, o)
	}
}

func TestSendWrongKeySaysToCheckIt(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	sb := startSandboxCmd(t, home, "--webhook-url", "http://127.0.0.1:1/", "--secret", "s")
	code, _, e := runCLI(t, home, "", "send", "--api-url", sb.api, "--key", "sk_wrong_000000000000", "--db", filepath.Join(home, "h.db"),
		"--channel", "sms", "--to", "+15551234567", "--text", "hi")
	if code != 1 || !strings.Contains(e, "401") || !strings.Contains(e, "check the API key") || strings.Contains(e, "sk_wrong_000000000000") {
		t.Fatalf("%d %q", code, e)
	}
}

func TestSendValidationErrorNamesTheField(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	sb := startSandboxCmd(t, home, "--webhook-url", "http://127.0.0.1:1/", "--secret", "s")
	code, _, e := runCLI(t, home, "", "send", "--api-url", sb.api, "--key", sandboxTestKey, "--db", filepath.Join(home, "h.db"),
		"--channel", "email", "--to", "+15551234567", "--text", "hi")
	if code != 1 || !strings.Contains(e, "422") || !strings.Contains(e, "field recipient_id") || !strings.Contains(e, "email address") {
		t.Fatalf("%d %q", code, e)
	}
}

func TestSendKeyFromProfileAndEnvironment(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	sb := startSandboxCmd(t, home, "--webhook-url", "http://127.0.0.1:1/", "--secret", "s")
	cfgFile := filepath.Join(home, "config.toml")
	os.WriteFile(cfgFile, []byte("profile = \"local\"\n[profiles.local]\nbase_url = \""+sb.api+"\"\napi_key = \""+sandboxTestKey+"\"\n"), 0o600)
	args := []string{"send", "--config", cfgFile, "--db", filepath.Join(home, "h.db"), "--channel", "telegram", "--to", "123456789", "--text", "hi"}
	if code, o, e := runCLIEnv(t, map[string]string{"HOME": home}, args...); code != 0 || !strings.Contains(o, "with profile local") {
		t.Fatalf("profile key: %d %q %q", code, o, e)
	}
	// DEXRA_API_KEY wins over the profile's key, --key over both.
	env := map[string]string{"HOME": home, "DEXRA_API_KEY": "sk_env_wrong_00000000"}
	if code, _, e := runCLIEnv(t, env, args...); code != 1 || !strings.Contains(e, "401") {
		t.Fatalf("env key: %d %q", code, e)
	}
	if code, _, e := runCLIEnv(t, env, append(args, "--key", sandboxTestKey)...); code != 0 {
		t.Fatalf("--key: %d %q", code, e)
	}
}

func TestSendUsageErrors(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	req := filepath.Join(home, "req.json")
	os.WriteFile(req, []byte(`{"channel":"sms"}`), 0o600)
	for _, args := range [][]string{
		{"send", "--to", "+15551234567"},
		{"send", "--channel", "sms", "--to", "+15551234567", "--media-url", "https://x.test/a.png"},
		{"send", "--file", req, "--channel", "sms"},
		{"send", "--channel", "sms", "--to", "+15551234567", "--text", "a", "--wait", "soon"},
		{"send", "--channel", "sms", "--to", "+15551234567", "--text", "a", "--profile", "nope"},
		{"send", "--channel", "sms", "--to", "+15551234567", "--type", "template", "--template", "t", "--param", "novalue"},
	} {
		if code, _, e := runCLI(t, home, "", args...); code != 2 {
			t.Errorf("%q: exit %d (%s), want 2", args, code, e)
		}
	}
}

func TestSendWaitNeedsAListener(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	code, _, e := runCLI(t, home, "", "send", "--api-url", "http://127.0.0.1:1", "--key", "k", "--db", filepath.Join(home, "h.db"),
		"--channel", "sms", "--to", "+15551234567", "--text", "a", "--wait", "delivered")
	if code != 1 || !strings.Contains(e, "start dexra-tui listen") {
		t.Fatalf("%d %q", code, e)
	}
}

func TestProfilesInTheConfigFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "config.toml")
	os.WriteFile(file, []byte("[profiles.sandbox]\napi_key = \"sk_mine\"\n[profiles.staging]\nbase_url = \"https://staging.invalid\"\n"), 0o600)
	cfg, err := loadConfig(testEnv(nil), file)
	if err != nil {
		t.Fatal(err)
	}
	if p := cfg.Profiles["sandbox"]; p.APIKey != "sk_mine" || p.BaseURL != "http://"+sandbox.DefaultAddr {
		t.Fatalf("sandbox profile: %+v", p)
	}
	if cfg.Profiles["staging"].BaseURL != "https://staging.invalid" || cfg.Profiles["production"].BaseURL != "https://api.dexra.net" || !cfg.fileHasSecrets {
		t.Fatalf("profiles: %+v", cfg.Profiles)
	}
	os.WriteFile(file, []byte("[profiles.x]\napikey = \"typo\"\n"), 0o600)
	if _, err := loadConfig(testEnv(nil), file); err == nil || !strings.Contains(err.Error(), `unknown key "profiles.x.apikey"`) {
		t.Fatalf("unknown key in a profile: %v", err)
	}
}
