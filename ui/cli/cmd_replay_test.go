package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/tunnel"
)

// runReplayCmd runs the replay command in-process and returns its exit code and output.
func runReplayCmd(t *testing.T, home string, args ...string) (int, string, string) {
	t.Helper()
	return runCLI(t, home, "", append([]string{"replay"}, args...)...)
}

// recordingApp is a local app that keeps every body it got, in order, and answers
// status (200 by default).
type recordingApp struct {
	*httptest.Server
	mu      sync.Mutex
	bodies  []string
	headers []http.Header
	status  int
}

func newRecordingApp(t *testing.T, status int) *recordingApp {
	app := &recordingApp{status: status}
	app.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		app.mu.Lock()
		app.bodies = append(app.bodies, string(b))
		app.headers = append(app.headers, r.Header.Clone())
		app.mu.Unlock()
		w.WriteHeader(app.status)
		io.WriteString(w, "answer")
	}))
	t.Cleanup(app.Close)
	return app
}

func (app *recordingApp) got() []string {
	app.mu.Lock()
	defer app.mu.Unlock()
	return append([]string(nil), app.bodies...)
}

// historyWith creates a history at db holding one Dexatel event per body, signed
// with secret; it returns their IDs and the open store.
func historyWith(t *testing.T, db, secret string, paths ...string) (*store.Store, []string) {
	t.Helper()
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dexatel, _ := sig.Lookup("dexatel")
	var ids []string
	for i, p := range paths {
		body := []byte(`{"data":{"event":"delivery","message_id":"m` + strconv.Itoa(i) + `","status":"delivered"}}`)
		h, _ := dexatel.Sign(sig.SignInput{Secret: secret, Body: body})
		h.Set("Content-Type", "application/json")
		ev := &payloads.Event{Received: time.Now().UTC(), Direction: payloads.Inbound, Method: "POST", Path: p,
			Host: "127.0.0.1:4242", RemoteAddr: "127.0.0.1:9", Headers: h, Body: body, Status: 200}
		payloads.Analyze(ev, payloads.VerifyConfig{Secrets: []string{secret}})
		if err := st.Append(ev); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ev.ID)
	}
	return st, ids
}

func TestReplayCommandSendsEventsAndRecordsAttempts(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	db := filepath.Join(home, "history.db")
	st, ids := historyWith(t, db, "s3cret", "/dexatel", "/dexatel", "/dexatel")
	st.Close()
	app := newRecordingApp(t, http.StatusOK)

	code, out, errOut := runReplayCmd(t, home, ids[2], ids[0], "--to", app.URL+"/hooks", "--db", db, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 2 attempt lines and a summary, got %q", out)
	}
	var first struct {
		ID, Target, Mode string
		Status           int
		OK               bool
	}
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil || first.ID != ids[2] || first.Status != 200 || !first.OK ||
		first.Mode != "captured" || first.Target != app.URL+"/hooks" {
		t.Errorf("first line %q (%v)", lines[0], err)
	}
	var sum summaryLine
	if err := json.Unmarshal([]byte(lines[2]), &sum); err != nil || sum.Summary.OK != 2 || sum.Summary.Failed != 0 || sum.Summary.Events != 2 {
		t.Errorf("summary line %q (%v)", lines[2], err)
	}
	got := app.got()
	if len(got) != 2 || !strings.Contains(got[0], `"m2"`) || !strings.Contains(got[1], `"m0"`) {
		t.Errorf("the app got %q; want the events in the order given", got)
	}
	if errOut != "" {
		t.Errorf("stderr is not a terminal, yet got %q", errOut)
	}

	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ev, _ := st.Get(ids[0])
	if len(ev.Attempts) != 1 || ev.Attempts[0].Mode != "captured" || ev.Attempts[0].Status != 200 {
		t.Errorf("recorded attempts %+v", ev.Attempts)
	}
}

func TestReplayCommandExitsOneWhenTheAppRefuses(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	db := filepath.Join(home, "history.db")
	st, ids := historyWith(t, db, "s3cret", "/")
	st.Close()
	app := newRecordingApp(t, http.StatusInternalServerError)
	code, out, _ := runReplayCmd(t, home, ids[0], "--to", app.URL, "--db", db)
	if code != 1 || !strings.HasPrefix(out, "500 "+ids[0]) || !strings.Contains(out, "replayed 1 event(s): 0 ok, 1 failed") {
		t.Fatalf("exit %d, out %q", code, out)
	}
}

