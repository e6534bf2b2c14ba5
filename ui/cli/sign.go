package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/dexra/dexra-tui/payloads/sig"
)

// hmacFlags configure the generic "hmac" scheme.
type hmacFlags struct{ header, algorithm, encoding, prefix string }

func (h *hmacFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&h.header, "hmac-header", "X-Signature", "hmac scheme: the signature header")
	fs.StringVar(&h.algorithm, "hmac-algorithm", "sha256", "hmac scheme: sha1, sha256 or sha512")
	fs.StringVar(&h.encoding, "hmac-encoding", "hex", "hmac scheme: hex or base64")
	fs.StringVar(&h.prefix, "hmac-prefix", "", "hmac scheme: a prefix before the signature, e.g. sha256=")
}

// validate rejects bad --hmac-* flags up front when the hmac scheme is asked for.
func (h hmacFlags) validate(scheme string) error {
	if !strings.EqualFold(scheme, "hmac") {
		return nil
	}
	if err := h.config().Validate(); err != nil {
		return usagef("%v", err)
	}
	return nil
}

func (h hmacFlags) config() sig.HMACConfig {
	return sig.HMACConfig{Header: h.header, Algorithm: h.algorithm, Encoding: h.encoding, Prefix: h.prefix}
}

// secretFlagHelp warns where a --secret flag ends up.
const secretFlagHelp = "(default $DEXRA_WEBHOOK_SECRET, then the config's; a flag is visible to other users in the process list, so prefer those)"

func (a *App) signCommand() *cobra.Command {
	var o signOptions
	cmd := &cobra.Command{
		Use:   "sign [FILE|-]",
		Short: "Print the headers a scheme sends for a body",
		Example: `  echo -n '{"data":{}}' | dexra-tui sign --scheme dexatel --secret s3cret
  dexra-tui sign --scheme stripe --timestamp 1700000000 body.json`,
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.sign(cmd.Flags(), o, args)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.scheme, "scheme", "", "signature scheme: "+strings.Join(sig.Names(), ", "))
	fs.StringVar(&o.secret, "secret", "", "the webhook secret "+secretFlagHelp)
	fs.StringVar(&o.config, "config", "", "config file (default $XDG_CONFIG_HOME/dexra-tui/config.toml)")
	fs.StringVar(&o.id, "id", "", "message id (standard, svix); generated when empty")
	fs.Int64Var(&o.ts, "timestamp", 0, "unix seconds to sign at (timestamped schemes); now when not given")
	fs.StringVar(&o.url, "url", "", "the URL the request is sent to (twilio)")
	o.hmac.register(fs)
	a.completeScheme(cmd, "scheme", false)
	return cmd
}

type signOptions struct {
	scheme, secret, config, id, url string
	ts                              int64
	hmac                            hmacFlags
}

func (a *App) sign(fs *pflag.FlagSet, o signOptions, pos []string) error {
	if o.scheme == "" {
		return usagef("sign needs --scheme (one of %s)", strings.Join(sig.Names(), ", "))
	}
	scheme, secret := &o.scheme, &o.secret
	if !fs.Changed("secret") {
		cfg, err := a.loadConfig(o.config)
		if err != nil {
			return err
		}
		_, *secret = cfg.signingFor(urlPath(o.url))
	}
	if *secret == "" {
		return usagef("sign needs a secret: pass --secret, set DEXRA_WEBHOOK_SECRET, or put secrets in the config file")
	}
	id, ts, target, hf := &o.id, &o.ts, &o.url, o.hmac
	s, ok := sig.Lookup(*scheme)
	if !ok {
		return usagef("unknown scheme %q (known: %s)", *scheme, strings.Join(sig.Names(), ", "))
	}
	if err := hf.validate(*scheme); err != nil {
		return err
	}
	body, err := a.readBody(pos)
	if err != nil {
		return err
	}
	in := sig.SignInput{Secret: *secret, Body: body, Method: http.MethodPost, URL: *target, ID: *id, HMAC: hf.config()}
	if *ts != 0 {
		in.Timestamp = time.Unix(*ts, 0)
	}
	if s.Name() == "twilio" && len(body) > 0 && !isForm(body) {
		// Twilio covers a non-form body through a bodySHA256 parameter of the URL.
		in.URL = sig.TwilioBodyURL(*target, body)
		fmt.Fprintf(a.Stderr, "dexra-tui: twilio signs this body through its URL; send it to %s\n", in.URL)
	}
	headers, err := s.Sign(in)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(headers))
	for name := range headers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, v := range headers[name] {
			fmt.Fprintf(a.Stdout, "%s: %s\n", name, v)
		}
	}
	return nil
}

