package tunnel

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads/sig"
)

// hookApp is a small webhook handler as developers write them; its flaws are switches.
type hookApp struct {
	scheme, secret string
	verifies       bool          // checks the signature (with payloads/sig) and answers 401
	crashOnBadSig  bool          // panics when the signature header does not parse
	fiveHundredBad bool          // answers 500 when the signature header does not parse
	slowWork       time.Duration // works this long on a valid event before answering
	rejectDups     bool          // answers 409 to an event id or body already seen
	rejectUnknown  bool          // answers 400 to an event type it does not handle
	rejectRegress  bool          // answers 409 when a status arrives after a later one
	maxInFlight    int           // answers 503 above this many concurrent requests (0: no limit)

	mu       sync.Mutex
	seen     map[string]bool
	status   map[string]string
	inFlight int
}

func (app *hookApp) start(t *testing.T) string {
	t.Helper()
	app.seen, app.status = map[string]bool{}, map[string]string{}
	srv := httptest.NewUnstartedServer(app)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the crashing app's panics are expected
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL + "/hook"
}

// statusRank orders the lifecycle statuses the probes use.
var statusRank = map[string]int{"sent": 1, "delivered": 2, "open": 1, "resolved": 2}

func (app *hookApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	app.mu.Lock()
	app.inFlight++
	busy := app.maxInFlight > 0 && app.inFlight > app.maxInFlight
	app.mu.Unlock()
	defer func() { app.mu.Lock(); app.inFlight--; app.mu.Unlock() }()
	if busy {
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	if app.verifies {
		v := sig.Check(app.scheme, sig.Request{Method: r.Method, URL: "http://" + r.Host + r.RequestURI, Header: r.Header, Body: body},
			sig.Options{Secrets: []string{app.secret}})
		if v.Status != sig.Pass {
			if strings.HasPrefix(v.Reason, "malformed") {
				if app.crashOnBadSig {
					panic("index out of range parsing the signature")
				}
				if app.fiveHundredBad {
					http.Error(w, "internal error", http.StatusInternalServerError)
					return
				}
			}
			http.Error(w, v.Reason, http.StatusUnauthorized)
			return
		}
	}
	var doc struct {
		ID    string         `json:"id"`
		Event string         `json:"event"`
		Type  string         `json:"type"`
		Data  map[string]any `json:"data"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		http.Error(w, "invalid JSON", http.StatusBadRequest)
		return
	}
	field := func(k string) string { s, _ := doc.Data[k].(string); return s }
	typ := doc.Type + doc.Event + field("event")
	if app.rejectUnknown && strings.Contains(typ, "unknown") {
		http.Error(w, "unknown event type", http.StatusBadRequest)
		return
	}
	key := r.Header.Get("Webhook-Id") + r.Header.Get("X-GitHub-Delivery") + doc.ID
	if key == "" {
		sum := sha256.Sum256(body)
		key = hex.EncodeToString(sum[:])
	}
	app.mu.Lock()
	dup := app.seen[key]
	app.seen[key] = true
	object := field("message_id") + field("conversation_id")
	regress := false
	if st := field("status"); object != "" && st != "" {
		regress = statusRank[st] < statusRank[app.status[object]]
		if !regress {
			app.status[object] = st
		}
	}
	app.mu.Unlock()
	if dup {
		if app.rejectDups {
			http.Error(w, "duplicate", http.StatusConflict)
			return
		}
		w.WriteHeader(http.StatusOK) // already processed: acknowledged, not redone
		return
	}
	if app.rejectRegress && regress {
		http.Error(w, "status went backwards", http.StatusConflict)
		return
	}
	if app.slowWork > 0 {
		select {
		case <-time.After(app.slowWork):
		case <-r.Context().Done():
			return
		}
	}
	w.WriteHeader(http.StatusOK)
}
