package tunnel

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
)

// controlFixture is a store with a varied history, served on its control socket.
func controlFixture(t *testing.T) (*store.Store, *ControlClient, string) {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "history.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	bodies := [][]byte{
		dexatelDelivery(1, 300),
		dexatelDelivery(1, 300), // a redelivery: same dedup key
		{0x00, 0xff, 0x1b, 0x80},
		nil,
		[]byte("{\"text\":\"\x1b]2;t\x07\"}"),
		dexatelDelivery(2, 300),
	}
	for i, b := range bodies {
		now := time.Now().UTC()
		ev := &payloads.Event{ID: payloads.NewID(now), Received: now, Direction: payloads.Inbound, Method: "POST",
			Path: "/dexatel", Headers: http.Header{"X-Dexatel-Signature": {signDexatel(testSecret, b)}}, Body: b, Status: 200}
		if i == 4 {
			ev.Headers = nil
		}
		payloads.Analyze(ev, payloads.VerifyConfig{Secrets: []string{testSecret}})
		if err := st.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	sock := ControlSocketPath(st.Path())
	cs, err := ServeControl(sock, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	c, err := DialControl(sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return st, c, sock
}

// sameEvents compares events field by field as JSON, and bodies byte for byte
// (nil and empty distinguished).
func sameEvents(t *testing.T, what string, direct, remote []*payloads.Event) {
	t.Helper()
	if len(direct) != len(remote) {
		t.Fatalf("%s: %d events direct, %d over the socket", what, len(direct), len(remote))
	}
	for i := range direct {
		dj, _ := json.Marshal(direct[i])
		rj, _ := json.Marshal(remote[i])
		if string(dj) != string(rj) {
			t.Fatalf("%s: event %d differs\ndirect %s\nsocket %s", what, i, dj, rj)
		}
		if (direct[i].Body == nil) != (remote[i].Body == nil) || string(direct[i].Body) != string(remote[i].Body) {
			t.Fatalf("%s: event %d body %q direct, %q over the socket", what, i, direct[i].Body, remote[i].Body)
		}
	}
}

func TestControlAnswersLikeTheStore(t *testing.T) {
	st, c, _ := controlFixture(t)
	for _, o := range []store.ListOptions{
		{},
		{WithBody: true},
		{OldestFirst: true, WithBody: true},
		{Limit: 2},
		{Limit: 2, Cursor: 4, OldestFirst: true},
		{Query: "type:delivery"},
		{Query: "dup:yes", WithBody: true},
		{Query: "-sig:pass"},
	} {
		want, err := st.List(o)
		if err != nil {
			t.Fatalf("direct List(%+v): %v", o, err)
		}
		got, err := c.List(o)
		if err != nil {
			t.Fatalf("socket List(%+v): %v", o, err)
		}
		if got.Next != want.Next {
			t.Fatalf("List(%+v) next %d over the socket, %d direct", o, got.Next, want.Next)
		}
		sameEvents(t, "List", want.Events, got.Events)
	}

	all, _ := st.List(store.ListOptions{})
	for _, ev := range all.Events {
		want, err := st.Get(ev.ID)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.Get(ev.ID)
		if err != nil {
			t.Fatalf("socket Get(%s): %v", ev.ID, err)
		}
		sameEvents(t, "Get", []*payloads.Event{want}, []*payloads.Event{got})
		if want.DedupKey != "" {
			wd, _ := st.Dedup(want.DedupKey)
			gd, err := c.Dedup(want.DedupKey)
			if err != nil || gd != wd {
				t.Fatalf("Dedup: %+v %v over the socket, %+v direct", gd, err, wd)
			}
		}
	}
	ws, _ := st.Stats()
	gs, err := c.Stats()
	if err != nil || gs != ws {
		t.Fatalf("Stats: %+v %v over the socket, %+v direct", gs, err, ws)
	}
}

func TestControlKeepsStoreErrors(t *testing.T) {
	st, c, _ := controlFixture(t)
	_, want := st.Get("01NOSUCHEVENT")
	_, err := c.Get("01NOSUCHEVENT")
	if !errors.Is(err, store.ErrNotFound) || err.Error() != want.Error() {
		t.Fatalf("missing event over the socket: %v; direct: %v", err, want)
	}
	_, want = st.List(store.ListOptions{Query: "sig:maybe"})
	_, err = c.List(store.ListOptions{Query: "sig:maybe"})
	if want == nil || err == nil || err.Error() != want.Error() {
		t.Fatalf("bad filter over the socket: %v; direct: %v", err, want)
	}
	if err := c.AddAttempt("01NOSUCHEVENT", payloads.Attempt{Target: "x"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("attempt on a missing event: %v", err)
	}
}

func TestControlRecordsAttempts(t *testing.T) {
	st, c, _ := controlFixture(t)
	page, _ := st.List(store.ListOptions{Limit: 1})
	id := page.Events[0].ID
	a := payloads.Attempt{Target: "http://localhost:3000/hooks", Mode: "resign", At: time.Now().UTC().Truncate(time.Millisecond), Status: 502, Latency: 12 * time.Millisecond, Error: "bad gateway"}
	if err := c.AddAttempt(id, a); err != nil {
		t.Fatal(err)
	}
	ev, err := st.Get(id)
	if err != nil || len(ev.Attempts) != 1 || !reflect.DeepEqual(ev.Attempts[0].Status, a.Status) || !ev.Attempts[0].At.Equal(a.At) || ev.Attempts[0].Latency != a.Latency {
		t.Fatalf("attempt recorded as %+v (%v)", ev.Attempts, err)
	}
}

// readOnly hides the store's AddAttempt, like a process that serves reads only.
type readOnly struct{ store.Reader }

func TestControlReportsUnsupportedCalls(t *testing.T) {
	st, _, _ := controlFixture(t)
	sock := filepath.Join(t.TempDir(), "ro.sock")
	cs, err := ServeControl(sock, readOnly{st}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	c, err := DialControl(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.AddAttempt("x", payloads.Attempt{}); !errors.Is(err, ErrControlUnsupported) {
		t.Fatalf("AddAttempt on a read-only server: %v", err)
	}
}

func TestControlSocketIsOwnerOnlyAndCleanedUp(t *testing.T) {
	_, c, sock := controlFixture(t)
	fi, err := os.Lstat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode %v, want a 0600 socket", fi.Mode())
	}
	entries, _ := os.ReadDir(filepath.Dir(sock))
	for _, e := range entries {
		if e.IsDir() {
			t.Fatalf("private bind directory %s left behind", e.Name())
		}
	}
	c.Close()
}

func TestControlCloseRemovesTheSocket(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "h.db.sock")
	cs, err := ServeControl(sock, readOnly{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cs.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("socket still there after Close: %v", err)
	}
	if _, err := DialControl(sock); !errors.Is(err, ErrNoControl) {
		t.Fatalf("dial after Close: %v", err)
	}
}

func TestServeControlReplacesOnlyAStaleSocket(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "h.db.sock")

	// A socket left by a crashed process: bound, then closed without unlinking.
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	if _, err := DialControl(sock); !errors.Is(err, ErrNoControl) {
		t.Fatalf("dial to a stale socket: %v", err)
	}
	cs, err := ServeControl(sock, readOnly{}, nil)
	if err != nil {
		t.Fatalf("stale socket not replaced: %v", err)
	}
	defer cs.Close()

	// A live one is left alone.
	if _, err := ServeControl(sock, readOnly{}, nil); !errors.Is(err, ErrControlInUse) {
		t.Fatalf("second server on a live socket: %v", err)
	}
	if c, err := DialControl(sock); err != nil {
		t.Fatalf("first server lost its socket: %v", err)
	} else {
		c.Close()
	}

	// A regular file is never removed.
	file := filepath.Join(dir, "not-a-socket")
	os.WriteFile(file, []byte("keep me"), 0o600)
	if _, err := ServeControl(file, readOnly{}, nil); err == nil {
		t.Fatal("served over a regular file")
	}
	if b, _ := os.ReadFile(file); string(b) != "keep me" {
		t.Fatal("regular file was touched")
	}
}

func TestDialControlRejectsAForeignServer(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "foreign.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"service":"something else"}`))
	})}
	go srv.Serve(ln)
	defer srv.Close()
	if _, err := DialControl(sock); !errors.Is(err, ErrNoControl) {
		t.Fatalf("dial to a foreign server: %v", err)
	}
}
