package relay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/dexra/dexra-tui/tunnel"
	"github.com/dexra/dexra-tui/tunnel/public"
)

// Options configure a relay. Zero values take the defaults.
type Options struct {
	// URL is the channel, e.g. https://smee.io/AbC123 (also where the platform posts).
	URL string
	// Path is the path relayed requests are given (the channel does not carry the
	// platform's own); default "/". Routes (sources) match on it.
	Path string
	// Handler is the listener's webhook handler ((*tunnel.Listener).Handler).
	Handler http.Handler
	Client  *http.Client // default: no overall timeout, 30 s for the channel to answer
	Logger  *slog.Logger
	OnState func(public.State)
	Backoff public.Backoff // default 1 s doubling to 1 min
	// Idle is how long the stream may be silent before it is taken as lost (smee pings
	// every 30 s); default 90 s.
	Idle time.Duration
	// MaxEvent bounds one event (default 16 MiB: a 5 MiB body and its headers, escaped).
	MaxEvent int
}

// Relay consumes a channel until Close, reconnecting with backoff.
type Relay struct {
	opts   Options
	st     *public.Status
	cancel context.CancelFunc
	done   chan struct{}

	mu        sync.Mutex
	delivered int
	dropped   int
}

// ParseURL checks a --relay value: URL, or /path=URL to give relayed requests a path.
func ParseURL(s string) (channel, path string, err error) {
	path = "/"
	if strings.HasPrefix(s, "/") {
		p, rest, ok := strings.Cut(s, "=")
		if !ok {
			return "", "", fmt.Errorf("relay %q: write /path=URL or just URL", s)
		}
		path, s = p, rest
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", "", fmt.Errorf("relay %q: want the channel's http(s) URL, e.g. https://smee.io/AbC123", s)
	}
	return u.String(), path, nil
}

