package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
)

// syncBuffer is a bytes.Buffer safe to write from the command and read from the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// runCLI runs one command in-process with an isolated environment.
func runCLI(t *testing.T, home, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut syncBuffer
	a := &App{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut, Env: testEnv(map[string]string{"HOME": home})}
	code = a.Run(context.Background(), args)
	return code, out.String(), errOut.String()
}

// runningListen is a `listen` command running in-process until stop is called.
type runningListen struct {
	url         string
	out, errOut *syncBuffer
	stop        func() int // ends it like SIGINT and returns its exit code
}

func startListen(t *testing.T, home string, args ...string) *runningListen {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &runningListen{out: &syncBuffer{}, errOut: &syncBuffer{}}
	a := &App{Stdin: strings.NewReader(""), Stdout: r.out, Stderr: r.errOut, Env: testEnv(map[string]string{"HOME": home})}
	done := make(chan int, 1)
	go func() { done <- a.Run(ctx, append([]string{"listen", "--addr", "127.0.0.1:0"}, args...)) }()
	stopped := false
	var code int
	r.stop = func() int {
		if !stopped {
			cancel()
			code, stopped = <-done, true
		}
		return code
	}
	t.Cleanup(func() { r.stop() })
	urlRE := regexp.MustCompile(`listening on (http://\S+)`)
	waitFor(t, "the listener", func() bool { return urlRE.MatchString(r.errOut.String()) || len(done) > 0 })
	if m := urlRE.FindStringSubmatch(r.errOut.String()); m != nil {
		r.url = m[1]
	} else {
		t.Fatalf("listen exited: %s", r.errOut.String())
	}
	return r
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSignThenVerify(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	body := `{"data":{"event":"delivery"}}`
	code, out, errOut := runCLI(t, home, body, "sign", "--scheme", "dexatel", "--secret", "s3cret")
	if code != 0 || !strings.HasPrefix(out, "X-Dexatel-Signature: ") {
		t.Fatalf("sign: code %d out %q err %q", code, out, errOut)
	}
	header := strings.TrimSpace(out)
	code, out, _ = runCLI(t, home, body, "verify", "--secret", "s3cret", "-H", header)
	if code != 0 || out != "pass dexatel\n" {
		t.Fatalf("verify right secret: code %d out %q", code, out)
	}
	code, out, _ = runCLI(t, home, body, "verify", "--secret", "other", "--secret", "s3cret", "-H", header)
	if code != 0 {
		t.Fatalf("rotation: the second secret must pass, got %d %q", code, out)
	}
	code, out, _ = runCLI(t, home, body, "verify", "--secret", "wrong", "-H", header)
	if code != 1 || out != "fail: mismatch\n" {
		t.Fatalf("verify wrong secret: code %d out %q", code, out)
	}
	code, out, _ = runCLI(t, home, body+" ", "verify", "--scheme", "dexatel", "--secret", "s3cret", "-H", header)
	if code != 1 || out != "fail: mismatch\n" {
		t.Fatalf("tampered body: code %d out %q", code, out)
	}
	code, out, _ = runCLI(t, home, body, "verify", "--scheme", "dexatel", "--secret", "s3cret")
	if code != 1 || !strings.Contains(out, "missing") {
		t.Fatalf("missing header: code %d out %q", code, out)
	}
	if code, _, _ = runCLI(t, home, body, "verify", "--scheme", "nope", "--secret", "s"); code != 2 {
		t.Fatalf("unknown scheme must be a usage error (2), got %d", code)
	}
	if code, _, _ = runCLI(t, home, body, "verify", "-H", "no colon"); code != 2 {
		t.Fatalf("malformed -H must be a usage error (2), got %d", code)
	}
}

func TestSignTimestampedSchemeUsesGivenTime(t *testing.T) {
	t.Parallel()
	code, out, _ := runCLI(t, t.TempDir(), "{}", "sign", "--scheme", "stripe", "--secret", "whsec_abc", "--timestamp", "1700000000")
	if code != 0 || !strings.Contains(out, "Stripe-Signature: t=1700000000,v1=") {
		t.Fatalf("code %d out %q", code, out)
	}
}

func TestUnknownCommandAndVersion(t *testing.T) {
	t.Parallel()
	if code, _, errOut := runCLI(t, t.TempDir(), "", "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Fatalf("code %d err %q", code, errOut)
	}
	if code, out, _ := runCLI(t, t.TempDir(), "", "version"); code != 0 || out != "dexra-tui dev\n" {
		t.Fatalf("version: %d %q", code, out)
	}
	if code, out, _ := runCLI(t, t.TempDir(), "", "version", "--json"); code != 0 || out != `{"version":"dev"}`+"\n" {
		t.Fatalf("version --json: %d %q", code, out)
	}
}

// TestListenTriggerEventsShow is the round trip of the capture pipeline, in-process:
// listen, trigger with the right and a wrong secret, then read it all back.
func TestListenTriggerEventsShow(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	db := filepath.Join(home, "history.db")
	ln := startListen(t, home, "--db", db, "--secret", "right", "--json")
	url, out := ln.url, ln.out

	if code, o, e := runCLI(t, home, "", "trigger", "dexatel.delivery", "--to", url, "--secret", "right"); code != 0 || !strings.HasPrefix(o, "200 dexatel.delivery") {
		t.Fatalf("trigger: %d %q %q", code, o, e)
	}
	if code, o, e := runCLI(t, home, "", "trigger", "message", "--to", url, "--secret", "wrong", "--set", "data.text=hi there"); code != 0 {
		t.Fatalf("trigger wrong secret: %d %q %q", code, o, e)
	}
	waitFor(t, "two printed events", func() bool { return strings.Count(out.String(), "\n") >= 2 })
	var lines []eventLine
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var el eventLine
		if err := json.Unmarshal([]byte(l), &el); err != nil {
			t.Fatalf("listen --json line %q: %v", l, err)
		}
		lines = append(lines, el)
	}
	if lines[0].Type != "delivery" || lines[0].Signature.Status != "pass" {
		t.Fatalf("first event: %+v", lines[0])
	}
	if lines[1].Type != "message" || lines[1].Signature.Status != "fail" || lines[1].Signature.Reason != "mismatch" {
		t.Fatalf("second event: %+v", lines[1])
	}

	// The listener holds the history: events and show go through its control socket.
	code, o, e := runCLI(t, home, "", "events", "--db", db, "--filter", "sig:fail")
	if code != 0 || strings.Count(o, "\n") != 1 || !strings.Contains(o, "✗ message dexatel") || !strings.Contains(o, "(mismatch)") {
		t.Fatalf("events --filter sig:fail: %d %q %q", code, o, e)
	}
	code, o, _ = runCLI(t, home, "", "events", "--db", db, "--oldest-first", "--limit", "0")
	if code != 0 || strings.Index(o, "delivery") > strings.Index(o, "message") {
		t.Fatalf("oldest first: %q", o)
	}
	code, o, e = runCLI(t, home, "", "show", lines[1].ID, "--db", db, "--json")
	var shown map[string]any
	if code != 0 || json.Unmarshal([]byte(o), &shown) != nil || !strings.Contains(shown["body"].(string), `"text": "hi there"`) || shown["headers"] == nil {
		t.Fatalf("show --json: %d %q %q", code, o, e)
	}
	code, o, _ = runCLI(t, home, "", "show", lines[1].ID, "--db", db, "--body")
	if code != 0 || !json.Valid([]byte(o)) || !strings.Contains(o, "hi there") {
		t.Fatalf("show --body: %d %q", code, o)
	}
	if code, _, e = runCLI(t, home, "", "show", "ZZZZZZZZ", "--db", db); code != 1 || !strings.Contains(e, "not found") {
		t.Fatalf("show unknown id: %d %q", code, e)
	}
	if code, _, e = runCLI(t, home, "", "events", "--db", db, "--filter", "bogus:1"); code != 2 {
		t.Fatalf("bad filter must be a usage error: %d %q", code, e)
	}

	if code := ln.stop(); code != 0 {
		t.Fatalf("listen exit %d: %s", code, ln.errOut.String())
	}
	// After the listener stopped, the read commands open the history directly.
	if code, o, _ = runCLI(t, home, "", "events", "--db", db); code != 0 || strings.Count(o, "\n") != 2 {
		t.Fatalf("events after stop: %d %q", code, o)
	}
}

