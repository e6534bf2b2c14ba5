package tunnel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store"
)

// ReplayMode says how a replay signs what it sends.
type ReplayMode string

const (
	// ReplayAuto is resign for timestamped schemes when a secret is configured, and
	// captured otherwise.
	ReplayAuto ReplayMode = ""
	// ReplayCaptured sends the bytes and headers as received, signature included.
	ReplayCaptured ReplayMode = "captured"
	// ReplayResign sends the same bytes signed now with the configured secret.
	ReplayResign ReplayMode = "resign"
	// ReplayEdited sends a new body, signed now (see Replayer.ReplayEdited).
	ReplayEdited ReplayMode = "edited"
)

// ParseReplayMode reads "auto" (or ""), "captured", "resign" or "edited".
func ParseReplayMode(s string) (ReplayMode, error) {
	switch m := ReplayMode(strings.ToLower(strings.TrimSpace(s))); m {
	case "auto", ReplayAuto:
		return ReplayAuto, nil
	case ReplayCaptured, ReplayResign, ReplayEdited:
		return m, nil
	}
	return "", fmt.Errorf("unknown replay mode %q (captured, resign, edited, or auto)", s)
}

// History is what replay reads events from and records attempts in; *store.Store and
// *ControlClient (a history held by another process) both provide it.
type History interface {
	store.Reader
	AttemptRecorder
}

var (
	_ History = (*store.Store)(nil)
	_ History = (*ControlClient)(nil)
)

// ReplayConfig configures a Replayer.
type ReplayConfig struct {
	History History
	// Targets are where events go, routed by path as forwarding does; a ReplayItem's
	// URL overrides them.
	Targets []ForwardTarget
	Mode    ReplayMode
	// Secret signs resign and edited replays; "" takes the first of Secrets(path).
	Secret  string
	Secrets SecretSource
	HMAC    sig.HMACConfig // for events of the configurable "hmac" scheme
	// Tolerance is when a captured timestamp counts as stale; default sig.DefaultTolerance.
	Tolerance time.Duration
	// Concurrency is how many replays are in flight; 1 (the default) keeps strict order.
	Concurrency int
	Timeout     time.Duration // per request; default DefaultDeliveryTimeout
	Client      *http.Client
	// Progress is told of each finished item, one call at a time, in completion order.
	Progress func(ReplayProgress)
	// Appender records the event an edited replay sends (the console's *store.Store);
	// without it edited replays are refused.
	Appender interface{ Append(*payloads.Event) error }
	Hub      *Hub       // derived events are published here too, when set
	Forward  *Forwarder // told of redeliveries, so its failed list shrinks
	Now      func() time.Time
}

// errRejected: the listener refused the event and kept no body to replay.
var errRejected = errors.New("the listener refused this event and kept no body to send")

// ReplayItem is one event to replay: by ID, or an event already loaded with its body.
// URL, when set, is the exact destination (no path mapping), as Forwarder.Failed gives it.
type ReplayItem struct {
	ID    string
	URL   string
	Event *payloads.Event
}

// ReplayResult is one replay of one event to one URL.
type ReplayResult struct {
	EventID string
	Mode    ReplayMode       // the mode used (auto resolved)
	Attempt payloads.Attempt // what happened; recorded on the event when Recorded
	// Err is set when nothing could be sent (event not found, no target, no secret).
	Err      error
	Recorded bool
	// Unrestored names what the history keeps redacted and the replay could not give
	// back, so it was sent without them: header names ("Authorization") and query
	// parameters ("?token"). The attempt's Warning says so too.
	Unrestored []string
}

// OK reports whether the target answered 2xx.
func (r ReplayResult) OK() bool { return r.Err == nil && AttemptOK(r.Attempt) }

// Stale reports whether the captured signature was older than the tolerance.
func (r ReplayResult) Stale() bool { return strings.HasPrefix(r.Attempt.Warning, "stale:") }

// ReplayProgress is reported after each item.
type ReplayProgress struct {
	Done, Total int // items
	Results     []ReplayResult
	Elapsed     time.Duration
}

// ReplaySummary counts what a replay run did.
type ReplaySummary struct {
	Events  int // items processed
	Sent    int // requests made (an event routed to several targets counts each)
	OK      int // 2xx answers
	Failed  int // everything else, including events that could not be sent
	Stale   int // captured replays whose signed timestamp was too old
	Elapsed time.Duration
}

// Rate is events per second.
func (s ReplaySummary) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Events) / s.Elapsed.Seconds()
}

// Replayer sends stored events again and records each attempt on its event.
type Replayer struct {
	cfg       ReplayConfig
	client    *http.Client
	ownClient bool
}

