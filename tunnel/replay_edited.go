package tunnel

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store"
)

// EditedReplay is what an edited replay sent and got.
type EditedReplay struct {
	// Derived is the new event recorded for what was sent, DerivedFrom the original.
	Derived *payloads.Event
	Results []ReplayResult
}

// ReplayEdited sends body in place of the event's own, signed now with the secret
// under the event's scheme (unsigned events stay unsigned), to url or, when url is
// "", the routed targets. It records the request sent as a new event derived from
// the original (through cfg.Appender, and published on cfg.Hub), and every attempt
// on the original with the derived event's ID.
func (r *Replayer) ReplayEdited(ctx context.Context, id string, body []byte, url string) (EditedReplay, error) {
	if r.cfg.Appender == nil {
		return EditedReplay{}, errors.New("edited replay: this history cannot record new events here (use the console)")
	}
	defer r.release()
	orig, err := r.cfg.History.Get(id)
	if err != nil {
		return EditedReplay{}, fmt.Errorf("edited replay: %w", err)
	}
	// The edited request is the original with a new body (and, for Twilio, the body's
	// hash in the query), so it is routed and classified like the original.
	if orig.Rejected != "" {
		return EditedReplay{}, fmt.Errorf("edited replay: %w", errRejected)
	}
	scheme := eventScheme(orig)
	edited := orig.Clone()
	edited.Body = body
	if scheme == "twilio" {
		edited.Query = withBodyHash(orig.Query, body)
	}
	urls, err := r.urls(edited, url)
	if err != nil {
		return EditedReplay{}, fmt.Errorf("edited %w", err)
	}
	now := r.cfg.Now()
	secret := r.secretFor(orig)

	var out EditedReplay
	var first delivery
	for i, u := range urls {
		d := newDelivery(edited, u, u, r.cfg.Secrets)
		res := ReplayResult{EventID: id, Mode: ReplayEdited}
		if scheme != "" {
			s := signer{scheme: scheme, secret: secret, hmac: r.cfg.HMAC, now: now}
			err = s.sign(d.header, d.method, d.url, body)
		}
		if err != nil {
			res.Err = fmt.Errorf("edited replay: %w", err)
			res.Attempt = payloads.Attempt{Target: u, Mode: string(ReplayEdited), At: time.Now().UTC(), Error: err.Error()}
			err = nil
		} else {
			res.Attempt = send(ctx, r.client, d, string(ReplayEdited), r.cfg.Timeout)
			res.Unrestored = d.unrestored
		}
		if i == 0 {
			first = d
		}
		out.Results = append(out.Results, res)
	}

	derived := r.derivedEvent(orig, edited, first, scheme, secret, now, out.Results)
	if err := r.cfg.Appender.Append(derived); err != nil {
		return out, fmt.Errorf("edited replay: recording the edited event: %w", err)
	}
	// Callers show it: it must hold what the history holds, no secret token.
	derived.Headers = store.RedactHeaders(derived.Headers)
	out.Derived = derived
	if r.cfg.Hub != nil {
		r.cfg.Hub.Publish(derived.Clone())
	}
	var errs []error
	for i := range out.Results {
		res := &out.Results[i]
		res.Attempt.DerivedID = derived.ID
		if err := r.cfg.History.AddAttempt(id, res.Attempt); err != nil {
			errs = append(errs, fmt.Errorf("edited replay: recording the attempt on %s: %w", id, err))
			continue
		}
		res.Recorded = true
		if res.OK() && r.cfg.Forward != nil {
			r.cfg.Forward.Delivered(id, res.Attempt.Target)
		}
	}
	return out, errors.Join(errs...)
}

// derivedEvent is the event recorded for an edited request: the headers and body
// sent, verified as the target would verify them, with the attempts made.
func (r *Replayer) derivedEvent(orig, edited *payloads.Event, sent delivery, scheme, secret string, now time.Time, results []ReplayResult) *payloads.Event {
	ev := &payloads.Event{
		Received:    now.UTC(),
		Direction:   orig.Direction,
		Method:      orig.Method,
		Path:        orig.Path,
		Query:       edited.Query,
		Host:        orig.Host,
		Headers:     sent.header.Clone(),
		Body:        edited.Body,
		DerivedFrom: orig.ID,
	}
	if v := ev.Headers["User-Agent"]; len(v) == 1 && v[0] == "" {
		delete(ev.Headers, "User-Agent") // the placeholder that keeps net/http from adding one
	}
	var secrets []string
	if secret != "" {
		secrets = []string{secret}
	}
	scheme = orDefault(scheme, "auto")
	payloads.Analyze(ev, payloads.VerifyConfig{Scheme: scheme, Secrets: secrets, Tolerance: r.cfg.Tolerance, HMAC: r.cfg.HMAC, Now: now})
	// Verify against the URL actually called (Twilio signs it), not the listener's.
	ev.Signature = sig.Check(scheme, sig.Request{Method: sent.method, URL: sent.url, Header: sent.header, Body: sent.body},
		sig.Options{Secrets: secrets, Now: now, Tolerance: r.cfg.Tolerance, HMAC: r.cfg.HMAC})
	for _, res := range results {
		ev.Attempts = append(ev.Attempts, res.Attempt)
	}
	return ev
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
