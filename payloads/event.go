// Package payloads is what the data is: the event model, the event catalog, signature
// schemes, dedup keys and the fixture format. It is pure (no network, no disk) and is a
// public API that users import in their own Go tests.
package payloads

import (
	"net/http"
	"time"

	"github.com/dexra/dexra-tui/payloads/sig"
)

// Direction says whether an event came in (webhook) or went out (API call).
type Direction string

const (
	Inbound  Direction = "inbound"
	Outbound Direction = "outbound"
)

// BodyKind says what the raw body looks like, for display and flags.
type BodyKind string

const (
	BodyEmpty  BodyKind = "empty"
	BodyJSON   BodyKind = "json"
	BodyText   BodyKind = "text"   // valid UTF-8 but not JSON
	BodyBinary BodyKind = "binary" // not valid UTF-8
)

// Event is one request exactly as received, plus what was derived from it when it
// arrived. Its schema check is not kept: CheckSchema computes it against the current catalog.
type Event struct {
	ID         string      `json:"id"`  // time-sortable (ULID)
	Seq        uint64      `json:"seq"` // arrival order in the history; set by the store
	Received   time.Time   `json:"received"`
	Direction  Direction   `json:"direction"`
	Method     string      `json:"method"`
	Path       string      `json:"path"`
	Query      string      `json:"query,omitempty"`
	Host       string      `json:"host,omitempty"`
	RemoteAddr string      `json:"remote_addr,omitempty"`
	Headers    http.Header `json:"headers,omitempty"`
	Body       []byte      `json:"-"` // raw bytes, never re-serialized
	Size       int         `json:"size"`
	BodyKind   BodyKind    `json:"body_kind"`

	Source      string      `json:"source"`
	Type        string      `json:"type"`
	Signature   sig.Verdict `json:"signature"`
	DedupKey    string      `json:"dedup_key,omitempty"`
	DuplicateOf string      `json:"duplicate_of,omitempty"`
	Correlation string      `json:"correlation,omitempty"`
	// Summary is a one-line description from the payload (status, text, channel).
	Summary string `json:"summary,omitempty"`

	// Status is what the listener answered (200, or 413 for a rejected body).
	Status int `json:"status"`
	// Simulated is the --respond answer given instead of 200 ("500", "timeout"), if any.
	Simulated string `json:"simulated,omitempty"`
	// Rejected names why the listener refused the request ("body too large"), if it did.
	Rejected string `json:"rejected,omitempty"`

	Attempts []Attempt `json:"attempts,omitempty"`
	// DerivedFrom names the event this one was edited from (an edited replay).
	DerivedFrom string `json:"derived_from,omitempty"`
}

// Attempt is one forward or replay of an event to a target.
type Attempt struct {
	Target  string        `json:"target"`
	Mode    string        `json:"mode,omitempty"` // forward, captured, resign, edited
	At      time.Time     `json:"at"`
	Status  int           `json:"status,omitempty"`
	Latency time.Duration `json:"latency"`
	Error   string        `json:"error,omitempty"`
	// ResponseHeaders and ResponseBody are the app's answer (the body's first 64 KiB;
	// ResponseTruncated says there was more). Secret headers are redacted.
	ResponseHeaders   http.Header `json:"response_headers,omitempty"`
	ResponseBody      []byte      `json:"response_body,omitempty"`
	ResponseTruncated bool        `json:"response_truncated,omitempty"`
	// Warning notes a problem the app may trip on although the request was sent, e.g. a
	// captured replay whose signed timestamp is older than the tolerance.
	Warning string `json:"warning,omitempty"`
	// DerivedID names the event an edited replay recorded for what it sent.
	DerivedID string `json:"derived_id,omitempty"`
}

// HandshakeType is the type of an event that was a platform's endpoint-setup handshake
// (Meta's hub.challenge, Slack's url_verification), which the listener answers itself.
const HandshakeType = "handshake"

// IsHandshake says whether ev is such a handshake: not a webhook for the app.
func (ev *Event) IsHandshake() bool {
	return ev.Type == HandshakeType && (ev.Source == "meta" || ev.Source == "slack")
}
