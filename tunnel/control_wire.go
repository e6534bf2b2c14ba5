package tunnel

import (
	"errors"
	"net/http"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
)

// The control protocol is JSON over HTTP over a unix socket: POST a request object to
// one of these paths, get the answer object, or a non-2xx with controlError.
const (
	controlPing    = "/v1/ping"
	controlList    = "/v1/list"
	controlGet     = "/v1/get"
	controlStats   = "/v1/stats"
	controlDedup   = "/v1/dedup"
	controlAttempt = "/v1/attempt"
	controlIDs     = "/v1/ids"
	// controlService names the answer to a ping, so a stray socket is not mistaken for us.
	controlService = "dexra-tui control 1"
	controlMaxBody = 1 << 20
)

// ControlSocketPath is where the process holding historyPath answers read requests.
func ControlSocketPath(historyPath string) string { return historyPath + ".sock" }

type pingAnswer struct {
	Service   string `json:"service"`
	ListenURL string `json:"listen_url,omitempty"`
}

type idsRequest struct {
	Prefix string `json:"prefix"`
	Limit  int    `json:"limit"`
}

type idRequest struct {
	ID string `json:"id"`
}

type dedupRequest struct {
	Key string `json:"key"`
}

type attemptRequest struct {
	ID      string           `json:"id"`
	Attempt payloads.Attempt `json:"attempt"`
}

// wireEvent carries an event with its body, which payloads.Event leaves out of JSON.
// []byte travels as base64, so binary bodies arrive exactly; null stays nil.
type wireEvent struct {
	*payloads.Event
	Body []byte `json:"body"`
}

type wirePage struct {
	Events []wireEvent `json:"events"`
	Next   uint64      `json:"next"`
}

func toWire(ev *payloads.Event) wireEvent { return wireEvent{Event: ev, Body: ev.Body} }

func fromWire(w wireEvent) *payloads.Event {
	ev := w.Event
	if ev == nil {
		ev = &payloads.Event{}
	}
	ev.Body = w.Body
	return ev
}

// controlError is a failed call: the error's text and which store error it was.
type controlError struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

// Error codes, so errors.Is(err, store.ErrNotFound) holds on the client side too.
var controlCodes = []struct {
	code   string
	err    error
	status int
}{
	{"not_found", store.ErrNotFound, http.StatusNotFound},
	{"locked", store.ErrLocked, http.StatusConflict},
	{"corrupt", store.ErrCorrupt, http.StatusInternalServerError},
	{"unsupported", ErrControlUnsupported, http.StatusNotImplemented},
}

// ErrControlUnsupported is returned for a call the serving process does not offer.
var ErrControlUnsupported = errors.New("not supported by the process holding the history")

func encodeControlError(err error) (controlError, int) {
	for _, c := range controlCodes {
		if errors.Is(err, c.err) {
			return controlError{Error: err.Error(), Code: c.code}, c.status
		}
	}
	return controlError{Error: err.Error(), Code: "error"}, http.StatusUnprocessableEntity
}

// remoteError is a server-side error as the client sees it: same text, same sentinel.
type remoteError struct {
	msg      string
	sentinel error
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.sentinel }

func decodeControlError(ce controlError) error {
	for _, c := range controlCodes {
		if c.code == ce.Code {
			return &remoteError{msg: ce.Error, sentinel: c.err}
		}
	}
	return &remoteError{msg: ce.Error}
}
