package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/tunnel"
)

// serverFlags are the flags of the commands that run a listener (listen, console).
type serverFlags struct {
	readFlags
	addr      string
	secrets   []string
	scheme    string
	maxBody   int64
	tolerance time.Duration
	retention int
	profile   string
	forwardTo []string
	forwardN  int
	retryFor  time.Duration
	respond   string
	public    publicFlags
}

func (sf *serverFlags) register(fs *pflag.FlagSet) {
	sf.readFlags.register(fs)
	fs.StringVar(&sf.addr, "addr", defaultAddr, "listen address (host:port; loopback unless you mean it)")
	fs.StringArrayVar(&sf.secrets, "secret", nil, "webhook secret, repeat for rotation (default $DEXRA_WEBHOOK_SECRET or the config's; a flag is visible to other users in the process list, so prefer those)")
	fs.StringVar(&sf.scheme, "scheme", "auto", "signature scheme: auto or one of "+strings.Join(sig.Names(), ", "))
	fs.Int64Var(&sf.maxBody, "max-body", defaultMaxBody, "largest accepted body in bytes")
	fs.DurationVar(&sf.tolerance, "tolerance", sig.DefaultTolerance, "accepted clock skew for timestamped schemes")
	fs.IntVar(&sf.retention, "retention", store.DefaultRetention, "keep the newest N events (-1 keeps all)")
	fs.StringVar(&sf.profile, "profile", "sandbox", "sandbox or production")
	fs.StringArrayVar(&sf.forwardTo, "forward-to", nil, "forward each event to your app: URL, or /prefix=URL to route by path (repeat)")
	fs.StringVar(&sf.respond, "respond", "200", "the listener's answer, to exercise retries: STATUS[,delay=DUR][,rate=FRACTION][,retry-after=S] or timeout")
	fs.IntVar(&sf.forwardN, "forward-concurrency", 1, "deliveries in flight per forward target (1 keeps arrival order)")
	fs.DurationVar(&sf.retryFor, "forward-retry-for", tunnel.DefaultRetryFor, "how long a failed forward is retried, with backoff, before it is given up (0 never retries)")
	sf.public.register(fs)
}

