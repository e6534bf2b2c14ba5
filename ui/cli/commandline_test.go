package cli

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
)

// The root of the module holds only main.go: every command lives in this package.
func TestTheRootHoldsOnlyMain(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if base := filepath.Base(f); base != "main.go" && base != "main_test.go" {
			t.Errorf("%s belongs in ui/cli (one file per command), not the module root", base)
		}
	}
	main, err := os.ReadFile("../../main.go")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(main), "\n"); n >= 40 {
		t.Errorf("main.go has %d lines; it only wires (under 40)", n)
	}
}

func TestHelpListsEveryCommand(t *testing.T) {
	t.Parallel()
	code, out, e := runCLI(t, t.TempDir(), "", "--help")
	if code != 0 {
		t.Fatalf("--help: %d %q", code, e)
	}
	for _, c := range (&App{}).rootCommand().Commands() {
		if !c.Hidden && !strings.Contains(out, c.Name()) {
			t.Errorf("--help does not list %s:\n%s", c.Name(), out)
		}
	}
	for _, want := range []string{"completion", "--addr", "--forward-to"} {
		if !strings.Contains(out, want) {
			t.Errorf("--help lacks %s", want)
		}
	}
}

func TestVersionFlagAndCommand(t *testing.T) {
	t.Parallel()
	a := func(args ...string) (int, string) {
		var out syncBuffer
		code := (&App{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Env: testEnv(nil), Version: "v1.2.3"}).Run(t.Context(), args)
		return code, out.String()
	}
	for _, args := range [][]string{{"--version"}, {"version"}} {
		if code, out := a(args...); code != 0 || out != "dexra-tui v1.2.3\n" {
			t.Errorf("%v: %d %q", args, code, out)
		}
	}
}

func TestUnknownCommandSuggestsTheNearest(t *testing.T) {
	t.Parallel()
	for typo, want := range map[string]string{"lisen": "did you mean listen?", "evnets": "did you mean events?", "shwo": "did you mean show?"} {
		code, _, e := runCLI(t, t.TempDir(), "", typo)
		if code != 2 || !strings.Contains(e, want) {
			t.Errorf("%s: %d %q, want exit 2 and %q", typo, code, e, want)
		}
	}
	if code, _, e := runCLI(t, t.TempDir(), "", "events", "--nope"); code != 2 || !strings.Contains(e, "--nope") {
		t.Errorf("unknown flag: %d %q", code, e)
	}
}

