package tunnel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
)

// Listener defaults.
const (
	DefaultAddr              = "127.0.0.1:4242"
	DefaultMaxBody           = 5 << 20 // 5 MiB
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	// DefaultMaxHeaderBytes is net/http's own 1 MiB: 10,000 small headers fit and are
	// recorded; a header block larger than this is answered 431 by net/http and not recorded.
	DefaultMaxHeaderBytes = http.DefaultMaxHeaderBytes
)

// Config says where the listener binds and how it checks what it receives.
// Zero values take the defaults above.
type Config struct {
	Addr              string
	MaxBody           int64
	Verify            payloads.VerifyConfig // the default source; BaseURL empty: from each request's Host
	Routes            []Route               // per-path sources; the longest matching prefix wins
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int
	// MaxConns bounds the connections held open; 0 derives it from RLIMIT_NOFILE
	// (connLimitFor: 704 under 1,024), leaving descriptors for the history, its log and
	// the control socket. Past it, idle keep-alive connections are closed first.
	MaxConns int
	// Logger hears what an operator needs: failed commits (once, then a count, then
	// the recovery), refused requests, panics. Untrusted text in it is escaped.
	Logger *slog.Logger // nil: no logs
	// Redact says which header and query values the history keeps redacted; nil: the
	// defaults (store.DefaultRedactHeaders, store.DefaultRedactQuery). The forwarder
	// still gets them as received, from memory.
	Redact *store.Redaction
	// Responder simulates failing answers (--respond); nil always answers 200.
	Responder *Responder
	// VerifyToken answers Meta's subscription handshake (hub.verify_token).
	VerifyToken string
}

// Route overrides the signature scheme and secrets for paths under Prefix.
type Route struct {
	Prefix  string
	Scheme  string   // empty: keep Config.Verify.Scheme
	Secrets []string // empty: keep Config.Verify.Secrets
}

// appender is the part of the store the listener writes through.
type appender interface {
	Append(ev *payloads.Event) error
}

// Listener receives webhooks, records each one durably, and only then answers.
type Listener struct {
	cfg    Config
	store  appender
	hub    *Hub
	log    *slog.Logger
	server *http.Server

	commits  commitWatch
	throttle *throttle

	mu      sync.Mutex
	ln      net.Listener
	limiter *connLimiter

	// stopping ends simulated delays and holds, so Shutdown never waits on them.
	stopping chan struct{}
	stopOnce sync.Once
}

// NewListener prepares a listener that commits to st and publishes to hub (hub may be nil).
func NewListener(cfg Config, st *store.Store, hub *Hub) *Listener {
	return newListener(cfg, st, hub)
}

func newListener(cfg Config, st appender, hub *Hub) *Listener {
	cfg = cfg.withDefaults()
	l := &Listener{cfg: cfg, store: st, hub: hub, log: cfg.Logger, throttle: newThrottle(), stopping: make(chan struct{})}
	l.commits.now = time.Now
	l.server = &http.Server{
		ConnState: func(c net.Conn, state http.ConnState) {
			if tc, ok := c.(*trackedConn); ok {
				tc.lim.connState(tc, state)
			}
		},
		Handler:           http.HandlerFunc(l.serveHTTP),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	return l
}

func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.MaxBody <= 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.ReadHeaderTimeout <= 0 {
		c.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = DefaultReadTimeout
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.MaxHeaderBytes <= 0 {
		c.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if c.MaxConns <= 0 {
		c.MaxConns = connLimitFor(descriptorLimit())
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Listen binds the configured address and returns the address actually bound
// (so ":0" gives the chosen port).
func (l *Listener) Listen() (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ln != nil {
		return "", errors.New("listener: already listening on " + l.ln.Addr().String())
	}
	ln, err := net.Listen("tcp", l.cfg.Addr)
	if err != nil {
		return "", fmt.Errorf("listener: bind %s: %w", l.cfg.Addr, err)
	}
	l.limiter = newConnLimiter(ln, l.cfg.MaxConns, func(status, remote string) { l.logRefused(status, remote, "") })
	l.ln = l.limiter
	return ln.Addr().String(), nil
}

// Addr is the bound address, or "" before Listen.
func (l *Listener) Addr() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ln == nil {
		return ""
	}
	return l.ln.Addr().String()
}

// URL is the base URL senders use, e.g. "http://127.0.0.1:4242", or "" before Listen.
func (l *Listener) URL() string {
	if a := l.Addr(); a != "" {
		return "http://" + a
	}
	return ""
}

// Serve answers requests until Shutdown; it returns nil after a Shutdown.
func (l *Listener) Serve() error {
	l.mu.Lock()
	ln := l.ln
	l.mu.Unlock()
	if ln == nil {
		return errors.New("listener: Serve called before Listen")
	}
	if err := l.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("listener: serve %s: %w", ln.Addr(), err)
	}
	return nil
}

// Shutdown stops accepting, lets in-flight requests finish (until ctx ends), and
// returns. It does not close the store or the hub: the caller owns them.
func (l *Listener) Shutdown(ctx context.Context) error {
	l.stopOnce.Do(func() { close(l.stopping) })
	err := l.server.Shutdown(ctx)
	if err != nil {
		l.server.Close() // out of time: no handler may outlive the store the caller closes next
	}
	l.mu.Lock()
	if l.ln != nil {
		_ = l.ln.Close() // bound but never served; already closed otherwise
	}
	l.mu.Unlock()
	if err != nil {
		return fmt.Errorf("listener: shutdown: %w", err)
	}
	return nil
}
