package tunnel

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
)

// ForwardConfig configures a Forwarder.
type ForwardConfig struct {
	Targets []ForwardTarget
	// Concurrency is how many deliveries each target has in flight; 1 (the default)
	// delivers strictly in arrival order.
	Concurrency int
	Timeout     time.Duration // per delivery; default DefaultDeliveryTimeout
	Recorder    AttemptRecorder
	// Secrets restores a secret-token header the history redacts (Telegram's) from
	// the configured secret that verified it; nil drops such headers.
	Secrets SecretSource
	Client  *http.Client // nil: a client made for forwarding
	// Retry is how failed forwards are tried again (the zero value: the defaults).
	Retry RetryPolicy
	// OnAttempt is told of each attempt once it is recorded (res.Err says if recording
	// failed), from a background goroutine; it must return quickly.
	OnAttempt func(res ForwardResult)
	// Logger hears failed deliveries (throttled per target) and recoveries.
	Logger *slog.Logger
	// Redact is the listener's Config.Redact: the query values it names are sent as
	// received but recorded redacted in each attempt's target URL. nil: the defaults.
	Redact *store.Redaction
}

// Forwarder delivers every committed event to the developer's app. It takes events
// from its own hub subscription (unbounded and in order), so the listener never waits
// for it; each target has its own queue and workers, so a down or slow target delays
// only its own events. Every delivery is recorded on the event as an attempt.
type Forwarder struct {
	cfg      ForwardConfig
	client   *http.Client
	queues   []*targetQueue
	writer   *attemptWriter
	log      *slog.Logger
	throttle *throttle
	failed   *failedSet
	sub      *Subscription
	workers  sync.WaitGroup

	retry      RetryPolicy
	dispatched chan struct{} // closed when the subscription has ended
	stopping   chan struct{} // closed when Stop begins: no more retries
	cursors    *cursorSaver  // nil when the recorder keeps no cursors
	// deliverCtx is canceled when Stop gives up, aborting deliveries in flight.
	deliverCtx context.Context
	abandon    context.CancelFunc

	ownClient bool
	aborted   atomic.Int64 // deliveries cut short by Stop
	unsettled atomic.Int64 // events a worker let go of because the forwarder stopped

	mu      sync.Mutex
	started bool
	stopped bool
}

// NewForwarder checks cfg and prepares a forwarder; Start sets it going.
func NewForwarder(cfg ForwardConfig) (*Forwarder, error) {
	if len(cfg.Targets) == 0 {
		return nil, errors.New("forwarder: no target")
	}
	if cfg.Recorder == nil {
		return nil, errors.New("forwarder: no recorder for the attempts")
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 1
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultDeliveryTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	f := &Forwarder{cfg: cfg, client: cfg.Client, log: cfg.Logger, throttle: newThrottle(), failed: newFailedSet(),
		dispatched: make(chan struct{}), stopping: make(chan struct{}), retry: cfg.Retry.withDefaults()}
	if f.client == nil {
		f.client = newDeliveryClient(cfg.Concurrency * len(cfg.Targets))
		f.ownClient = true
	}
	for i, t := range cfg.Targets {
		f.queues = append(f.queues, newTargetQueue(t, i))
	}
	f.deliverCtx, f.abandon = context.WithCancel(context.Background())
	f.writer = newAttemptWriter(cfg.Recorder, func(res ForwardResult) {
		if res.Err != nil {
			f.log.Error("forwarder: attempt not recorded", "id", res.EventID, "err", res.Err)
		}
		if cfg.OnAttempt != nil {
			cfg.OnAttempt(res)
		}
	})
	return f, nil
}

// Start subscribes to hub and begins forwarding every event published from now on.
// Call it before the listener serves so no event is missed.
func (f *Forwarder) Start(hub *Hub) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.started || f.stopped {
		return
	}
	f.started = true
	f.sub = hub.subscribeLive()
	history := hub.readBehind()
	for _, q := range f.queues {
		q.queue.history = history // behind a slow app, read events back, not hold them
	}
	order := &reorderer{now: time.Now}
	var lastSeq uint64
	if st, ok := f.cfg.Recorder.(interface{ Stats() (store.Stats, error) }); ok {
		// Events committed from now on follow the newest stored one.
		if stats, err := st.Stats(); err == nil {
			order.next, lastSeq = stats.LastSeq+1, stats.LastSeq
		}
	}
	if cs, ok := f.cfg.Recorder.(cursorStore); ok && history != nil && order.next != 0 {
		f.cursors = f.resume(cs, lastSeq)
	}
	for _, q := range f.queues {
		for range f.cfg.Concurrency {
			f.workers.Add(1)
			go f.work(q)
		}
	}
	go f.dispatch(order)
}