// Each flag shows its real default once: where the flag's own default is shown by
// the help, its text must not repeat one.
func TestFlagHelpShowsEachDefaultOnce(t *testing.T) {
	t.Parallel()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			shown := f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "[]"
			if shown && strings.Contains(f.Usage, "default") {
				t.Errorf("%s --%s: help %q repeats the default %s", c.CommandPath(), f.Name, f.Usage, f.DefValue)
			}
			if strings.Count(f.Usage, "(default") > 1 {
				t.Errorf("%s --%s: two defaults in %q", c.CommandPath(), f.Name, f.Usage)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk((&App{}).rootCommand())
}

func TestFlagsBeforeOrAfterArguments(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	body := `{"a":1}`
	_, before, _ := runCLI(t, home, body, "sign", "--scheme", "dexatel", "--secret", "s", "-")
	_, after, _ := runCLI(t, home, body, "sign", "-", "--scheme", "dexatel", "--secret", "s")
	if before == "" || before != after {
		t.Fatalf("flags before %q, after %q", before, after)
	}
}

// ambiguousHistory holds three events, two of whose IDs share a long prefix.
func ambiguousHistory(t *testing.T, db string) []string {
	t.Helper()
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ids := []string{"01JAAAAAAA0000000000000001", "01JAAAAAAB0000000000000002", "01JBBBBBBB0000000000000003"}
	for i, id := range ids {
		ev := &payloads.Event{ID: id, Received: time.Now().UTC(), Direction: payloads.Inbound, Method: "POST", Path: "/dexatel",
			Body: []byte(`{"data":{"event":"delivery","message_id":"m` + string(rune('0'+i)) + `"}}`), Status: 200}
		payloads.Analyze(ev, payloads.VerifyConfig{})
		if err := st.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

func TestShortIDs(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	db := filepath.Join(home, "h.db")
	ids := ambiguousHistory(t, db)
	if code, o, e := runCLI(t, home, "", "show", "01jbbb", "--db", db, "--json"); code != 0 || !strings.Contains(o, ids[2]) {
		t.Fatalf("a unique lower-case prefix: %d %q %q", code, o, e)
	}
	code, _, e := runCLI(t, home, "", "show", "01JAAAAAA", "--db", db)
	if code != 2 || !strings.Contains(e, "ambiguous") || !strings.Contains(e, ids[0]) || !strings.Contains(e, ids[1]) {
		t.Fatalf("an ambiguous prefix lists the candidates, exit 2: %d %q", code, e)
	}
	if code, _, e := runCLI(t, home, "", "show", "01JA", "--db", db); code != 2 || !strings.Contains(e, "at least 6") {
		t.Fatalf("too short: %d %q", code, e)
	}
	app := newRecordingApp(t, 200)
	if code, o, e := runCLI(t, home, "", "replay", "01JBBBBB", "--db", db, "--to", app.URL); code != 0 || !strings.Contains(o, ids[2]) {
		t.Fatalf("replay by prefix: %d %q %q", code, o, e)
	}
}

// Completion is cobra's: the __complete command the shell scripts call.
func TestCompletionKnowsTheProject(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	db := filepath.Join(home, "h.db")
	ids := ambiguousHistory(t, db)
	lines := func(args ...string) []string {
		t.Helper()
		code, o, e := runCLI(t, home, "", append([]string{"__complete"}, args...)...)
		if code != 0 {
			t.Fatalf("__complete %v: %d %q", args, code, e)
		}
		return strings.Split(strings.TrimSpace(o), "\n")
	}
	if got := lines("sh"); !slices.Contains(got, "show\tPrint one event whole: request, verdict and reason, headers, body") {
		t.Errorf("sh → show: %q", got)
	}
	got := lines("show", "--db", db, "01")
	if len(got) < 4 || !strings.HasPrefix(got[0], ids[2]+"\tdelivery · dexatel") || !strings.HasPrefix(got[2], ids[0]) {
		t.Errorf("show 01 → IDs newest first with their type: %q", got)
	}
	if got := lines("show", "--db", db, "01JB"); len(got) != 2 || !strings.HasPrefix(got[0], ids[2]) {
		t.Errorf("show 01JB → one ID: %q", got)
	}
	if got := lines("trigger", "dexatel.d"); !slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "dexatel.delivery\t") }) {
		t.Errorf("trigger event names: %q", got)
	}
	if got := lines("verify", "--scheme", ""); !slices.Contains(got, "auto") || !slices.Contains(got, "stripe") {
		t.Errorf("--scheme names: %q", got)
	}
	if got := lines("events", "--filter", "sig:fail s"); !slices.Contains(got, "sig:fail source:") {
		t.Errorf("--filter keys: %q", got)
	}
	if got := lines("events", "--filter", "type:x -sig:"); !slices.Contains(got, "type:x -sig:pass") {
		t.Errorf("--filter values: %q", got)
	}
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		if code, o, _ := runCLI(t, home, "", "completion", shell); code != 0 || !strings.Contains(o, "__complete") {
			t.Errorf("completion %s: %d", shell, code)
		}
	}
}

// With the listener started on another port, trigger without --to finds it through
// the control socket beside the history.
func TestTriggerFindsTheRunningListener(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	db := filepath.Join(home, "history.db")
	ln := startListen(t, home, "--db", db, "--secret", "s", "--json")
	code, o, e := runCLI(t, home, "", "trigger", "dexatel.delivery", "--db", db, "--secret", "s")
	if code != 0 || !strings.Contains(o, ln.url) {
		t.Fatalf("trigger without --to: %d %q %q (listener at %s)", code, o, e, ln.url)
	}
	waitFor(t, "the event", func() bool { return strings.Contains(ln.out.String(), `"status":"pass"`) })
}

