package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/dexra/dexra-tui/payloads/sig"
)

// hmacFlags configure the generic "hmac" scheme.
type hmacFlags struct{ header, algorithm, encoding, prefix string }

func (h *hmacFlags) register(fs *flag.FlagSet) {
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

func (a *app) sign(_ context.Context, args []string) error {
	fs := newFlagSet("sign")
	scheme := fs.String("scheme", "", "signature scheme: "+strings.Join(sig.Names(), ", "))
	secret := fs.String("secret", "", "the webhook secret")
	id := fs.String("id", "", "message id (standard, svix); generated when empty")
	ts := fs.Int64("timestamp", 0, "unix seconds to sign at (timestamped schemes); now when 0")
	target := fs.String("url", "", "the URL the request is sent to (twilio)")
	var hf hmacFlags
	hf.register(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if *scheme == "" || *secret == "" {
		return usagef("sign needs --scheme and --secret\n%s", flagHelp(fs))
	}
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
		fmt.Fprintf(a.stderr, "dexra-tui: twilio signs this body through its URL; send it to %s\n", in.URL)
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
			fmt.Fprintf(a.stdout, "%s: %s\n", name, v)
		}
	}
	return nil
}

func (a *app) verify(_ context.Context, args []string) error {
	fs := newFlagSet("verify")
	scheme := fs.String("scheme", "auto", "auto or a scheme: "+strings.Join(sig.Names(), ", "))
	var secrets, headers stringList
	fs.Var(&secrets, "secret", "a webhook secret (repeat for rotation)")
	fs.Var(&headers, "H", "a request header 'Name: value' (repeat)")
	url := fs.String("url", "", "the URL the request was sent to (twilio)")
	now := fs.Int64("now", 0, "unix seconds to check timestamps against; now when 0")
	tolerance := fs.Duration("tolerance", sig.DefaultTolerance, "accepted clock skew for timestamped schemes")
	var hf hmacFlags
	hf.register(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
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
		fmt.Fprintf(a.stdout, "pass %s\n", v.Scheme)
		return nil
	}
	fmt.Fprintf(a.stdout, "fail: %s\n", v.Reason)
	return exitError{1}
}

// readBody reads the body from FILE, or stdin for "-" or no argument.
func (a *app) readBody(pos []string) ([]byte, error) {
	switch {
	case len(pos) > 1:
		return nil, usagef("want at most one FILE, got %d arguments", len(pos))
	case len(pos) == 0 || pos[0] == "-":
		b, err := io.ReadAll(a.stdin)
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