func (a *App) verifyCommand() *cobra.Command {
	var o verifyOptions
	cmd := &cobra.Command{
		Use:   "verify [FILE|-]",
		Short: "Check a signature: exit 0 pass, 1 fail",
		Example: `  dexra-tui verify --scheme auto --secret s3cret -H 'X-Dexatel-Signature: 5e6b…' body.json
  curl … | dexra-tui verify -H "Stripe-Signature: $SIG"   # secret from $DEXRA_WEBHOOK_SECRET`,
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.verify(cmd.Flags(), o, args)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.scheme, "scheme", "auto", "auto or a scheme: "+strings.Join(sig.Names(), ", "))
	fs.StringArrayVar(&o.secrets, "secret", nil, "a webhook secret, repeat for rotation "+secretFlagHelp)
	fs.StringVar(&o.config, "config", "", "config file (default $XDG_CONFIG_HOME/dexra-tui/config.toml)")
	fs.StringArrayVarP(&o.headers, "header", "H", nil, "a request header 'Name: value' (repeat)")
	fs.StringVar(&o.url, "url", "", "the URL the request was sent to (twilio; its path picks a [[source]]'s secrets)")
	fs.Int64Var(&o.now, "now", 0, "unix seconds to check timestamps against; now when not given")
	fs.DurationVar(&o.tolerance, "tolerance", sig.DefaultTolerance, "accepted clock skew for timestamped schemes")
	o.hmac.register(fs)
	a.completeScheme(cmd, "scheme", true)
	return cmd
}

type verifyOptions struct {
	scheme, config, url string
	secrets, headers    []string
	now                 int64
	tolerance           time.Duration
	hmac                hmacFlags
}

func (a *App) verify(fs *pflag.FlagSet, o verifyOptions, pos []string) error {
	scheme, secrets, headers, url, now, tolerance, hf := &o.scheme, o.secrets, o.headers, &o.url, &o.now, &o.tolerance, o.hmac
	if !fs.Changed("secret") {
		cfg, err := a.loadConfig(o.config)
		if err != nil {
			return err
		}
		secrets = cfg.secretsFor(urlPath(o.url))
	}
	if len(secrets) == 0 {
		return usagef("verify needs a secret: pass --secret, set DEXRA_WEBHOOK_SECRET, or put secrets in the config file")
	}
	if err := sig.ParseScheme(*scheme); err != nil {
		return usagef("%v", err)
	}
	if err := hf.validate(*scheme); err != nil {
		return err
	}
	h := http.Header{}
	for _, line := range headers {
		name, value, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return usagef("-H %q: want 'Name: value'", line)
		}
		h.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	body, err := a.readBody(pos)
	if err != nil {
		return usagef("%v", err) // exit 1 means only "the signature did not verify"
	}
	opts := sig.Options{Secrets: secrets, Tolerance: *tolerance, HMAC: hf.config()}
	if *now != 0 {
		opts.Now = time.Unix(*now, 0)
	}
	v := sig.Check(*scheme, sig.Request{Method: http.MethodPost, URL: *url, Header: h, Body: body}, opts)
	if v.Status == sig.Pass {
		fmt.Fprintf(a.Stdout, "pass %s\n", v.Scheme)
		return nil
	}
	fmt.Fprintf(a.Stdout, "fail: %s\n", v.Reason)
	return exitError{1}
}

// readBody reads the body from FILE, or stdin for "-" or no argument.
func (a *App) readBody(pos []string) ([]byte, error) {
	switch {
	case len(pos) > 1:
		return nil, usagef("want at most one FILE, got %d arguments", len(pos))
	case len(pos) == 0 || pos[0] == "-":
		b, err := io.ReadAll(a.Stdin)
		if err != nil {
			return nil, fmt.Errorf("reading the body from stdin: %w", err)
		}
		return b, nil
	default:
		b, err := os.ReadFile(pos[0])
		if err != nil {
			return nil, fmt.Errorf("reading the body: %w", err)
		}
		return b, nil
	}
}

// isForm reports whether body parses as application/x-www-form-urlencoded pairs.
func isForm(body []byte) bool {
	_, err := url.ParseQuery(string(body))
	return err == nil && !json.Valid(body)
}

// urlPath is the path of a URL given on the command line ("" when there is none).
func urlPath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Path
}