func TestSignAndVerifyTakeTheSecretLikeListen(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	body := `{"data":{}}`
	run := func(env map[string]string, args ...string) (int, string, string) {
		var out, errOut syncBuffer
		env["HOME"] = home
		a := &App{Stdin: strings.NewReader(body), Stdout: &out, Stderr: &errOut, Env: testEnv(env)}
		code := a.Run(t.Context(), args)
		return code, out.String(), errOut.String()
	}
	_, want, _ := run(map[string]string{}, "sign", "--scheme", "dexatel", "--secret", "from-env")
	code, got, e := run(map[string]string{"DEXRA_WEBHOOK_SECRET": "from-env"}, "sign", "--scheme", "dexatel")
	if code != 0 || got != want {
		t.Fatalf("sign with $DEXRA_WEBHOOK_SECRET: %d %q %q, want %q", code, got, e, want)
	}
	header := strings.TrimSpace(want)
	if code, o, _ := run(map[string]string{"DEXRA_WEBHOOK_SECRET": "from-env"}, "verify", "-H", header); code != 0 || o != "pass dexatel\n" {
		t.Fatalf("verify with $DEXRA_WEBHOOK_SECRET: %d %q", code, o)
	}
	file := filepath.Join(home, ".config", "dexra-tui", "config.toml")
	os.MkdirAll(filepath.Dir(file), 0o700)
	os.WriteFile(file, []byte(`secrets = ["from-env"]`+"\n"), 0o600)
	if code, o, _ := run(map[string]string{}, "verify", "-H", header); code != 0 || o != "pass dexatel\n" {
		t.Fatalf("verify with the config's secret: %d %q", code, o)
	}
	if code, o, _ := run(map[string]string{"DEXRA_WEBHOOK_SECRET": "other"}, "verify", "-H", header); code != 1 {
		t.Fatalf("the environment wins over the file: %d %q", code, o)
	}
	if code, o, _ := run(map[string]string{"DEXRA_WEBHOOK_SECRET": "other"}, "verify", "-H", header, "--secret", "from-env"); code != 0 {
		t.Fatalf("the flag wins over the environment: %d %q", code, o)
	}
	os.Remove(file)
	if code, _, e := run(map[string]string{}, "sign", "--scheme", "dexatel"); code != 2 || !strings.Contains(e, "DEXRA_WEBHOOK_SECRET") {
		t.Fatalf("no secret anywhere: %d %q", code, e)
	}
}

func TestConfigReadableByOthersIsWarnedOf(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	file := filepath.Join(home, ".config", "dexra-tui", "config.toml")
	os.MkdirAll(filepath.Dir(file), 0o700)
	os.WriteFile(file, []byte(`secrets = ["s"]`+"\n"), 0o644)
	os.Chmod(file, 0o644)
	_, _, e := runCLI(t, home, "{}", "sign", "--scheme", "dexatel")
	if !strings.Contains(e, "other users can read it") || !strings.Contains(e, "chmod 600") {
		t.Fatalf("no warning for a 0644 config with secrets: %q", e)
	}
	os.Chmod(file, 0o600)
	if _, _, e := runCLI(t, home, "{}", "sign", "--scheme", "dexatel"); e != "" {
		t.Fatalf("a 0600 config is not warned of: %q", e)
	}
}