// dispatch routes each event to its targets' queues, in commit order (see
// reorderer); it never waits on a delivery.
func (f *Forwarder) dispatch(order *reorderer) {
	defer close(f.dispatched)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		var due <-chan time.Time
		if d, ok := order.wait(); ok {
			timer.Reset(d)
			due = timer.C
		}
		select {
		case ev, ok := <-f.sub.C():
			if !ok {
				f.route(order.flush())
				for _, q := range f.queues {
					q.finish()
				}
				return
			}
			f.route(order.add(ev))
		case <-due:
			f.route(order.ready())
		}
		timer.Stop()
	}
}

func (f *Forwarder) route(evs []*payloads.Event) {
	for _, ev := range evs {
		if !forwardable(ev) {
			continue
		}
		picked := routeIndexes(f.cfg.Targets, ev.Path)
		for _, i := range picked {
			f.queues[i].push(ev)
		}
		if len(picked) == 0 {
			f.log.Debug("forwarder: no target for this path", "id", ev.ID, "path", safeText(ev.Path))
		}
	}
}

// work delivers q's events one after another until q is finished and empty, or the
// forwarder gives up. With one worker a target's events are a FIFO: one that fails is
// retried (deliver) before the next is sent, so nothing newer overtakes it.
func (f *Forwarder) work(q *targetQueue) {
	defer f.workers.Done()
	for {
		ev, ok := q.next(f.deliverCtx)
		if !ok {
			return
		}
		if !f.routesTo(q, ev) || f.settledBefore(q, ev) {
			q.doneUnsent(ev.Seq) // read back on resume: not this target's, or delivered already
			continue
		}
		if f.deliver(q, ev) {
			q.settle(ev.Seq)
		} else if f.isStopping() {
			return // the rest is drained; a later start resumes from the cursor
		}
	}
}

// routesTo says whether ev goes to q's target (events read back on resume were not
// routed yet).
func (f *Forwarder) routesTo(q *targetQueue, ev *payloads.Event) bool {
	return forwardable(ev) && slices.Contains(routeIndexes(f.cfg.Targets, ev.Path), q.index)
}

// forwardable says whether ev is a webhook for the app. Not: a refused one (no body
// was kept); a derived one (the edited replay that made it sent it); an outbound one
// (a request we sent: a message, a handler check's probe); a platform's setup
// handshake, which the listener answered itself (the platform has its answer, and an
// app without that route would fail it and hold every later event behind it).
func forwardable(ev *payloads.Event) bool {
	return ev.Rejected == "" && ev.DerivedFrom == "" && ev.Direction != payloads.Outbound && !ev.IsHandshake()
}

// settledBefore: the event was delivered to q's target, or refused by it for good,
// before this forwarder started (its cursor had not been saved yet).
func (f *Forwarder) settledBefore(q *targetQueue, ev *payloads.Event) bool {
	url := f.recordedURL(q, ev)
	for _, a := range ev.Attempts {
		if a.Mode == ModeForward && a.Target == url && (AttemptOK(a) || !Retryable(a)) {
			return true
		}
	}
	return false
}

// logOutcome logs a failed delivery (at most one line per target per logEvery, with
// how many failed since) and a target that answers 2xx again after failing.
func (f *Forwarder) logOutcome(wasFailing bool, a payloads.Attempt, retrying bool) {
	target := a.Target
	if u, _, ok := strings.Cut(target, "?"); ok {
		target = u // the query may hold what the history keeps redacted: not for logs
	}
	if AttemptOK(a) {
		if wasFailing {
			f.log.Info("forwarder: target answers 2xx again", "target", safeText(target))
		}
		return
	}
	ok, held := f.throttle.allow(target)
	if !ok {
		return
	}
	why := a.Error
	if why == "" {
		why = fmt.Sprintf("answered %d", a.Status)
	}
	args := []any{"target", safeText(target), "why", safeText(why)}
	if held > 0 {
		args = append(args, "more_failures_since_last_line", held)
	}
	if retrying {
		f.log.Warn("forwarder: delivery failed; retrying with backoff, in order", args...)
		return
	}
	f.log.Warn("forwarder: delivery failed; it is recorded on the event and can be replayed", args...)
}

// recordedURL is where q sends ev, as the history may keep it: secret query values redacted.
func (f *Forwarder) recordedURL(q *targetQueue, ev *payloads.Event) string {
	query, _ := f.cfg.Redact.Query(ev.Query)
	return q.target.URLFor(ev.Path, query)
}

const abandonedError = "not forwarded: dexra-tui stopped before delivering it"

