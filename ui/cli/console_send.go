package cli

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/dexra/dexra-tui/tunnel/sandbox"
	"github.com/dexra/dexra-tui/ui/compose"
)

// consoleProfiles are the profiles the compose form offers: sandbox, production, then
// the config file's others by name; a key comes from DEXRA_API_KEY, else the profile.
func (a *App) consoleProfiles(cfg Config) []compose.Profile {
	names := make([]string, 0, len(cfg.Profiles))
	for name := range cfg.Profiles {
		names = append(names, name)
	}
	rank := func(n string) int {
		if r, ok := map[string]int{"sandbox": 0, "production": 1}[n]; ok {
			return r
		}
		return 2
	}
	slices.SortFunc(names, func(x, y string) int {
		if d := rank(x) - rank(y); d != 0 {
			return d
		}
		return strings.Compare(x, y)
	})
	out := make([]compose.Profile, 0, len(names))
	for _, n := range names {
		p := cfg.Profiles[n]
		out = append(out, compose.Profile{Name: n, BaseURL: p.BaseURL, Key: firstNonEmpty(a.Env("DEXRA_API_KEY"), p.APIKey)})
	}
	return out
}

// startConsoleSandbox runs the local platform in-process for the sandbox profile, so
// c sends a message whose signed status webhooks come back to this listener. It
// listens where the profile points, or on a free port when that one is taken (the
// profile is then pointed there for this run). nil: the profile is not a local one.
func startConsoleSandbox(profiles []compose.Profile, listenURL, secret string, log *slog.Logger) (*sandbox.Sandbox, error) {
	i := slices.IndexFunc(profiles, func(p compose.Profile) bool { return p.Name == "sandbox" })
	if i < 0 {
		return nil, nil
	}
	u, err := url.Parse(profiles[i].BaseURL)
	if err != nil || u.Scheme != "http" || !isLoopbackHost(u.Hostname()) {
		return nil, nil // the sandbox profile points elsewhere: the user runs it there
	}
	sb, err := sandbox.New(sandbox.Config{
		Key:        profiles[i].Key,
		WebhookURL: strings.TrimRight(listenURL, "/") + "/dexatel",
		Secret:     secret,
		Seed:       rand.Uint64N(1 << 32),
	})
	if err != nil {
		return nil, fmt.Errorf("starting the sandbox: %w", err)
	}
	ln, err := net.Listen("tcp", u.Host)
	if err != nil {
		if ln, err = net.Listen("tcp", net.JoinHostPort(u.Hostname(), "0")); err != nil {
			return nil, fmt.Errorf("starting the sandbox on %s: %w", u.Host, err)
		}
	}
	profiles[i].BaseURL = "http://" + ln.Addr().String()
	go func() {
		if err := sb.Serve(ln); err != nil {
			log.Error("the in-process sandbox stopped; c cannot send to it until dexra-tui restarts", "err", err)
		}
	}()
	return sb, nil
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
