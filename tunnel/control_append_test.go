package tunnel

import (
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
)

// serveControlWith serves the control protocol over st, or (without withAppend) an
// older process's, that knows only ping, and dials it.
func serveControlWith(t *testing.T, st *store.Store, withAppend bool) *ControlClient {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "c.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	handler := controlHandler(st, func() pingAnswer { return pingAnswer{Service: controlService} })
	if !withAppend {
		mux := http.NewServeMux()
		mux.HandleFunc("POST "+controlPing, func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusOK, pingAnswer{Service: controlService})
		})
		handler = mux
	}
	srv := &http.Server{Handler: handler}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	c, err := DialControl(sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestControlAppendRecordsASentMessage(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "history.db"), store.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c := serveControlWith(t, st, true)
	res := &SendResult{MessageID: "m-7", MessageStatus: "queued", Status: 200, IdempotencyKey: "idem_1"}
	hdr := http.Header{"Authorization": {"Bearer sk_live_secret_value"}}
	ev := outboundEvent(time.Now().UTC(), "http://127.0.0.1:4243"+SendPath, hdr, []byte(`{"channel":"sms"}`), res,
		[]payloads.Attempt{{Target: "x", Status: 200, ResponseBody: []byte(`{"message_id":"m-7"}`)}})
	ev.Headers = hdr // as a careless caller would: the serving side redacts too
	if err := c.Append(ev); err != nil {
		t.Fatal(err)
	}
	got, err := st.Get(ev.ID)
	if err != nil || got.Correlation != "m-7" || got.Direction != payloads.Outbound || got.Headers.Get("Authorization") != store.Redacted ||
		len(got.Attempts) != 1 || string(got.Body) != `{"channel":"sms"}` || ev.Seq == 0 {
		t.Fatalf("%v %+v", err, got)
	}
	in := &payloads.Event{Direction: payloads.Inbound, Method: "POST", Path: "/"}
	if err := c.Append(in); err == nil {
		t.Fatal("an inbound event was taken through the control socket")
	}
}

func TestControlAppendUnsupportedIsSaidSo(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "history.db"), store.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c := serveControlWith(t, st, false)
	if err := c.Append(&payloads.Event{Direction: payloads.Outbound}); !errors.Is(err, ErrControlUnsupported) {
		t.Fatalf("got %v", err)
	}
}
