// Package sandbox is a local emulator of a messaging platform: it answers the
// send-message API (Bearer key, validation, a message id), then walks each message
// through its channel's statuses and delivers every status as a signed webhook, with
// misbehaviour on purpose (latency, failures, 429 bursts, duplicates, out-of-order
// statuses, replies), all drawn from one seed so a run can be repeated.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"
)

// Webhook formats.
const (
	FormatDexatel = "dexatel" // seed 002's delivery report and message event (the default)
	FormatDexra   = "dexra"   // Dexra's events; shape assumed (the seed gives none)
)

// Defaults.
const (
	DefaultAddr      = "127.0.0.1:4243"
	DefaultKey       = "sk_sandbox_dexra_tui"
	DefaultStepDelay = 300 * time.Millisecond
)

// Config sets up a sandbox. Zero values take the defaults; rates are 0..1.
type Config struct {
	Key        string // the Bearer key the API accepts
	WebhookURL string // where status webhooks go ("" keeps them to the sandbox)
	Secret     string // signs the webhooks
	Format     string // FormatDexatel or FormatDexra
	AccountID  string // account_id in Dexatel bodies (default: from the seed)
	SenderID   string // the "to" of simulated replies
	Seed       uint64 // every random choice comes from it

	Latency     time.Duration // the API waits up to this long before answering
	FailureRate float64       // chance the API accepts the message but answers 500
	RateLimit   float64       // chance a request starts a burst of 429s
	BurstLength int           // 429s in a burst (default 3)
	RetryAfter  time.Duration // the 429's Retry-After (whole seconds, rounded down; default 1s)

	StepDelay  time.Duration // between a message's statuses (default 300ms; jittered ±50%)
	Duplicates float64       // chance a status webhook is delivered twice
	Reorder    float64       // chance a message's first two statuses arrive swapped
	Replies    float64       // chance the recipient replies
	ReplyDelay time.Duration // after the last status (default 1s)

	WebhookAttempts int           // tries of one webhook (default 5)
	WebhookBackoff  time.Duration // before the 2nd try, doubling (default 500ms)
	MaxInFlight     int           // webhooks being delivered at once (default 64)
	HTTP            *http.Client  // for webhooks (default: a client with a 10s timeout)
	// OnDelivery is told about every webhook try, from the delivering goroutine.
	OnDelivery func(Delivery)
}

func (c Config) withDefaults() (Config, error) {
	if c.Key == "" {
		c.Key = DefaultKey
	}
	switch c.Format {
	case "":
		c.Format = FormatDexatel
	case FormatDexatel, FormatDexra:
	default:
		return c, fmt.Errorf("sandbox: webhook format %q: want %s or %s", c.Format, FormatDexatel, FormatDexra)
	}
	if c.WebhookURL != "" && c.Secret == "" {
		return c, errors.New("sandbox: webhooks need a secret to be signed with (--secret, or the listener's)")
	}
	for name, r := range map[string]float64{"failure rate": c.FailureRate, "rate limit": c.RateLimit,
		"duplicates": c.Duplicates, "reorder": c.Reorder, "replies": c.Replies} {
		if r < 0 || r > 1 {
			return c, fmt.Errorf("sandbox: %s %v: want a chance from 0 to 1", name, r)
		}
	}
	if c.BurstLength <= 0 {
		c.BurstLength = 3
	}
	if c.RetryAfter <= 0 {
		c.RetryAfter = time.Second
	}
	if c.StepDelay <= 0 {
		c.StepDelay = DefaultStepDelay
	}
	if c.ReplyDelay <= 0 {
		c.ReplyDelay = time.Second
	}
	if c.WebhookAttempts <= 0 {
		c.WebhookAttempts = 5
	}
	if c.WebhookBackoff <= 0 {
		c.WebhookBackoff = 500 * time.Millisecond
	}
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = 64
	}
	if c.HTTP == nil {
		c.HTTP = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			MaxIdleConns: c.MaxInFlight, MaxIdleConnsPerHost: c.MaxInFlight, IdleConnTimeout: 30 * time.Second,
		}}
	}
	if c.AccountID == "" {
		c.AccountID = uuidFrom(rand.New(rand.NewPCG(c.Seed, 0)))
	}
	if c.SenderID == "" {
		c.SenderID = "+15550100000"
	}
	return c, nil
}

// Sandbox is one running emulator. It is an http.Handler (the API).
type Sandbox struct {
	cfg     Config
	handler http.Handler

	mu       sync.Mutex
	requests uint64 // send-message requests so far: the API's random stream
	made     uint64 // messages made so far: each message's random stream
	burst    int    // 429s left in the current burst
	cooldown bool   // the request after a burst is served
	idem     map[string]idemEntry
	messages map[string]*message
	kept     []kept            // messages in the order made, for forgetOldLocked
	convs    map[string]string // recipient → conversation id (Dexra replies)
	log      []Delivery

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	slots  chan struct{}

	server *http.Server
}

// New makes a sandbox; Close stops its deliveries.
func New(cfg Config) (*Sandbox, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Sandbox{
		cfg: cfg, idem: map[string]idemEntry{}, messages: map[string]*message{}, convs: map[string]string{},
		ctx: ctx, cancel: cancel, slots: make(chan struct{}, cfg.MaxInFlight),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/send-message", s.sendMessage)
	mux.HandleFunc("GET /v1/messages/{id}", s.getMessage)
	s.handler = mux
	return s, nil
}

// Config is the sandbox's configuration with defaults applied.
func (s *Sandbox) Config() Config { return s.cfg }

func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Serve answers the API on ln until Close.
func (s *Sandbox) Serve(ln net.Listener) error {
	s.mu.Lock()
	s.server = &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second}
	srv := s.server
	s.mu.Unlock()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("sandbox: serve: %w", err)
	}
	return nil
}

// Drain waits until every webhook scheduled so far has been delivered (or given up).
func (s *Sandbox) Drain(ctx context.Context) error {
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("sandbox: webhooks still being delivered: %w", ctx.Err())
	}
}

// Close stops the API server (if serving) and every pending delivery.
func (s *Sandbox) Close() error {
	s.mu.Lock()
	srv := s.server
	s.mu.Unlock()
	var err error
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err = srv.Shutdown(ctx)
		cancel()
	}
	s.cancel()
	s.wg.Wait()
	s.cfg.HTTP.CloseIdleConnections() // a dialed, unused connection would hold up the app's Shutdown
	return err
}

// Deliveries returns every webhook try so far (the newest maxLog), oldest first.
func (s *Sandbox) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.log...)
}

const maxLog = 100_000

func (s *Sandbox) record(d Delivery) {
	s.mu.Lock()
	if len(s.log) >= maxLog {
		s.log = append(s.log[:0], s.log[len(s.log)-maxLog/2:]...)
	}
	s.log = append(s.log, d)
	s.mu.Unlock()
	if s.cfg.OnDelivery != nil {
		s.cfg.OnDelivery(d)
	}
}

// uuidFrom is a version-4-shaped UUID drawn from r (repeatable for a seed).
func uuidFrom(r *rand.Rand) string {
	var b [16]byte
	for i := 0; i < 16; i += 8 {
		v := r.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hexd = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hexd[c>>4], hexd[c&15])
	}
	return string(out)
}
