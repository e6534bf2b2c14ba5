package cli

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/tunnel"
	"github.com/dexra/dexra-tui/tunnel/sandbox"
)

// Config is the resolved configuration: flag > env > file > default.
type Config struct {
	Addr    string
	DB      string
	Secrets []string
	// VerifyToken is what Meta's webhook setup must send as hub.verify_token.
	VerifyToken string
	Scheme      string
	MaxBody     int64
	Tolerance   time.Duration
	Retention   int
	Profile     string
	Sources     []SourceConfig
	// Profiles are where send sends: built-in sandbox and production, and the file's.
	Profiles map[string]ProfileConfig
	// Forward are the apps each event is forwarded to (flags only).
	Forward            []tunnel.ForwardTarget
	ForwardConcurrency int
	// ForwardRetryFor is how long failed forwards are retried (< 0: never).
	ForwardRetryFor time.Duration
	// Respond is the listener's simulated answer (flags only).
	Respond tunnel.Respond
	// File is the config file the values were read from (and a generated secret saved to).
	File string
	// Redaction is what the history keeps redacted: the defaults and the config's names.
	Redaction *store.Redaction
	// fileHasSecrets: the file itself holds secrets (so its mode matters).
	fileHasSecrets bool
}

// SourceConfig routes a path prefix to a scheme and its own secrets.
type SourceConfig struct {
	Prefix  string   `toml:"prefix"`
	Scheme  string   `toml:"scheme"`
	Secrets []string `toml:"secrets"`
}

// ProfileConfig is one [profiles.NAME] table: the send-message API's base URL and key.
// (profiles, not profile: the top-level profile = "NAME" already picks one, and TOML
// cannot make a key both a string and a table.)
type ProfileConfig struct {
	BaseURL string `toml:"base_url"`
	APIKey  string `toml:"api_key"`
}

// builtinProfiles: the local sandbox (dexra-tui sandbox's defaults) and Dexra's API.
func builtinProfiles() map[string]ProfileConfig {
	return map[string]ProfileConfig{
		"sandbox":    {BaseURL: "http://" + sandbox.DefaultAddr, APIKey: sandbox.DefaultKey},
		"production": {BaseURL: "https://api.dexra.net"},
	}
}

// fileConfig is config.toml as written on disk.
type fileConfig struct {
	Addr    string   `toml:"addr,omitempty"`
	DB      string   `toml:"db,omitempty"`
	Secrets []string `toml:"secrets,omitempty"`
	// VerifyToken answers Meta's (WhatsApp Cloud) subscription handshake.
	VerifyToken string         `toml:"verify_token,omitempty"`
	Scheme      string         `toml:"scheme,omitempty"`
	MaxBody     int64          `toml:"max_body,omitempty"`
	Tolerance   string         `toml:"tolerance,omitempty"`
	Retention   int            `toml:"retention,omitempty"`
	Profile     string         `toml:"profile,omitempty"`
	Sources     []SourceConfig `toml:"source,omitempty"`
	// ForwardTo are the forward targets used when --forward-to is not given.
	ForwardTo []string `toml:"forward_to,omitempty"`
	// RedactHeaders and RedactQuery add names to what the history keeps redacted.
	RedactHeaders []string `toml:"redact_headers,omitempty"`
	RedactQuery   []string `toml:"redact_query,omitempty"`

	Profiles map[string]ProfileConfig `toml:"profiles,omitempty"`
}

const (
	defaultAddr    = "127.0.0.1:4242"
	defaultMaxBody = 5 << 20
	appDir         = "dexra-tui"
)

// environment is how config reads the process environment (a func so tests set it).
type environment func(string) string

func (env environment) dir(xdg, fallback string) string {
	if d := env(xdg); d != "" && filepath.IsAbs(d) {
		return d
	}
	home := env("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	if !filepath.IsAbs(home) {
		return "" // never a path relative to wherever the command runs
	}
	return filepath.Join(home, fallback)
}

func (env environment) configFile() string {
	if d := env.dir("XDG_CONFIG_HOME", ".config"); d != "" {
		return filepath.Join(d, appDir, "config.toml")
	}
	return ""
}

func (env environment) defaultDB() string {
	if d := env.dir("XDG_DATA_HOME", ".local/share"); d != "" {
		return filepath.Join(d, appDir, "history.db")
	}
	return ""
}

// errNoHome: the default files live under the home directory, and there is none.
var errNoHome = errors.New("cannot tell where your home directory is ($HOME is not set): set HOME (or XDG_CONFIG_HOME and XDG_DATA_HOME), or pass --config and --db")

