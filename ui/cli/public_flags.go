package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"

	"github.com/spf13/pflag"

	"github.com/dexra/dexra-tui/tunnel"
	"github.com/dexra/dexra-tui/tunnel/public"
	"github.com/dexra/dexra-tui/tunnel/relay"
)

// publicFlags are the flags that give the listener a public side (listen, console).
type publicFlags struct {
	tunnel     string
	relays     []string
	requireSig bool
}

func (pf *publicFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&pf.tunnel, "tunnel", "", "a public URL for the listener: localhost.run, pinggy, serveo, ngrok ($NGROK_AUTHTOKEN), or ssh://[user@]host[:port] (your own sshd or sish)")
	fs.StringArrayVar(&pf.relays, "relay", nil, "take webhooks from a smee.io-compatible channel: URL, or /path=URL to give them a path (repeat)")
	fs.BoolVar(&pf.requireSig, "public-require-signature", false, "answer 401, recording nothing, to public requests whose signature does not pass")
}

// resolve applies the flags over the config file's tunnel key and checks them.
func (pf *publicFlags) resolve(cfg *Config, fs *pflag.FlagSet, env environment) error {
	if fs.Changed("tunnel") {
		cfg.Tunnel = pf.tunnel
	}
	if cfg.Tunnel != "" {
		target, err := public.ParseTarget(cfg.Tunnel)
		if err != nil {
			return usagef("--tunnel: %v", err)
		}
		if target.Engine == "ngrok" {
			if cfg.ngrokToken = strings.TrimSpace(env("NGROK_AUTHTOKEN")); cfg.ngrokToken == "" {
				return usagef("%v", public.ErrNoNgrokToken)
			}
		}
	}
	if home := env("HOME"); filepath.IsAbs(home) {
		cfg.sshDir = filepath.Join(home, ".ssh")
	}
	cfg.sshAgent = env("SSH_AUTH_SOCK")
	for _, r := range pf.relays {
		if _, _, err := relay.ParseURL(r); err != nil {
			return usagef("--relay: %v", err)
		}
	}
	cfg.Relays = pf.relays
	cfg.PublicRequireSignature = pf.requireSig
	if cfg.PublicRequireSignature && cfg.Tunnel == "" {
		return usagef("--public-require-signature guards a public URL: pass --tunnel too")
	}
	return nil
}

// publicEngine is a running tunnel (ssh or ngrok) or relay.
type publicEngine interface {
	State() public.State
	Updates() <-chan public.State
	Close() error
}

// publicSide is the listener's public side: at most one tunnel and any relays. The
// console reads States (and each engine's Updates); listen prints changes (reportTo).
type publicSide struct {
	engines []publicEngine
	mu      sync.Mutex
	out     io.Writer               // where state changes and logs go; nil: nowhere (the console)
	early   []string                // log lines from before out was set (reportTo prints them)
	printed map[string]public.State // the last state printed per engine, to print changes only
	changed chan struct{}           // a token after any engine's state changed (cap 1)
}

// startPublic starts the configured tunnel and relays over the listener's webhook
// handler; nothing is started when none is configured.
func startPublic(cfg Config, l *tunnel.Listener) (*publicSide, error) {
	p := &publicSide{changed: make(chan struct{}, 1)}
	if cfg.Tunnel == "" && len(cfg.Relays) == 0 {
		return p, nil
	}
	logger := slog.New(logLines{p: p})
	ctx := context.Background()
	if cfg.Tunnel != "" {
		target, err := public.ParseTarget(cfg.Tunnel)
		if err != nil {
			return nil, usagef("--tunnel: %v", err)
		}
		var e publicEngine
		if target.Engine == "ngrok" {
			e, err = public.StartNgrok(ctx, public.NgrokOptions{Authtoken: cfg.ngrokToken, Webhooks: l, RequireSignature: cfg.PublicRequireSignature, Logger: logger, OnState: p.report})
		} else {
			opts := public.Options{Target: target, Webhooks: l, RequireSignature: cfg.PublicRequireSignature, Logger: logger, OnState: p.report,
				AgentSocket: cmp.Or(cfg.sshAgent, "none")}
			if cfg.sshDir != "" {
				opts.KnownHosts = filepath.Join(cfg.sshDir, "known_hosts")
				opts.IdentityFiles = []string{}
				for _, name := range []string{"id_ed25519", "id_ecdsa", "id_rsa"} {
					opts.IdentityFiles = append(opts.IdentityFiles, filepath.Join(cfg.sshDir, name))
				}
			}
			e, err = public.StartSSH(ctx, opts)
		}
		if err != nil {
			return nil, fmt.Errorf("starting the tunnel: %w", err)
		}
		p.engines = append(p.engines, e)
	}
	for _, r := range cfg.Relays {
		channel, path, err := relay.ParseURL(r)
		if err != nil {
			p.close()
			return nil, usagef("--relay: %v", err)
		}
		e, err := relay.Start(ctx, relay.Options{URL: channel, Path: path, Handler: l.Handler(), Logger: logger, OnState: p.report})
		if err != nil {
			p.close()
			return nil, fmt.Errorf("starting the relay %s: %w", channel, err)
		}
		p.engines = append(p.engines, e)
	}
	return p, nil
}