// NewReplayer checks cfg and prepares a replayer.
func NewReplayer(cfg ReplayConfig) (*Replayer, error) {
	if cfg.History == nil {
		return nil, errors.New("replay: no history")
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 1
	}
	if cfg.Tolerance <= 0 {
		cfg.Tolerance = sig.DefaultTolerance
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultDeliveryTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Mode == ReplayEdited {
		return nil, errors.New("replay: edited replays take a new body: use ReplayEdited")
	}
	r := &Replayer{cfg: cfg, client: cfg.Client}
	if r.client == nil {
		r.client = newDeliveryClient(cfg.Concurrency)
		r.ownClient = true
	}
	return r, nil
}

// release lets go of the connections a run kept open, when the client is ours.
func (r *Replayer) release() {
	if r.ownClient {
		r.client.CloseIdleConnections()
	}
}

// ReplayIDs replays the events with these IDs, in this order.
func (r *Replayer) ReplayIDs(ctx context.Context, ids ...string) (ReplaySummary, error) {
	items := make([]ReplayItem, len(ids))
	for i, id := range ids {
		items[i] = ReplayItem{ID: id}
	}
	return r.Replay(ctx, items)
}

// ReplayFilter replays every stored event the filter query matches, oldest first.
func (r *Replayer) ReplayFilter(ctx context.Context, query string) (ReplaySummary, error) {
	ids, err := MatchingIDs(r.cfg.History, query)
	if err != nil {
		return ReplaySummary{}, err
	}
	return r.ReplayIDs(ctx, ids...)
}

// MatchingIDs lists the IDs of the stored events query matches, oldest first.
func MatchingIDs(h store.Reader, query string) ([]string, error) {
	var ids []string
	err := eachEvent(h, query, func(ev *payloads.Event) { ids = append(ids, ev.ID) })
	return ids, err
}

// FailedItems lists, oldest first, the stored events query matches whose latest
// delivery to a forward target failed, each with that target's URL.
func FailedItems(h store.Reader, query string) ([]ReplayItem, error) {
	var items []ReplayItem
	err := eachEvent(h, query, func(ev *payloads.Event) {
		for _, u := range FailedForwardURLs(ev) {
			items = append(items, ReplayItem{ID: ev.ID, URL: u})
		}
	})
	return items, err
}

// FailedForwardURLs are the URLs ev was forwarded to whose latest attempt (forward or
// replay) got no 2xx, in the order they were first forwarded to.
func FailedForwardURLs(ev *payloads.Event) []string {
	var urls []string
	latest := map[string]payloads.Attempt{}
	for _, a := range ev.Attempts {
		if _, seen := latest[a.Target]; !seen && a.Mode == ModeForward {
			urls = append(urls, a.Target)
		}
		if prev, ok := latest[a.Target]; !ok || !a.At.Before(prev.At) {
			latest[a.Target] = a
		}
	}
	out := urls[:0]
	for _, u := range urls {
		if !AttemptOK(latest[u]) {
			out = append(out, u)
		}
	}
	return out
}

const listPage = 1000

func eachEvent(h store.Reader, query string, fn func(*payloads.Event)) error {
	var cursor uint64
	for {
		page, err := h.List(store.ListOptions{Query: query, Cursor: cursor, Limit: listPage, OldestFirst: true})
		if err != nil {
			return fmt.Errorf("replay: listing the events to replay: %w", err)
		}
		for _, ev := range page.Events {
			fn(ev)
		}
		if page.Next == 0 {
			return nil
		}
		cursor = page.Next
	}
}

// Replay replays items: in order, one at a time with Concurrency 1, otherwise up to
// Concurrency at once (started in order). It returns once every attempt is recorded;
// the error says the run could not complete (ctx ended, attempts not recorded), not
// that an app answered badly, which the summary counts.
func (r *Replayer) Replay(ctx context.Context, items []ReplayItem) (ReplaySummary, error) {
	start := time.Now()
	defer r.release()
	writer := newAttemptWriter(r.cfg.History, nil)
	jobs := make(chan ReplayItem)
	results := make(chan []ReplayResult)
	var workers sync.WaitGroup
	for range min(r.cfg.Concurrency, max(len(items), 1)) {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for it := range jobs {
				if ctx.Err() != nil {
					continue // stopping: what was not started is not replayed
				}
				results <- r.replayOne(ctx, it, writer)
			}
		}()
	}
	go func() {
		defer close(jobs)
		for _, it := range items {
			if ctx.Err() != nil {
				return
			}
			select {
			case jobs <- it:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { workers.Wait(); close(results) }()

	var sum ReplaySummary
	for res := range results {
		sum.Events++
		for _, one := range res {
			if one.Err == nil {
				sum.Sent++
			}
			switch {
			case one.OK():
				sum.OK++
			default:
				sum.Failed++
			}
			if one.Stale() {
				sum.Stale++
			}
		}
		if r.cfg.Progress != nil {
			r.cfg.Progress(ReplayProgress{Done: sum.Events, Total: len(items), Results: res, Elapsed: time.Since(start)})
		}
	}
	err := writer.wait()
	sum.Elapsed = time.Since(start)
	if ctx.Err() != nil && sum.Events < len(items) {
		err = errors.Join(fmt.Errorf("replay: stopped after %d of %d events: %w", sum.Events, len(items), ctx.Err()), err)
	}
	return sum, err
}

// replayOne sends one item to its URL(s) and hands the attempts to writer.
func (r *Replayer) replayOne(ctx context.Context, it ReplayItem, writer *attemptWriter) []ReplayResult {
	ev := it.Event
	if ev == nil {
		got, err := r.cfg.History.Get(it.ID)
		if err != nil {
			return []ReplayResult{{EventID: it.ID, Err: fmt.Errorf("replay: %w", err)}}
		}
		ev = got
	}
	if ev.Rejected != "" {
		return []ReplayResult{{EventID: ev.ID, Err: fmt.Errorf("replay: %w (%s)", errRejected, ev.Rejected)}}
	}
	urls, err := r.urls(ev, it.URL)
	if err != nil {
		return []ReplayResult{{EventID: ev.ID, Err: err}}
	}
	mode, secret := r.resolveMode(ev)
	out := make([]ReplayResult, 0, len(urls))
	for _, u := range urls {
		res := ReplayResult{EventID: ev.ID, Mode: mode}
		d, warning, err := r.build(ev, mode, secret, u)
		if err != nil {
			res.Err = err
			res.Attempt = payloads.Attempt{Target: u, Mode: string(mode), At: time.Now().UTC(), Error: err.Error()}
		} else {
			res.Attempt = send(ctx, r.client, d, string(mode), r.cfg.Timeout)
			res.Attempt.Warning = withWarning(warning, res.Attempt.Warning)
			res.Unrestored = d.unrestored
		}
		// A request that could not be built is recorded too: the event was not redelivered.
		writer.add(ForwardResult{EventID: ev.ID, Attempt: res.Attempt})
		res.Recorded = true
		if res.OK() && r.cfg.Forward != nil {
			r.cfg.Forward.Delivered(ev.ID, u)
		}
		out = append(out, res)
	}
	return out
}

// urls are where ev goes: the item's own URL, or the routed targets.
func (r *Replayer) urls(ev *payloads.Event, exact string) ([]string, error) {
	if exact != "" {
		return []string{exact}, nil
	}
	if len(r.cfg.Targets) == 0 {
		return nil, errors.New("replay: no target (pass --to URL or configure --forward-to)")
	}
	targets := RouteTargets(r.cfg.Targets, ev.Path)
	if len(targets) == 0 {
		return nil, fmt.Errorf("replay: no target covers path \"%s\"", safeText(ev.Path))
	}
	urls := make([]string, len(targets))
	for i, t := range targets {
		urls[i] = t.URLFor(ev.Path, ev.Query)
	}
	return urls, nil
}

// resolveMode turns auto into captured or resign, and finds the signing secret.
func (r *Replayer) resolveMode(ev *payloads.Event) (ReplayMode, string) {
	secret := r.secretFor(ev)
	if r.cfg.Mode != ReplayAuto {
		return r.cfg.Mode, secret
	}
	if Timestamped(eventScheme(ev)) && secret != "" {
		return ReplayResign, secret
	}
	return ReplayCaptured, secret
}

func (r *Replayer) secretFor(ev *payloads.Event) string {
	if r.cfg.Secret != "" {
		return r.cfg.Secret
	}
	if r.cfg.Secrets != nil {
		for _, s := range r.cfg.Secrets(ev.Path) {
			if s != "" {
				return s
			}
		}
	}
	return ""
}

// build is the request a replay of ev to url sends in mode, and a warning for it.
func (r *Replayer) build(ev *payloads.Event, mode ReplayMode, secret, url string) (delivery, string, error) {
	d := newDelivery(ev, url, url, r.cfg.Secrets)
	now := r.cfg.Now()
	switch mode {
	case ReplayCaptured:
		return d, staleWarning(ev, now, r.cfg.Tolerance), nil
	case ReplayResign:
		scheme := eventScheme(ev)
		if scheme == "" {
			return d, "", fmt.Errorf("replay: %w", errNoScheme)
		}
		s := signer{scheme: scheme, secret: secret, hmac: r.cfg.HMAC, now: now}
		if err := s.sign(d.header, d.method, d.url, d.body); err != nil {
			return d, "", fmt.Errorf("replay: %w", err)
		}
		return d, "", nil
	}
	return d, "", fmt.Errorf("replay: mode %q is not one a replay run takes", mode)
}