// Stop ends forwarding. Call it after Hub.Close (the listener has shut down) and
// before the history closes: it delivers everything still queued until ctx ends (no
// more retries), then aborts what is in flight. With a history that keeps cursors,
// what was not delivered is left for the next start to resume; otherwise each such
// event is recorded as a failed attempt, so it can be replayed later. If the hub is still open when ctx ends, the
// subscription is dropped with whatever it had not yet handed over.
func (f *Forwarder) Stop(ctx context.Context) error {
	f.mu.Lock()
	if f.stopped {
		f.mu.Unlock()
		return nil
	}
	f.stopped = true
	started := f.started
	f.mu.Unlock()
	if !started {
		return nil
	}
	close(f.stopping) // no more retries: what fails now waits for the next start

	select {
	case <-f.dispatched:
	case <-ctx.Done():
		f.sub.Close()
		<-f.dispatched
	}
	finished := make(chan struct{})
	go func() { f.workers.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-ctx.Done():
		f.abandon()
		<-finished
	}
	f.abandon()
	if f.ownClient {
		f.client.CloseIdleConnections()
	}

	left := int(f.aborted.Load() + f.unsettled.Load())
	for _, q := range f.queues {
		q.drain(func(ev *payloads.Event) {
			if !f.routesTo(q, ev) || f.settledBefore(q, ev) {
				return
			}
			left++
			if f.cursors != nil {
				return // never tried: the next start resumes it from the cursor, nothing to record
			}
			a := payloads.Attempt{Target: f.recordedURL(q, ev), Mode: ModeForward, At: time.Now().UTC(), Error: abandonedError}
			q.done(a, ev.Seq, false, time.Time{})
			f.failed.note(ev, a)
			f.writer.add(ForwardResult{EventID: ev.ID, Method: ev.Method, Attempt: a, Try: 1})
		})
	}
	err := f.writer.wait()
	if f.cursors != nil {
		err = errors.Join(err, f.cursors.close())
	}
	if left > 0 {
		what := "each is recorded as forward-failed (replay them with dexra-tui replay --failed)"
		if f.cursors != nil {
			what = "they are forwarded when dexra-tui starts again with the same --forward-to"
		}
		err = errors.Join(fmt.Errorf("forwarder: stopped with %d event(s) not delivered; %s", left, what), err)
	}
	return err
}

// Resumes says whether what Stop leaves undelivered is forwarded at the next start
// (the history keeps the forwarder's cursors), so a stop need not wait for it.
func (f *Forwarder) Resumes() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.started && f.cursors != nil
}

// Failed lists the events whose latest forward to a target failed, oldest first, each
// with the URL it failed on; replaying them in this order redelivers in arrival order.
func (f *Forwarder) Failed() []ReplayItem { return f.failed.list() }

// GivenUp is Failed without the events the forwarder still holds to retry: what a
// replay may send without racing the forwarder's own retries (R in the console).
func (f *Forwarder) GivenUp() []ReplayItem {
	var out []ReplayItem
	for _, it := range f.failed.listWithSeq() {
		held := false
		for _, q := range f.queues {
			if q.holds(it.seq) {
				held = true
				break
			}
		}
		if !held {
			out = append(out, it.ReplayItem)
		}
	}
	return out
}

// Delivered forgets a failure once the event reached url another way (a replay).
func (f *Forwarder) Delivered(id, url string) { f.failed.forget(id, url) }

// failedSet keeps the (event, URL) pairs whose last forward failed.
type failedSet struct {
	mu      sync.Mutex
	entries map[failedKey]uint64 // the event's seq, for ordering
}

type failedKey struct{ id, url string }

func newFailedSet() *failedSet { return &failedSet{entries: map[failedKey]uint64{}} }

func (s *failedSet) note(ev *payloads.Event, a payloads.Attempt) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := failedKey{ev.ID, a.Target}
	if AttemptOK(a) {
		delete(s.entries, k)
	} else {
		s.entries[k] = ev.Seq
	}
}

func (s *failedSet) forget(id, url string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.entries, failedKey{id, url})
}

type failedItem struct {
	ReplayItem
	seq uint64
}

func (s *failedSet) list() []ReplayItem {
	items := s.listWithSeq()
	out := make([]ReplayItem, len(items))
	for i, it := range items {
		out[i] = it.ReplayItem
	}
	return out
}

func (s *failedSet) listWithSeq() []failedItem {
	type entry struct {
		failedKey
		seq uint64
	}
	s.mu.Lock()
	all := make([]entry, 0, len(s.entries))
	for k, seq := range s.entries {
		all = append(all, entry{k, seq})
	}
	s.mu.Unlock()
	slices.SortFunc(all, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.seq, b.seq), cmp.Compare(a.id, b.id), cmp.Compare(a.url, b.url))
	})
	out := make([]failedItem, len(all))
	for i, e := range all {
		out[i] = failedItem{ReplayItem{ID: e.id, URL: e.url}, e.seq}
	}
	return out
}