// loadConfig reads the config file (a missing one is fine) and the environment.
// Flags are applied on top by the caller.
func loadConfig(env environment, file string) (Config, error) {
	if file == "" {
		if file = env.configFile(); file == "" {
			return Config{}, errNoHome
		}
	}
	cfg := Config{
		Addr:      defaultAddr,
		DB:        env.defaultDB(),
		Scheme:    "auto",
		MaxBody:   defaultMaxBody,
		Retention: 1_000_000,
		Profile:   "sandbox",
		Profiles:  builtinProfiles(),
		File:      file,
	}
	var fc fileConfig
	meta, err := toml.DecodeFile(file, &fc)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return cfg, fmt.Errorf("reading config %s: %w (fix or remove the file)", file, err)
	}
	if unknown := meta.Undecoded(); len(unknown) > 0 {
		return cfg, fmt.Errorf("config %s: unknown key %q (known: addr, db, secrets, verify_token, scheme, max_body, tolerance, retention, profile, forward_to, redact_headers, redact_query, [[source]] prefix/scheme/secrets, [profiles.NAME] base_url/api_key)", file, unknown[0].String())
	}
	cfg.fileHasSecrets = len(fc.Secrets) > 0 || slices.ContainsFunc(fc.Sources, func(s SourceConfig) bool { return len(s.Secrets) > 0 })
	for _, p := range fc.Profiles {
		cfg.fileHasSecrets = cfg.fileHasSecrets || p.APIKey != ""
	}
	if err := cfg.applyFile(fc); err != nil {
		return cfg, fmt.Errorf("config %s: %w", file, err)
	}
	if v := env("DEXRA_WEBHOOK_SECRET"); v != "" {
		cfg.Secrets = splitSecrets(v)
	}
	if v := env("DEXRA_TUI_DB"); v != "" {
		cfg.DB = v
	}
	return cfg, nil
}

func (cfg *Config) applyFile(fc fileConfig) error {
	if fc.Addr != "" {
		cfg.Addr = fc.Addr
	}
	if fc.DB != "" {
		cfg.DB = fc.DB
	}
	if len(fc.Secrets) > 0 {
		cfg.Secrets = fc.Secrets
	}
	if fc.VerifyToken != "" {
		cfg.VerifyToken = fc.VerifyToken
	}
	if fc.Scheme != "" {
		cfg.Scheme = fc.Scheme
	}
	if fc.MaxBody > 0 {
		cfg.MaxBody = fc.MaxBody
	}
	if fc.Tolerance != "" {
		d, err := time.ParseDuration(fc.Tolerance)
		if err != nil {
			return fmt.Errorf("tolerance %q: %w (use e.g. \"5m\")", fc.Tolerance, err)
		}
		cfg.Tolerance = d
	}
	if fc.Retention != 0 {
		cfg.Retention = fc.Retention
	}
	if fc.Profile != "" {
		cfg.Profile = fc.Profile
	}
	if len(fc.ForwardTo) > 0 {
		targets, err := tunnel.ParseForwardTargets(fc.ForwardTo)
		if err != nil {
			return fmt.Errorf("forward_to: %w", err)
		}
		cfg.Forward = targets
	}
	red, err := store.NewRedaction(fc.RedactHeaders, fc.RedactQuery)
	if err != nil {
		return err
	}
	cfg.Redaction = red
	for i, s := range fc.Sources {
		if !strings.HasPrefix(s.Prefix, "/") {
			return fmt.Errorf("source %d: prefix %q must start with /", i+1, s.Prefix)
		}
	}
	cfg.Sources = fc.Sources
	for name, p := range fc.Profiles {
		merged := cfg.Profiles[name]
		if p.BaseURL != "" {
			merged.BaseURL = p.BaseURL
		}
		if p.APIKey != "" {
			merged.APIKey = p.APIKey
		}
		cfg.Profiles[name] = merged
	}
	return nil
}

// routes are the per-path sources as the listener takes them.
func (cfg Config) routes() []tunnel.Route {
	routes := make([]tunnel.Route, 0, len(cfg.Sources))
	for _, src := range cfg.Sources {
		routes = append(routes, tunnel.Route{Prefix: src.Prefix, Scheme: src.Scheme, Secrets: src.Secrets})
	}
	return routes
}

// signingFor is the scheme ("" for the event's own) and secret the listener checks
// path with: the matching source's, else the defaults.
func (cfg Config) signingFor(path string) (scheme, secret string) {
	secrets := cfg.Secrets
	if r, ok := tunnel.MatchRoute(cfg.routes(), path); ok {
		scheme = r.Scheme
		if len(r.Secrets) > 0 {
			secrets = r.Secrets
		}
	}
	if len(secrets) > 0 {
		secret = secrets[0]
	}
	return scheme, secret
}