// States are the engines' states now, tunnel first.
func (p *publicSide) States() []public.State {
	if p == nil {
		return nil
	}
	out := make([]public.State, 0, len(p.engines))
	for _, e := range p.engines {
		out = append(out, e.State())
	}
	return out
}

// reportTo prints every later state change and log line to w (listen's stderr).
func (p *publicSide) reportTo(w io.Writer) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.out = w
	for _, line := range p.early {
		fmt.Fprintln(w, line) // what the engines said while starting, such as a host key recorded
	}
	p.early = nil
	p.mu.Unlock()
	for _, s := range p.States() {
		p.report(s)
	}
}

// Changed receives a token after any engine's state changed; read States then. For the
// console: a tea.Cmd waits on it and returns the States as a message. Nil without engines.
func (p *publicSide) Changed() <-chan struct{} {
	if p == nil || len(p.engines) == 0 {
		return nil
	}
	return p.changed
}

func (p *publicSide) report(s public.State) {
	select {
	case p.changed <- struct{}{}:
	default: // a token is already waiting
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.out == nil {
		return
	}
	key := s.Engine + " " + s.Target
	was, seen := p.printed[key]
	if p.printed == nil {
		p.printed = map[string]public.State{}
	}
	p.printed[key] = s
	if seen && was.Phase == s.Phase && was.Err == s.Err && was.URL == s.URL {
		if s.Refused != was.Refused {
			fmt.Fprintf(p.out, "dexra-tui: refused a public request (%d so far): %s\n", s.Refused, clean(s.LastRefusal))
		}
		return
	}
	fmt.Fprintf(p.out, "dexra-tui: %s %s: %s\n", s.Engine, clean(s.Target), clean(s.String()))
	if s.Phase == public.Up {
		what := "public URL"
		if s.Engine == "relay" {
			what = "relay channel"
		}
		fmt.Fprintf(p.out, "dexra-tui: paste this %s into the platform's webhook settings: %s\n", what, clean(s.URL))
	}
}

// logLines prints the engines' notices (a host key recorded on first use, a key that
// needs the agent) as one plain line each, escaped: they can quote a server's words.
// maxEarlyLines bounds the log lines kept until someone prints them.
const maxEarlyLines = 64

type logLines struct {
	p     *publicSide
	attrs []slog.Attr
}

func (h logLines) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h logLines) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	add := func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%s", a.Key, a.Value.String())
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	h.p.mu.Lock()
	defer h.p.mu.Unlock()
	line := "dexra-tui: " + clean(b.String())
	switch {
	case h.p.out != nil:
		fmt.Fprintln(h.p.out, line)
	case len(h.p.early) < maxEarlyLines:
		h.p.early = append(h.p.early, line)
	}
	return nil
}

func (h logLines) WithAttrs(attrs []slog.Attr) slog.Handler {
	return logLines{p: h.p, attrs: append(append([]slog.Attr(nil), h.attrs...), attrs...)}
}

func (h logLines) WithGroup(string) slog.Handler { return h }

// close takes the public side down, before the listener it serves.
func (p *publicSide) close() error {
	if p == nil {
		return nil
	}
	var errs []error
	for _, e := range p.engines {
		errs = append(errs, e.Close())
	}
	return errors.Join(errs...)
}