func TestReplayCommandWorksWhileAListenerHoldsTheHistory(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	db := filepath.Join(home, "history.db")
	st, ids := historyWith(t, db, "s3cret", "/a", "/b", "/b")
	defer st.Close()
	cs, err := tunnel.ServeControl(tunnel.ControlSocketPath(db), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	app := newRecordingApp(t, http.StatusOK)

	code, out, errOut := runReplayCmd(t, home, "--filter", "path:/b", "--to", app.URL, "--db", db, "--concurrency", "2")
	if code != 0 || !strings.Contains(out, "2 ok, 0 failed") {
		t.Fatalf("exit %d: %q %q", code, out, errOut)
	}
	for i, id := range ids {
		ev, err := st.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		want := 1
		if i == 0 {
			want = 0
		}
		if len(ev.Attempts) != want {
			t.Errorf("event %d has %d attempts recorded through the socket, want %d", i, len(ev.Attempts), want)
		}
	}
}

func TestReplayCommandFailedRedeliversToWhereItFailed(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	db := filepath.Join(home, "history.db")
	st, ids := historyWith(t, db, "s3cret", "/x", "/x", "/x")
	app := newRecordingApp(t, http.StatusOK)
	at := time.Now().UTC()
	st.AddAttempt(ids[0], payloads.Attempt{Target: app.URL + "/x", Mode: tunnel.ModeForward, At: at, Error: "connection refused"})
	st.AddAttempt(ids[1], payloads.Attempt{Target: app.URL + "/x", Mode: tunnel.ModeForward, At: at, Status: 200})
	st.AddAttempt(ids[2], payloads.Attempt{Target: app.URL + "/x", Mode: tunnel.ModeForward, At: at, Status: 503})
	st.Close()

	code, out, errOut := runReplayCmd(t, home, "--failed", "--db", db)
	if code != 0 || !strings.Contains(out, "2 ok") {
		t.Fatalf("exit %d: %q %q", code, out, errOut)
	}
	if got := app.got(); len(got) != 2 || !strings.Contains(got[0], `"m0"`) || !strings.Contains(got[1], `"m2"`) {
		t.Errorf("the app got %q", got)
	}
	code, _, errOut = runReplayCmd(t, home, "--failed", "--db", db)
	if code != 0 || !strings.Contains(errOut, "nothing to replay") {
		t.Errorf("second --failed run: %d %q; everything was delivered", code, errOut)
	}
}

func TestReplayCommandResignsWithTheGivenSecret(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	db := filepath.Join(home, "history.db")
	st, ids := historyWith(t, db, "old-secret", "/")
	st.Close()
	app := newRecordingApp(t, http.StatusOK)
	code, out, errOut := runReplayCmd(t, home, ids[0], "--to", app.URL, "--db", db, "--mode", "resign", "--secret", "new-secret")
	if code != 0 || !strings.Contains(out, " resign ") {
		t.Fatalf("exit %d: %q %q", code, out, errOut)
	}
	app.mu.Lock()
	h, body := app.headers[0], app.bodies[0]
	app.mu.Unlock()
	v := sig.Check("dexatel", sig.Request{Header: h, Body: []byte(body)}, sig.Options{Secrets: []string{"new-secret"}})
	if v.Status != sig.Pass {
		t.Errorf("re-signed request under the new secret: %+v", v)
	}
}

func TestReplayCommandWarnsOfStaleCapturedSignatures(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	db := filepath.Join(home, "history.db")
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"id":"evt_1","object":"event"}`)
	stripe, _ := sig.Lookup("stripe")
	h, _ := stripe.Sign(sig.SignInput{Secret: "whsec_x", Body: body, Timestamp: time.Now().Add(-time.Hour)})
	ev := &payloads.Event{Received: time.Now().UTC(), Method: "POST", Path: "/stripe", Headers: h, Body: body, Status: 200}
	payloads.Analyze(ev, payloads.VerifyConfig{Secrets: []string{"whsec_x"}})
	if err := st.Append(ev); err != nil {
		t.Fatal(err)
	}
	st.Close()
	app := newRecordingApp(t, http.StatusOK)
	code, out, _ := runReplayCmd(t, home, ev.ID, "--to", app.URL, "--db", db, "--mode", "captured")
	if code != 0 || !strings.Contains(out, "warning: stale:") || !strings.Contains(out, "1 stale") {
		t.Fatalf("exit %d: %q", code, out)
	}
}

func TestReplayCommandUsageErrors(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	db := filepath.Join(home, "history.db")
	cases := [][]string{
		{"--to", "3000"},                        // nothing selected
		{"ID", "--filter", "x", "--to", "3000"}, // two selections
		{"ID"},                                  // no --to
		{"ID", "--to", "ftp://x"},
		{"ID", "--to", "3000", "--mode", "edited"},
		{"ID", "--to", "3000", "--mode", "bogus"},
		{"ID", "--to", "3000", "--concurrency", "0"},
		{"--filter", "nokey:1", "--to", "3000"},
	}
	for _, args := range cases {
		if code, _, errOut := runReplayCmd(t, home, append(args, "--db", db)...); code != 2 || errOut == "" {
			t.Errorf("%v: exit %d %q, want a usage error", args, code, errOut)
		}
	}
	if code, _, errOut := runReplayCmd(t, home, "ID", "--to", "3000", "--db", db); code != 1 || !strings.Contains(errOut, "no history") {
		t.Errorf("missing history: %d %q", code, errOut)
	}
}