// secretsFor are the secrets the listener checks path with: the matching source's,
// else the defaults.
func (cfg Config) secretsFor(path string) []string {
	if r, ok := tunnel.MatchRoute(cfg.routes(), path); ok && len(r.Secrets) > 0 {
		return r.Secrets
	}
	return cfg.Secrets
}

func splitSecrets(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// generated are the values a first run makes up and saves (saveGenerated) once it is
// sure to show them.
type generated struct {
	secret      string // webhook secret
	verifyToken string // Meta's hub.verify_token
}

func (g generated) any() bool { return g.secret != "" || g.verifyToken != "" }

// generateMissing makes a webhook secret and a verify token for a run that has none.
func generateMissing(cfg *Config) (generated, error) {
	var g generated
	if len(cfg.Secrets) == 0 {
		secret, err := newSecret()
		if err != nil {
			return g, err
		}
		cfg.Secrets, g.secret = []string{secret}, secret
	}
	if cfg.VerifyToken == "" {
		b := make([]byte, 16)
		if _, err := rand.Read(b); err != nil {
			return g, fmt.Errorf("generating a verify token: %w", err)
		}
		cfg.VerifyToken = hex.EncodeToString(b)
		g.verifyToken = cfg.VerifyToken
	}
	return g, nil
}

func newSecret() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generating a webhook secret: %w", err)
	}
	return "whsec_" + base64.StdEncoding.EncodeToString(b), nil
}

// saveGenerated puts the generated values at the top of the config file.
func saveGenerated(file string, g generated) error {
	var lines []string
	if g.secret != "" {
		lines = append(lines, fmt.Sprintf("secrets = [%q]", g.secret))
	}
	if g.verifyToken != "" {
		lines = append(lines, fmt.Sprintf("verify_token = %q  # what Meta's webhook setup sends as hub.verify_token", g.verifyToken))
	}
	return prependConfig(file, lines)
}

// saveForwardTarget remembers a forward target typed in the console, for later runs.
func saveForwardTarget(file, target string) error {
	if _, err := tunnel.ParseForwardTarget(target); err != nil {
		return err
	}
	var fc fileConfig
	if _, err := toml.DecodeFile(file, &fc); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("reading config %s: %w", file, err)
	}
	if len(fc.ForwardTo) > 0 {
		return fmt.Errorf("%s already sets forward_to; edit it there to change it", file)
	}
	return prependConfig(file, []string{fmt.Sprintf("forward_to = [%q]  # where events are forwarded without --forward-to", target)})
}

// prependConfig puts lines at the top of the config file, keeping the rest of the file
// (comments, tables) as it is, written 0600.
func prependConfig(file string, lines []string) error {
	old, err := os.ReadFile(file)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("reading config %s before saving to it: %w", file, err)
	}
	var buf bytes.Buffer
	if len(old) == 0 {
		buf.WriteString("# dexra-tui configuration: holds webhook secrets, keep it private\n")
	}
	for _, l := range lines {
		buf.WriteString(l + "\n")
	}
	buf.WriteString("\n")
	buf.Write(old)
	return writePrivate(file, buf.Bytes())
}

// writePrivate writes data to file atomically with owner-only permissions.
func writePrivate(file string, data []byte) error {
	if real, err := filepath.EvalSymlinks(file); err == nil {
		file = real // a dotfile manager's link stays a link
	}
	dir := filepath.Dir(file)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, ".config-*.toml")
	if err != nil {
		return fmt.Errorf("writing config in %s: %w", dir, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("securing %s: %w", tmp.Name(), err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return fmt.Errorf("saving config %s: %w", file, err)
	}
	// The rename is durable once the directory is synced.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// loadConfig is loadConfig with this invocation's environment, warning on stderr when
// the file holding secrets can be read by other users.
func (a *App) loadConfig(file string) (Config, error) {
	cfg, err := loadConfig(a.environ(), file)
	if err != nil {
		return cfg, err
	}
	if info, err := os.Stat(cfg.File); err == nil && info.Mode().Perm()&0o077 != 0 && cfg.fileHasSecrets {
		fmt.Fprintf(a.Stderr, "dexra-tui: warning: %s holds webhook secrets and other users can read it (mode %04o); run: chmod 600 %s\n",
			cfg.File, info.Mode().Perm(), cfg.File)
	}
	return cfg, nil
}

// validateAddr checks a host:port listen address before anything is opened.
func validateAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not a valid host:port address (e.g. 127.0.0.1:4242): %v", addr, err)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q: port %q is not a number from 0 to 65535", addr, port)
	}
	if strings.ContainsAny(host, "/ ") {
		return fmt.Errorf("%q: host %q is not a valid host name or IP address", addr, host)
	}
	return nil
}