func TestTriggerFailsWithoutAListener(t *testing.T) {
	t.Parallel()
	code, _, errOut := runCLI(t, t.TempDir(), "", "trigger", "dexatel.delivery", "--to", "http://127.0.0.1:1", "--secret", "s")
	if code != 1 || !strings.Contains(errOut, "listener") {
		t.Fatalf("code %d err %q", code, errOut)
	}
	code, _, errOut = runCLI(t, t.TempDir(), "", "trigger", "no.such")
	if code != 2 || !strings.Contains(errOut, "dexatel.delivery") {
		t.Fatalf("unknown event should list known ones: %d %q", code, errOut)
	}
	// A flag value that does not fit the sample is a usage error (nothing is sent).
	for _, c := range [][]string{
		{"--set-json", "data.tags=[bad", "--set-json data.tags: value \"[bad\" is not JSON"},
		{"--set", "data.status.x=1", "--set data.status.x:"},
	} {
		code, _, errOut = runCLI(t, t.TempDir(), "", "trigger", "dexatel.delivery", c[0], c[1], "--to", "http://127.0.0.1:1", "--secret", "s")
		if code != 2 || !strings.Contains(errOut, c[2]) {
			t.Errorf("trigger %s %s: %d %q, want 2 saying %q", c[0], c[1], code, errOut, c[2])
		}
	}
}

