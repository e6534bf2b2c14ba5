package payloads

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dexra/dexra-tui/payloads/catalog"
	"github.com/dexra/dexra-tui/payloads/sig"
)

// VerifyConfig says how to check an event's signature.
type VerifyConfig struct {
	Scheme    string   // "auto", a scheme name, or "" (same as auto)
	Secrets   []string // tried in order
	Tolerance time.Duration
	HMAC      sig.HMACConfig
	Now       time.Time // zero: the event's received time
	// BaseURL is how the sender addressed the listener (scheme://host), for Twilio.
	BaseURL string
}

// Analyze fills the derived fields of ev (size, kind, source, type, signature, dedup
// and correlation keys, summary) from the raw request it holds. The body is parsed once.
func Analyze(ev *Event, cfg VerifyConfig) {
	ev.Size = len(ev.Body)
	parsed := catalog.Parse(ev.Body)
	ev.BodyKind = kindOf(ev.Body, parsed)
	ev.Source, ev.Type = parsed.Classify(ev.Path, ev.Headers)
	ev.Signature = verify(ev, cfg)
	if ev.Source == "" || ev.Source == "unknown" {
		if ev.Signature.Scheme != "" && ev.Signature.Status != sig.Missing {
			ev.Source = ev.Signature.Scheme
		}
	}
	d := parsed.Derive(ev.Source, ev.Type, ev.Path, ev.Headers)
	ev.DedupKey, ev.Correlation, ev.Summary = d.DedupKey, d.Correlation, d.Summary
}

// verify checks the signature; when auto finds no signature header on an event of a
// known platform, the verdict names that platform's missing header.
func verify(ev *Event, cfg VerifyConfig) sig.Verdict {
	now := cfg.Now
	if now.IsZero() {
		now = ev.Received
	}
	scheme := cfg.Scheme
	if scheme == "" {
		scheme = "auto"
	}
	req := sig.Request{Method: ev.Method, URL: requestURL(cfg.BaseURL, ev), Header: ev.Headers, Body: ev.Body}
	opts := sig.Options{Secrets: cfg.Secrets, Now: now, Tolerance: cfg.Tolerance, HMAC: cfg.HMAC}
	v := sig.Check(scheme, req, opts)
	if scheme == "auto" && v.Status == sig.Missing && v.Scheme == "" {
		if own := sourceScheme(ev.Source); own != "" {
			v = sig.Check(own, req, opts)
		}
	}
	return v
}

// sourceScheme is the scheme a catalog platform signs with, "" for others.
func sourceScheme(source string) string {
	for _, et := range catalog.All() {
		if et.Source == source {
			return et.Scheme
		}
	}
	return ""
}

func requestURL(base string, ev *Event) string {
	if base == "" {
		base = "http://" + ev.Host
	}
	u := strings.TrimRight(base, "/") + ev.Path
	if ev.Query != "" {
		u += "?" + ev.Query
	}
	return u
}

// KindOf says whether body is empty, JSON, other text, or binary.
func KindOf(body []byte) BodyKind {
	switch {
	case len(body) == 0:
		return BodyEmpty
	case !utf8.Valid(body):
		return BodyBinary
	case json.Valid(body):
		return BodyJSON
	default:
		return BodyText
	}
}

// kindOf is KindOf reusing the parse the catalog derivations share.
func kindOf(body []byte, parsed *catalog.Parsed) BodyKind {
	switch {
	case len(body) == 0:
		return BodyEmpty
	case !utf8.Valid(body):
		return BodyBinary
	case parsed.IsJSON():
		return BodyJSON
	default:
		return BodyText
	}
}

// Clone returns a deep copy of ev, so a copy handed to a subscriber cannot be changed.
func (ev *Event) Clone() *Event {
	c := *ev
	c.Headers = ev.Headers.Clone()
	if c.Headers == nil {
		c.Headers = http.Header{}
	}
	c.Body = bytes.Clone(ev.Body)
	c.Attempts = append([]Attempt(nil), ev.Attempts...)
	return &c
}