// Start begins consuming the channel in the background.
func Start(ctx context.Context, opts Options) (*Relay, error) {
	if opts.Handler == nil {
		return nil, errors.New("relay: no webhook handler")
	}
	if _, _, err := ParseURL(opts.URL); err != nil {
		return nil, err
	}
	if opts.Path == "" {
		opts.Path = "/"
	}
	if opts.Client == nil {
		// No overall timeout (the stream is long), but a channel that never answers is
		// given up on; proxies from the environment are honoured.
		opts.Client = &http.Client{Transport: &http.Transport{
			Proxy: http.ProxyFromEnvironment, ResponseHeaderTimeout: 30 * time.Second, TLSHandshakeTimeout: 15 * time.Second,
		}}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Backoff.Min == 0 {
		opts.Backoff = public.Backoff{Min: time.Second, Max: time.Minute}
	}
	if opts.Idle <= 0 {
		opts.Idle = 90 * time.Second
	}
	if opts.MaxEvent <= 0 {
		opts.MaxEvent = 16 << 20
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &Relay{opts: opts, st: public.NewStatus("relay", opts.URL, opts.OnState), cancel: cancel, done: make(chan struct{})}
	go r.run(ctx)
	return r, nil
}

// State is the relay's state now; URL is the channel to paste into the dashboard.
func (r *Relay) State() public.State { return r.st.State() }

// Updates delivers the newest state after each change.
func (r *Relay) Updates() <-chan public.State { return r.st.Updates() }

// Counts are the events handed to the listener and those that could not be read.
func (r *Relay) Counts() (delivered, dropped int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.delivered, r.dropped
}

// Close stops consuming and waits.
func (r *Relay) Close() error {
	r.cancel()
	<-r.done
	return nil
}

func (r *Relay) run(ctx context.Context) {
	defer close(r.done)
	b := r.opts.Backoff
	lastID := ""
	for {
		r.st.Enter(public.Connecting, "", time.Time{})
		held, retry, err := r.consume(ctx, &lastID)
		if ctx.Err() != nil {
			r.st.Enter(public.Stopped, "", time.Time{})
			return
		}
		if held >= 30*time.Second {
			b.Reset()
		}
		wait := b.Next()
		if retry > wait {
			wait = retry // the stream asked for longer
		}
		r.opts.Logger.Debug("relay: down", "url", r.opts.URL, "err", err, "retry_in", wait)
		r.st.Enter(public.Down, err.Error(), time.Now().Add(wait))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			r.st.Enter(public.Stopped, "", time.Time{})
			return
		case <-t.C:
		}
	}
}

// consume reads one connection's events until it ends.
func (r *Relay) consume(ctx context.Context, lastID *string) (held, retry time.Duration, err error) {
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodGet, r.opts.URL, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("relay %s: %w", r.opts.URL, err)
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Cache-Control", "no-cache")
	if *lastID != "" {
		req.Header.Set("Last-Event-ID", *lastID)
	}
	resp, err := r.opts.Client.Do(req)
	if err != nil {
		return 0, 0, fmt.Errorf("connecting to the relay %s: %w", r.opts.URL, err)
	}
	defer resp.Body.Close()
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode != http.StatusOK || mt != "text/event-stream" {
		return 0, 0, fmt.Errorf("relay %s answered %s (%s), not an event stream: is it a smee.io channel URL?", r.opts.URL, resp.Status, mt)
	}
	idle := time.AfterFunc(r.opts.Idle, cancel)
	defer idle.Stop()
	up := time.Now()
	r.st.Up(r.opts.URL)
	r.opts.Logger.Debug("relay: connected", "url", r.opts.URL)

	sr := newSSEReader(resp.Body, r.opts.MaxEvent)
	sr.LastID = *lastID
	sr.onLine = func() { idle.Reset(r.opts.Idle) }
	for {
		ev, err := sr.Next()
		*lastID = sr.LastID
		if err != nil {
			if cctx.Err() != nil && ctx.Err() == nil {
				err = fmt.Errorf("the relay stream was silent for %s", r.opts.Idle)
			} else if errors.Is(err, io.EOF) {
				err = errors.New("the relay closed the stream")
			}
			return time.Since(up), sr.Retry, err
		}
		if ev.Type != "message" {
			continue // smee's "ready" and "ping"
		}
		r.deliver(ctx, []byte(ev.Data))
	}
}

// deliver hands one relayed webhook to the listener's handler, as if received.
func (r *Relay) deliver(ctx context.Context, data []byte) {
	d, err := decodeSmee(data)
	if err != nil {
		r.count(false)
		r.opts.Logger.Warn("relay: event not delivered", "url", r.opts.URL, "err", err)
		return
	}
	target := r.opts.Path
	if len(d.Query) > 0 {
		target += "?" + d.Query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(d.Body))
	if err != nil {
		r.count(false)
		r.opts.Logger.Warn("relay: event not delivered", "url", r.opts.URL, "err", err)
		return
	}
	req.Header = d.Header
	req.Header.Set(tunnel.ViaHeader, tunnel.ViaRelay+" "+r.opts.URL)
	req.Host = d.Host
	if req.Host == "" {
		req.Host = req.URL.Host
	}
	req.RemoteAddr = channelAddr(r.opts.URL)
	req.RequestURI = target
	w := &answer{header: http.Header{}}
	r.opts.Handler.ServeHTTP(w, req)
	r.count(true)
	if w.status >= 500 {
		r.opts.Logger.Error("relay: the listener did not accept a relayed event", "status", w.status)
	}
	if len(d.Skipped) > 0 {
		r.opts.Logger.Info("relay: headers not carried (invalid)", "count", len(d.Skipped))
	}
}

func (r *Relay) count(ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ok {
		r.delivered++
	} else {
		r.dropped++
	}
}

// channelAddr stands for where a relayed request came from: the channel's host:port.
func channelAddr(channel string) string {
	u, err := url.Parse(channel)
	if err != nil {
		return "relay"
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"https": "443", "http": "80"}[u.Scheme]
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// answer is the listener's reply to a relayed request; nobody waits for it but us.
type answer struct {
	header http.Header
	status int
}

func (a *answer) Header() http.Header { return a.header }
func (a *answer) WriteHeader(code int) {
	if a.status == 0 {
		a.status = code
	}
}
func (a *answer) Write(b []byte) (int, error) {
	if a.status == 0 {
		a.status = http.StatusOK
	}
	return len(b), nil
}