func TestEventsWithoutHistoryExplains(t *testing.T) {
	t.Parallel()
	code, _, errOut := runCLI(t, t.TempDir(), "", "events", "--db", filepath.Join(t.TempDir(), "none.db"))
	if code != 1 || !strings.Contains(errOut, "no history") {
		t.Fatalf("code %d err %q", code, errOut)
	}
}

func TestSecondListenerOnTheSameHistoryFailsFast(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	db := filepath.Join(home, "history.db")
	startListen(t, home, "--db", db, "--secret", "s")

	start := time.Now()
	code, _, e := runCLI(t, home, "", "listen", "--addr", "127.0.0.1:0", "--db", db, "--secret", "s")
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("second listener took %s to fail", took)
	}
	if code != 1 || !strings.Contains(e, db) || !strings.Contains(e, "in use") {
		t.Fatalf("second listener: code %d err %q", code, e)
	}
}

func TestConsoleNeedsATerminal(t *testing.T) {
	t.Parallel()
	code, _, errOut := runCLI(t, t.TempDir(), "", "--db", filepath.Join(t.TempDir(), "h.db"), "--secret", "s")
	if code != 1 || !strings.Contains(errOut, "dexra-tui listen") {
		t.Fatalf("code %d err %q", code, errOut)
	}
}

func TestSignTwilioJSONBodyGoesThroughTheURL(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	code, out, errOut := runCLI(t, home, `{"a":1}`, "sign", "--scheme", "twilio", "--secret", "tok", "--url", "https://example.com/hook")
	urlRE := regexp.MustCompile(`send it to (\S+)`)
	if code != 0 || !urlRE.MatchString(errOut) {
		t.Fatalf("code %d out %q err %q", code, out, errOut)
	}
	signedURL := urlRE.FindStringSubmatch(errOut)[1]
	code, out, _ = runCLI(t, home, `{"a":1}`, "verify", "--scheme", "twilio", "--secret", "tok", "--url", signedURL, "-H", strings.TrimSpace(out))
	if code != 0 || out != "pass twilio\n" {
		t.Fatalf("verify: %d %q", code, out)
	}
}

func TestListenRespondSimulatesFailures(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	db := filepath.Join(home, "history.db")
	ln := startListen(t, home, "--db", db, "--secret", "s", "--respond", "503")
	url, out := ln.url, ln.out
	code, _, e := runCLI(t, home, "", "trigger", "dexatel.delivery", "--to", url, "--secret", "s")
	if code != 1 || !strings.Contains(e, "answered 503") {
		t.Fatalf("trigger against --respond 503: %d %q", code, e)
	}
	waitFor(t, "the printed event", func() bool { return strings.Contains(out.String(), "answered 503 (--respond)") })
	ln.stop()
	if code, _, e := runCLI(t, home, "", "listen", "--respond", "abc"); code != 2 || !strings.Contains(e, "--respond") {
		t.Fatalf("bad --respond: %d %q", code, e)
	}
}