// resolve applies flags over env, file and defaults.
func (sf *serverFlags) resolve(a *App, fs *pflag.FlagSet) (Config, error) {
	cfg, err := a.loadConfig(sf.config)
	if err != nil {
		return cfg, err
	}
	if fs.Changed("db") {
		cfg.DB = sf.db
	}
	if fs.Changed("addr") {
		cfg.Addr = sf.addr
	}
	if cfg.DB == "" {
		return cfg, errNoHome
	}
	if fs.Changed("secret") {
		cfg.Secrets = sf.secrets
	}
	if fs.Changed("scheme") {
		cfg.Scheme = sf.scheme
	}
	if fs.Changed("max-body") {
		cfg.MaxBody = sf.maxBody
	}
	if fs.Changed("tolerance") {
		cfg.Tolerance = sf.tolerance
	}
	if fs.Changed("retention") {
		cfg.Retention = sf.retention
	}
	if fs.Changed("profile") {
		cfg.Profile = sf.profile
	}
	if err := validateAddr(cfg.Addr); err != nil {
		return cfg, usagef("--addr: %v", err)
	}
	if fs.Changed("forward-to") {
		targets, err := tunnel.ParseForwardTargets(sf.forwardTo)
		if err != nil {
			return cfg, usagef("--forward-to: %v", err)
		}
		cfg.Forward = targets
	}
	respond, err := tunnel.ParseRespond(sf.respond)
	if err != nil {
		return cfg, usagef("--respond: %v", err)
	}
	cfg.Respond = respond
	if sf.forwardN < 1 {
		return cfg, usagef("--forward-concurrency must be 1 or more")
	}
	cfg.ForwardConcurrency = sf.forwardN
	switch {
	case sf.retryFor < 0:
		return cfg, usagef("--forward-retry-for must be 0 (no retries) or more")
	case sf.retryFor == 0:
		cfg.ForwardRetryFor = -1
	default:
		cfg.ForwardRetryFor = sf.retryFor
	}
	if err := sig.ParseScheme(cfg.Scheme); err != nil {
		return cfg, usagef("%v", err)
	}
	for _, src := range cfg.Sources {
		if src.Scheme == "" {
			continue
		}
		if err := sig.ParseScheme(src.Scheme); err != nil {
			return cfg, usagef("source %s: %v", src.Prefix, err)
		}
	}
	if cfg.MaxBody <= 0 {
		return cfg, usagef("--max-body must be positive")
	}
	if cfg.Profile != "sandbox" && cfg.Profile != "production" {
		return cfg, usagef("--profile must be sandbox or production, not %q", cfg.Profile)
	}
	if err := sf.public.resolve(&cfg, fs, a.environ()); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// server is a running listener over an open history, with its control socket.
type server struct {
	cfg       Config
	store     *store.Store
	hub       *tunnel.Hub
	listener  *tunnel.Listener
	control   *tunnel.ControlServer
	forwarder *tunnel.Forwarder // nil without --forward-to
	public    *publicSide       // --tunnel and --relay; no engines without them
	responder *tunnel.Responder
	url       string
	generated generated // values made up on this run, shown once
	serveErr  chan error
	events    *tunnel.Subscription // every committed event, for the printer or the console
}

// failed delivers the error that stopped the listener, if it stops on its own.
func (s *server) failed() <-chan error { return s.serveErr }

// serverHooks are how a running server tells its owner (listen, the console) what
// happens; any may be nil.
type serverHooks struct {
	// log hears what an operator needs: failed commits, refused requests, forward failures.
	log *slog.Logger
	// warn hears background failures such as pruning, which close reports otherwise.
	warn func(error)
	// forwarded hears each forward attempt once it is recorded.
	forwarded func(tunnel.ForwardResult)
}

// commitState logs when the history starts failing to commit (a full disk: the
// listener answers 503) and when it heals by itself.
func (h serverHooks) commitState(health store.Health) {
	if health.Failing {
		h.log.Error("history: commits failing; the listener answers 503 until they work again (retrying)", "err", health.Err)
		return
	}
	h.log.Info("history: commits work again; " + health.String())
}

// startServer opens the history and starts the listener.
func startServer(cfg Config, hooks serverHooks) (*server, error) {
	if hooks.log == nil {
		hooks.log = slog.New(slog.DiscardHandler)
	}
	generated, err := generateMissing(&cfg)
	if err != nil {
		return nil, err
	}
	_, statErr := os.Stat(cfg.DB)
	created := errors.Is(statErr, fs.ErrNotExist)
	st, err := store.Open(cfg.DB, store.Options{Timeout: time.Second, Retention: cfg.Retention, OnPruneError: hooks.warn,
		Warn: func(msg string) { hooks.log.Warn(msg) }, OnCommitState: hooks.commitState})
	if err != nil {
		return nil, err
	}
	s, err := serveHistory(cfg, st, generated, hooks)
	if err != nil && created {
		// A failed start leaves no new file behind (the history was made for this run).
		os.Remove(cfg.DB)
	}
	return s, err
}

// serveHistory starts the listener, control socket and forwarder over st; on failure
// it closes st.
func serveHistory(cfg Config, st *store.Store, generated generated, hooks serverHooks) (*server, error) {
	log := hooks.log
	var err error
	s := &server{cfg: cfg, store: st, hub: tunnel.NewHub(), generated: generated, responder: tunnel.NewResponder(cfg.Respond)}
	s.hub.ReadBehind(historyRange(st))
	s.listener = tunnel.NewPublicListener(tunnel.Config{
		Addr:        cfg.Addr,
		MaxBody:     cfg.MaxBody,
		Verify:      payloads.VerifyConfig{Scheme: cfg.Scheme, Secrets: cfg.Secrets, Tolerance: cfg.Tolerance},
		Routes:      cfg.routes(),
		Responder:   s.responder,
		VerifyToken: cfg.VerifyToken,
		Redact:      cfg.Redaction,
		Logger:      log,
	}, st, s.hub)
	if _, err := s.listener.Listen(); err != nil {
		st.Close()
		return nil, fmt.Errorf("starting the listener on %s: %w (is another program using that port? pass --addr)", cfg.Addr, err)
	}
	s.url = s.listener.URL()
	s.control, err = tunnel.ServeControl(tunnel.ControlSocketPath(cfg.DB), st, log)
	if err != nil {
		s.listener.Shutdown(context.Background())
		st.Close()
		return nil, fmt.Errorf("opening the control socket for other dexra-tui commands: %w", err)
	}
	s.control.SetListenURL(s.url)
	if len(cfg.Forward) > 0 {
		s.forwarder, err = tunnel.NewForwarder(tunnel.ForwardConfig{
			Targets:     cfg.Forward,
			Concurrency: cfg.ForwardConcurrency,
			Recorder:    st,
			Secrets:     tunnel.ListenerSecrets(cfg.Secrets, cfg.routes()),
			Redact:      cfg.Redaction,
			Logger:      log,
			Retry:       tunnel.RetryPolicy{For: cfg.ForwardRetryFor},
			OnAttempt:   hooks.forwarded,
		})
		if err != nil {
			s.listener.Shutdown(context.Background())
			s.control.Close()
			st.Close()
			return nil, fmt.Errorf("starting forwarding: %w", err)
		}
		s.forwarder.Start(s.hub)
		s.control.SetForwarder(s.forwarder) // replay --failed from another terminal asks it first
	}
	// Subscribed before anything can deliver: the first events, relayed ones included,
	// are printed and shown too.
	s.events = s.hub.Subscribe()
	if s.public, err = startPublic(cfg, s.listener); err != nil {
		s.events.Close()
		s.listener.Shutdown(context.Background())
		if s.forwarder != nil {
			s.forwarder.Stop(context.Background())
		}
		s.control.Close()
		st.Close()
		return nil, err
	}
	if generated.any() {
		// Saved only now that the run is sure to show them.
		if err := saveGenerated(cfg.File, generated); err != nil {
			s.close()
			return nil, err
		}
	}
	s.serveErr = make(chan error, 1)
	go func() { s.serveErr <- s.listener.Serve() }()
	return s, nil
}

// close stops taking requests, lets in-flight ones finish, then closes the history.
func (s *server) close() error {
	errPublic := s.public.close() // nothing public may reach a listener that is going away
	errListener := withTimeout(10*time.Second, s.listener.Shutdown)
	s.hub.Close()
	var errForward error
	if s.forwarder != nil {
		// After the hub closed: deliver what is queued; the rest is resumed at the next
		// start (a history with cursors) or recorded as forward-failed.
		// What resumes at the next start gets a short grace: an app that hangs must not
		// hold a Ctrl-C for the whole of a delivery's timeout.
		grace := forwardStopGrace
		if s.forwarder.Resumes() {
			grace = forwardStopGraceResumed
		}
		errForward = withTimeout(grace, s.forwarder.Stop)
	}
	errControl := s.control.Close()
	// The printer may still be reading events back from the history: let it finish
	// (the console closes its subscription before this).
	select {
	case <-s.events.Done():
	case <-time.After(10 * time.Second):
	}
	errStore := s.store.Close()
	return errors.Join(errPublic, errListener, errForward, errControl, errStore)
}

// How long a stop lets the forwarder deliver what it holds: long enough for an app
// that answers, short when what is left is forwarded at the next start anyway.
const (
	forwardStopGrace        = 10 * time.Second
	forwardStopGraceResumed = 2 * time.Second
)

// withTimeout gives one shutdown stage its own time.
func withTimeout(d time.Duration, stop func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return stop(ctx)
}

// historyRange reads stored events by seq, for subscribers that fell far behind.
func historyRange(st *store.Store) tunnel.HistoryRange {
	return func(from, to uint64, limit int) ([]*payloads.Event, error) {
		if to < from {
			return nil, nil
		}
		limit = int(min(uint64(limit), to-from+1))
		page, err := st.List(store.ListOptions{Cursor: from - 1, Limit: limit, OldestFirst: true, WithBody: true})
		if err != nil {
			return nil, err
		}
		evs := page.Events
		for len(evs) > 0 && evs[len(evs)-1].Seq > to {
			evs = evs[:len(evs)-1]
		}
		return evs, nil
	}
}
