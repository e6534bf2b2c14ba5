package tunnel

import (
	"net/http"
	"strings"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store"
)

// ViaHeader records how a request reached the listener when it did not come straight
// to its socket: "tunnel <public URL>" or "relay <channel URL>". The public side sets it
// (replacing any copy a sender supplied), so the history and the console can tell.
const ViaHeader = "X-Dexra-Tui-Via"

// Via values start with one of these words.
const (
	ViaTunnel = "tunnel"
	ViaRelay  = "relay"
)

// RelayNote is added to a failed verdict of a relayed event: relays parse and
// re-serialize JSON bodies, so the bytes checked are not the bytes the platform signed.
const RelayNote = "came through a relay, which re-serializes JSON bodies: the mismatch may be the relay's doing, not a wrong secret"

// Via is how the event reached the listener ("tunnel …", "relay …"), "" when directly.
func Via(h http.Header) string { return h.Get(ViaHeader) }

// Relayed reports whether the event came through a relay channel.
func Relayed(h http.Header) bool {
	return strings.HasPrefix(Via(h), ViaRelay+" ")
}

// NewPublicListener is NewListener for a listener that also takes requests from a
// public tunnel or relay: a relayed event's failed verdict says the relay may be why.
func NewPublicListener(cfg Config, st *store.Store, hub *Hub) *Listener {
	return newListener(cfg, originNotes{st}, hub)
}

// originNotes annotates events just before they are committed (the verdict is final then).
type originNotes struct{ appender }

func (o originNotes) Append(ev *payloads.Event) error {
	NoteOrigin(ev)
	return o.appender.Append(ev)
}

// NoteOrigin adds RelayNote to the failed verdict of a relayed event.
func NoteOrigin(ev *payloads.Event) {
	if ev.Signature.Status != sig.Fail || !Relayed(ev.Headers) || strings.Contains(ev.Signature.Reason, RelayNote) {
		return
	}
	ev.Signature.Reason += "; " + RelayNote
}

// Handler is the webhook handler alone, without the control socket or anything else:
// what a public tunnel's forwarded connections and a relay's events are served with.
func (l *Listener) Handler() http.Handler { return l.server.Handler }

// MaxBody is the largest body the listener accepts.
func (l *Listener) MaxBody() int64 { return l.cfg.MaxBody }

// CheckSignature verifies a request and its body the way the listener would, recording
// nothing: for --public-require-signature, which turns strangers away before the history.
func (l *Listener) CheckSignature(r *http.Request, body []byte) sig.Verdict {
	ev := &payloads.Event{
		Received: time.Now().UTC(), // timestamped schemes check against it
		Method:   r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Host: r.Host,
		Headers: r.Header, Body: body,
	}
	vc := l.verifyFor(ev.Path)
	if vc.BaseURL == "" {
		vc.BaseURL = requestBaseURL(r)
	}
	payloads.Analyze(ev, vc)
	return ev.Signature
}