func TestGeneratedSecretNotSavedWhenTheListenerCannotStart(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	code, _, e := runCLI(t, home, "", "listen", "--addr", busy.Addr().String(), "--db", filepath.Join(home, "h.db"))
	if code != 1 || !strings.Contains(e, "--addr") {
		t.Fatalf("code %d err %q", code, e)
	}
	if _, err := os.Stat(filepath.Join(home, ".config", "dexra-tui", "config.toml")); err == nil {
		t.Fatal("a secret nobody was shown was saved")
	}
	if _, err := os.Stat(filepath.Join(home, "h.db")); err == nil {
		t.Fatal("a listen that could not start left a new history file behind")
	}
}

// trigger signs with the secret the listener checks the event's path with.
func TestTriggerUsesThePathsSourceSecret(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	file := filepath.Join(home, ".config", "dexra-tui", "config.toml")
	os.MkdirAll(filepath.Dir(file), 0o700)
	os.WriteFile(file, []byte("secrets = [\"default\"]\n\n[[source]]\nprefix = \"/dexatel\"\nsecrets = [\"dx\"]\n"), 0o600)
	db := filepath.Join(home, "history.db")
	ln := startListen(t, home, "--db", db, "--json")
	url, out := ln.url, ln.out
	if code, o, e := runCLI(t, home, "", "trigger", "dexatel.delivery", "--to", url); code != 0 {
		t.Fatalf("trigger: %d %q %q", code, o, e)
	}
	waitFor(t, "the event", func() bool { return strings.Contains(out.String(), `"status":"pass"`) })
}

func TestHelpExitsZeroOnStdoutAndVerifyReadErrorsAreUsage(t *testing.T) {
	t.Parallel()
	code, out, _ := runCLI(t, t.TempDir(), "", "verify", "--help")
	if code != 0 || !strings.Contains(out, "--secret") {
		t.Fatalf("--help: %d %q", code, out)
	}
	code, out, e := runCLI(t, t.TempDir(), "", "verify", "--secret", "s", filepath.Join(t.TempDir(), "missing.json"))
	if code != 2 || out != "" || !strings.Contains(e, "missing.json") {
		t.Fatalf("unreadable body must be exit 2, not a failed check: %d %q %q", code, out, e)
	}
}

func TestShowBodyOnATerminalIsEscaped(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	db := filepath.Join(home, "h.db")
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ev := &payloads.Event{ID: payloads.NewID(time.Now()), Received: time.Now(), Method: "POST", Path: "/", Body: []byte("x\x1b]52;c;aGk=\x07y")}
	payloads.Analyze(ev, payloads.VerifyConfig{})
	if err := st.Append(ev); err != nil {
		t.Fatal(err)
	}
	st.Close()
	var out, errOut syncBuffer
	a := &App{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Env: testEnv(map[string]string{"HOME": home}), StdoutIsTerminal: true}
	if code := a.Run(context.Background(), []string{"show", ev.ID, "--body", "--db", db}); code != 0 || strings.Contains(out.String(), "\x1b") || !strings.Contains(out.String(), `\x1b]52`) {
		t.Fatalf("terminal: %d %q %q", code, out.String(), errOut.String())
	}
	code, raw, _ := runCLI(t, home, "", "show", ev.ID, "--body", "--db", db)
	if code != 0 || raw != string(ev.Body) {
		t.Fatalf("a pipe gets the exact bytes: %d %q", code, raw)
	}
}