func TestBadAddressesAndURLsAreCalledInvalid(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	if code, _, e := runCLI(t, home, "", "trigger", "dexatel.delivery", "--secret", "s", "--to", "http://127.0.0.1:99999"); code != 2 || !strings.Contains(e, "invalid") {
		t.Errorf("bad --to port: %d %q", code, e)
	}
	if code, _, e := runCLI(t, home, "", "listen", "--addr", "127.0.0.1:notaport", "--db", filepath.Join(home, "h.db")); code != 2 || !strings.Contains(e, "not a number") {
		t.Errorf("bad --addr: %d %q", code, e)
	}
	if _, err := os.Stat(filepath.Join(home, "h.db")); err == nil {
		t.Error("a listen refused for its address left a history file")
	}
	code, _, e := runCLI(t, home, "", "trigger", "dexatel.delivery", "--secret", "s", "--to", "http://127.0.0.1:1")
	if code != 1 || !strings.Contains(e, "no listener there") {
		t.Errorf("connection refused: %d %q", code, e)
	}
}

func TestTriggerSetKeepsTheSamplesType(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	db := filepath.Join(home, "history.db")
	ln := startListen(t, home, "--db", db, "--secret", "s")
	if code, o, e := runCLI(t, home, "", "trigger", "dexatel.delivery", "--to", ln.url, "--secret", "s",
		"--set", "data.message_id=14155550100", "--set-json", "data.tags=[1,2]"); code != 0 {
		t.Fatalf("trigger: %d %q %q", code, o, e)
	}
	var id string
	waitFor(t, "the event", func() bool {
		code, o, _ := runCLI(t, home, "", "events", "--db", db, "--json")
		if code == 0 && strings.Contains(o, "delivery") {
			id = regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(o)[1]
			return true
		}
		return false
	})
	_, body, _ := runCLI(t, home, "", "show", id, "--db", db, "--body")
	if !strings.Contains(body, `"message_id": "14155550100"`) || !regexp.MustCompile(`"tags": \[\s*1,\s*2\s*\]`).MatchString(body) {
		t.Fatalf("body: %s", body)
	}
}

// Meta's setup handshake works with the verify_token of the config file.
func TestListenAnswersMetaWithTheConfiguredVerifyToken(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	file := filepath.Join(home, ".config", "dexra-tui", "config.toml")
	os.MkdirAll(filepath.Dir(file), 0o700)
	os.WriteFile(file, []byte("secrets = [\"s\"]\nverify_token = \"tok123\"\n"), 0o600)
	ln := startListen(t, home, "--db", filepath.Join(home, "h.db"))
	resp, err := http.Get(ln.url + "/whatsapp?hub.mode=subscribe&hub.challenge=987&hub.verify_token=tok123")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "987" {
		t.Fatalf("handshake: %d %q", resp.StatusCode, body)
	}
}

// listen logs what an operator needs on stderr, and the config's redact_headers are
// kept redacted in the history.
func TestListenLogsRefusalsAndRedactsTheConfiguredHeaders(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	file := filepath.Join(home, ".config", "dexra-tui", "config.toml")
	os.MkdirAll(filepath.Dir(file), 0o700)
	os.WriteFile(file, []byte("secrets = [\"s\"]\nredact_headers = [\"X-Shop-Token\"]\n"), 0o600)
	db := filepath.Join(home, "h.db")
	ln := startListen(t, home, "--db", db, "--max-body", "10", "--json")
	req, _ := http.NewRequest("POST", ln.url+"/x", strings.NewReader("{}"))
	req.Header.Set("X-Shop-Token", "hunter2")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp, err = http.Post(ln.url+"/x", "application/json", strings.NewReader(strings.Repeat("a", 100))); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	waitFor(t, "the refusal logged", func() bool { return strings.Contains(ln.errOut.String(), "413") })
	waitFor(t, "two events", func() bool { return strings.Count(ln.out.String(), "\n") >= 2 })
	ln.stop()
	_, o, _ := runCLI(t, home, "", "events", "--db", db, "--json", "--oldest-first")
	id := regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(o)[1]
	_, shown, _ := runCLI(t, home, "", "show", id, "--db", db)
	if strings.Contains(shown, "hunter2") || !strings.Contains(shown, "X-Shop-Token: "+store.Redacted) {
		t.Fatalf("X-Shop-Token kept in clear:\n%s", shown)
	}
}
