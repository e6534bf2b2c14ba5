package cli

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// listen says where it forwards, prints each attempt under its event, and --json
// carries a forward object per attempt.
func TestListenPrintsForwardAttempts(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer app.Close()
	for _, asJSON := range []bool{false, true} {
		calls.Store(0)
		home := t.TempDir()
		args := []string{"--db", filepath.Join(home, "h.db"), "--secret", "s", "--forward-to", app.URL + "/webhooks"}
		if asJSON {
			args = append(args, "--json")
		}
		ln := startListen(t, home, args...)
		if !strings.Contains(ln.errOut.String(), "forwarding to "+app.URL+"/webhooks") {
			t.Fatalf("listen does not say where it forwards: %q", ln.errOut.String())
		}
		if code, o, e := runCLI(t, home, "", "trigger", "dexatel.delivery", "--to", ln.url, "--secret", "s"); code != 0 {
			t.Fatalf("trigger: %d %q %q", code, o, e)
		}
		waitFor(t, "two attempts printed", func() bool { return calls.Load() == 2 && strings.Count(ln.out.String(), "\n") >= 3 })
		ln.stop()
		out := ln.out.String()
		if !asJSON {
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if !strings.Contains(lines[1], "→ 500 POST "+app.URL+"/webhooks") || !strings.Contains(lines[1], "(retry in") ||
				!strings.Contains(lines[2], "→ 200 POST") || !strings.Contains(lines[2], "(try 2)") {
				t.Fatalf("listen output:\n%s", out)
			}
			continue
		}
		var forwards []forwardLine
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			if strings.HasPrefix(l, `{"forward"`) {
				var f forwardLine
				if err := json.Unmarshal([]byte(l), &f); err != nil {
					t.Fatal(err)
				}
				forwards = append(forwards, f)
			}
		}
		if len(forwards) != 2 || forwards[0].Forward.Status != 500 || forwards[0].Forward.NextRetry == "" || forwards[0].Forward.Attempt != 1 ||
			forwards[1].Forward.Status != 200 || !forwards[1].Forward.OK || forwards[1].Forward.Attempt != 2 || forwards[1].Forward.NextRetry != "" {
			t.Fatalf("forward lines: %+v\n%s", forwards, out)
		}
	}
}

// A forward target typed in the console is remembered in the config and used when
// --forward-to is not given.
func TestForwardTargetRememberedInTheConfig(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	file := filepath.Join(home, ".config", "dexra-tui", "config.toml")
	os.MkdirAll(filepath.Dir(file), 0o700)
	os.WriteFile(file, []byte("secrets = [\"s\"]\n"), 0o600)
	if err := saveForwardTarget(file, "http://localhost:3999/hooks"); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(testEnv(map[string]string{"HOME": home}), "")
	if err != nil || len(cfg.Forward) != 1 || cfg.Forward[0].URL.String() != "http://localhost:3999/hooks" || cfg.Secrets[0] != "s" {
		t.Fatalf("after saving: %+v %v", cfg.Forward, err)
	}
	if err := saveForwardTarget(file, "http://localhost:4000"); err == nil || !strings.Contains(err.Error(), "already sets forward_to") {
		t.Fatalf("a second save: %v", err)
	}
	if err := saveForwardTarget(file, "localhost:99999"); err == nil {
		t.Fatal("an invalid target was saved")
	}
}

// replay --failed from another terminal, while the listener still retries, has the
// listener's forwarder retry now, in order, and sends nothing twice.
func TestReplayFailedAsksTheListenersForwarderFirst(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // the app is down for now
	home := t.TempDir()
	db := filepath.Join(home, "h.db")
	l := startListen(t, home, "--db", db, "--secret", "s", "--forward-to", "http://"+addr+"/hooks", "--json")
	for range 2 {
		if code, o, e := runCLI(t, home, "", "trigger", "dexatel.delivery", "--to", l.url, "--secret", "s"); code != 0 {
			t.Fatalf("trigger: %d %q %q", code, o, e)
		}
	}
	waitFor(t, "a forward attempt", func() bool { return strings.Contains(l.out.String(), `"forward"`) })
	var mu sync.Mutex
	var got []string
	app := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, string(b))
		mu.Unlock()
	})}
	aln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("the app's port was taken meanwhile: %v", err)
	}
	go app.Serve(aln)
	defer app.Close()
	code, o, e := runCLI(t, home, "", "replay", "--failed", "--db", db)
	if code != 0 || !strings.Contains(e, "retries its waiting events now") {
		t.Fatalf("replay --failed: %d %q %q", code, o, e)
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(got) }
	waitFor(t, "both events delivered", func() bool { return count() >= 2 })
	_, list, _ := runCLI(t, home, "", "events", "--db", db, "--oldest-first", "--json")
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 {
		t.Fatalf("the app got %d requests, want each event once", len(got))
	}
	if !strings.Contains(list, "delivery") || strings.Index(got[0], "message_id") < 0 {
		t.Fatalf("got %q", got)
	}
}