func TestStoppedOnItsOwnPassesOnlyRealFailures(t *testing.T) {
	t.Parallel()
	for _, clean := range []error{nil, http.ErrServerClosed} { // Serve returns nil after Shutdown
		closed := make(chan error, 1)
		closed <- clean
		select {
		case err := <-stoppedOnItsOwn(closed):
			t.Fatalf("a closed listener (%v) reported %v", clean, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	failed := make(chan error, 1)
	failed <- errors.New("accept: too many open files")
	if err := <-stoppedOnItsOwn(failed); err == nil || err.Error() != "accept: too many open files" {
		t.Fatalf("got %v", err)
	}
}

// TestHistoryRangeReadsBySeq: what a subscriber that fell behind reads back is the
// stored events from..to, bodies included, a page at a time.
func TestHistoryRangeReadsBySeq(t *testing.T) {
	t.Parallel()
	st, err := store.Open(filepath.Join(t.TempDir(), "history.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := range 10 {
		ev := &payloads.Event{Method: "POST", Path: "/", Body: []byte(fmt.Sprintf(`{"n":%d}`, i))}
		if err := st.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	read := historyRange(st)
	for _, c := range []struct {
		from, to uint64
		limit    int
		want     []uint64
	}{
		{1, 3, 10, []uint64{1, 2, 3}},
		{4, 10, 2, []uint64{4, 5}},
		{9, 20, 10, []uint64{9, 10}},
		{11, 20, 10, nil},
	} {
		evs, err := read(c.from, c.to, c.limit)
		if err != nil {
			t.Fatal(err)
		}
		var got []uint64
		for _, ev := range evs {
			got = append(got, ev.Seq)
			if want := fmt.Sprintf(`{"n":%d}`, ev.Seq-1); string(ev.Body) != want {
				t.Fatalf("seq %d body %q, want %q", ev.Seq, ev.Body, want)
			}
		}
		if !slices.Equal(got, c.want) {
			t.Fatalf("read(%d, %d, %d) = %v, want %v", c.from, c.to, c.limit, got, c.want)
		}
	}
}

// gatedWriter blocks every write until open is closed, as a paused pager does.
type gatedWriter struct {
	open chan struct{}
	buf  syncBuffer
}

func (g *gatedWriter) Write(p []byte) (int, error) {
	<-g.open
	return g.buf.Write(p)
}

// TestListenPrintsEveryEventAfterAStalledReader: the printer's reader stalls while
// more than the in-memory bound of events arrives, then the listener is stopped; once
// the reader resumes, every event is printed (the rest read back from the history
// before it closes), and listen exits 0.
func TestListenPrintsEveryEventAfterAStalledReader(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, errOut := &gatedWriter{open: make(chan struct{})}, &syncBuffer{}
	a := &App{Stdin: strings.NewReader(""), Stdout: out, Stderr: errOut, Env: testEnv(map[string]string{"HOME": home})}
	done := make(chan int, 1)
	go func() { done <- a.Run(ctx, []string{"listen", "--addr", "127.0.0.1:0", "--secret", "s", "--json"}) }()
	urlRE := regexp.MustCompile(`listening on (http://\S+)`)
	waitFor(t, "the listener", func() bool { return urlRE.MatchString(errOut.String()) })
	url := urlRE.FindStringSubmatch(errOut.String())[1]

	const n = 300 // 64 KiB each: more than the 16 MiB a subscription holds
	body := []byte(fmt.Sprintf(`{"pad":%q}`, strings.Repeat("x", 64<<10)))
	for i := range n {
		resp, err := http.Post(fmt.Sprintf("%s/big/%d", url, i), "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("post %d: %s", i, resp.Status)
		}
	}
	http.DefaultClient.CloseIdleConnections()
	cancel()
	time.Sleep(100 * time.Millisecond) // shutdown is under way, the reader still stalled
	close(out.open)
	if code := <-done; code != 0 {
		t.Fatalf("listen exited %d: %s", code, errOut.String())
	}
	if lines := strings.Count(out.buf.String(), "\n"); lines != n {
		t.Fatalf("%d lines printed, want %d; stderr: %s", lines, n, errOut.String())
	}
}

// TestHistoryRangeReadsNoMoreThanTheRange: reading one event back does not load the
// bodies of the events after it.
func TestHistoryRangeReadsNoMoreThanTheRange(t *testing.T) {
	t.Parallel()
	st, err := store.Open(filepath.Join(t.TempDir(), "history.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for range 20 {
		if err := st.Append(&payloads.Event{Method: "POST", Path: "/", Body: bytes.Repeat([]byte("x"), 256<<10)}); err != nil {
			t.Fatal(err)
		}
	}
	read := historyRange(st)
	least := uint64(math.MaxUint64)
	for range 5 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		evs, err := read(5, 5, 256)
		runtime.ReadMemStats(&after)
		if err != nil || len(evs) != 1 {
			t.Fatalf("read(5, 5) = %d events, %v", len(evs), err)
		}
		least = min(least, after.TotalAlloc-before.TotalAlloc)
	}
	if least > 3*256<<10 {
		t.Fatalf("reading one 256 KiB event allocated %d bytes", least)
	}
}
