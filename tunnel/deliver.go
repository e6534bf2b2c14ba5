package tunnel

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store"
)

// Delivery defaults.
const (
	// ResponseLimit is how much of the app's answer an attempt keeps.
	ResponseLimit = 64 << 10
	// DefaultDeliveryTimeout bounds one forward or replay, as Stripe CLI and Hookdeck CLI do.
	DefaultDeliveryTimeout = 30 * time.Second
)

// ModeForward is Attempt.Mode of a live forward.
const ModeForward = "forward"

// AttemptRecorder records a forward or replay attempt on a stored event;
// *store.Store and *ControlClient provide it.
type AttemptRecorder interface {
	AddAttempt(id string, a payloads.Attempt) error
}

// AttemptOK reports whether an attempt got a 2xx answer.
func AttemptOK(a payloads.Attempt) bool {
	return a.Error == "" && a.Status >= 200 && a.Status <= 299
}

// SecretSource gives the secrets the listener verifies events at path with, in order.
type SecretSource func(path string) []string

// ListenerSecrets is the SecretSource of a listener configuration: the default
// secrets, overridden by the longest matching route, as the listener itself decides.
func ListenerSecrets(defaults []string, routes []Route) SecretSource {
	routes = slices.Clone(routes)
	return func(path string) []string {
		if r, ok := MatchRoute(routes, path); ok && len(r.Secrets) > 0 {
			return r.Secrets
		}
		return defaults
	}
}

// delivery is one HTTP request to a target.
type delivery struct {
	method string
	url    string // as sent, secrets included
	target string // as recorded (Attempt.Target), secrets redacted; "": url
	header http.Header
	body   []byte
	// unrestored names what the history kept redacted and could not be given back, so
	// it is left out: "Authorization" (a header), "?token" (a query parameter).
	unrestored []string
}

// newDeliveryClient is an HTTP client for forwards and replays: no redirects followed
// (the app's 3xx is its answer), no transparent gzip (headers go out as captured),
// enough idle connections per host for conns requests in flight.
func newDeliveryClient(conns int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:          max(100, conns),
			MaxIdleConnsPerHost:   max(2, conns),
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
			DisableCompression:    true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// send performs d and describes the outcome as an attempt; a failure is in its Error.
func send(ctx context.Context, client *http.Client, d delivery, mode string, timeout time.Duration) payloads.Attempt {
	a := payloads.Attempt{Target: cmp.Or(d.target, d.url), Mode: mode, At: time.Now().UTC(), Warning: unrestoredWarning(d.unrestored)}
	if timeout <= 0 {
		timeout = DefaultDeliveryTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, d.method, d.url, bytes.NewReader(d.body))
	if err != nil {
		a.Error = "could not build the request: " + err.Error()
		return a
	}
	req.Header = d.header
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		a.Latency = time.Since(start)
		a.Error = describeSendError(err, timeout)
		return a
	}
	defer resp.Body.Close()
	body, truncated, readErr := readLimited(resp.Body, ResponseLimit)
	a.Latency = time.Since(start)
	a.Status = resp.StatusCode
	a.ResponseHeaders = store.RedactHeaders(resp.Header)
	a.ResponseBody = body
	a.ResponseTruncated = truncated
	if readErr != nil {
		a.Error = "reading the answer: " + describeSendError(readErr, timeout)
	}
	return a
}

// readLimited reads up to limit bytes and says whether more followed.
func readLimited(r io.Reader, limit int) ([]byte, bool, error) {
	b, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if len(b) > limit {
		return b[:limit], true, nil
	}
	if len(b) == 0 {
		b = nil
	}
	return b, false, err
}

// describeSendError names why a request got no answer in a few words.
func describeSendError(err error, timeout time.Duration) string {
	var dnsErr *net.DNSError
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return fmt.Sprintf("timeout: no answer within %s", timeout)
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed without a complete answer"
	case errors.As(err, &dnsErr):
		return "cannot resolve host " + dnsErr.Name
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// hopByHop are the headers a proxy must not pass on (RFC 9110 section 7.6.1).
var hopByHop = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// outgoingHeaders are the event's headers as they go to the app: hop-by-hop headers
// and Content-Length (recomputed for the body sent) dropped, redacted secret values
// restored when the configured secrets allow and dropped otherwise (their names are
// returned: a placeholder is never sent as if it were the value), and
// X-Forwarded-For/-Host/-Proto added.
func outgoingHeaders(ev *payloads.Event, secrets SecretSource) (http.Header, []string) {
	h := ev.Headers.Clone()
	if h == nil {
		h = http.Header{}
	}
	for _, v := range h.Values("Connection") {
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				h.Del(name)
			}
		}
	}
	for _, name := range hopByHop {
		h.Del(name)
	}
	h.Del("Content-Length")
	h.Del("Host")
	var unrestored []string
	for name, values := range h {
		if !slices.Contains(values, store.Redacted) {
			continue
		}
		if secret, ok := restoreSecret(ev, name, secrets); ok {
			h[name] = []string{secret}
		} else {
			delete(h, name) // "[redacted]" is not what the sender sent
			unrestored = append(unrestored, name)
		}
	}
	slices.Sort(unrestored)
	if _, ok := h["User-Agent"]; !ok {
		h["User-Agent"] = []string{""} // net/http then sends none, as the sender did
	}
	addForwarded(h, ev)
	return h, unrestored
}

// outgoingURL is rawURL as sent: a query parameter whose value the history kept
// redacted is left out (names returned as "?name"), since its placeholder is not the value.
func outgoingURL(rawURL string) (string, []string) {
	if !strings.Contains(rawURL, store.Redacted) {
		return rawURL, nil
	}
	base, query, ok := strings.Cut(rawURL, "?")
	if !ok {
		return rawURL, nil
	}
	query, fragment, hasFragment := strings.Cut(query, "#")
	var kept, dropped []string
	for _, part := range strings.Split(query, "&") {
		if name, value, _ := strings.Cut(part, "="); value == store.Redacted {
			dropped = append(dropped, "?"+name)
			continue
		}
		kept = append(kept, part)
	}
	if len(dropped) == 0 {
		return rawURL, nil
	}
	out := base
	if len(kept) > 0 {
		out += "?" + strings.Join(kept, "&")
	}
	if hasFragment {
		out += "#" + fragment
	}
	return out, dropped
}

// unrestoredWarning says, for the attempt, what was left out of the request.
func unrestoredWarning(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return "sent without " + strings.Join(names, ", ") +
		": the history keeps them redacted and this request was rebuilt from it"
}

// withWarning joins an attempt's warnings.
func withWarning(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + "; " + b
}

// restoreSecret gives back a secret-token header the history redacted: when the
// event's signature passed, the token was the configured secret that matched.
func restoreSecret(ev *payloads.Event, name string, secrets SecretSource) (string, bool) {
	if secrets == nil || ev.Signature.Status != sig.Pass || ev.Signature.SecretIndex < 0 {
		return "", false
	}
	isToken := false
	for _, s := range sig.SecretHeaders() {
		if textproto.CanonicalMIMEHeaderKey(s) == textproto.CanonicalMIMEHeaderKey(name) {
			isToken = true
		}
	}
	if !isToken || !strings.EqualFold(ev.Signature.Scheme, "telegram") {
		return "", false
	}
	list := secrets(ev.Path)
	if ev.Signature.SecretIndex >= len(list) {
		return "", false
	}
	return list[ev.Signature.SecretIndex], true
}

// addForwarded says who sent the event and how it was addressed, as a reverse proxy
// does: the sender's address is appended to X-Forwarded-For; a tunnel in front may
// already have set Host and Proto, which are then kept.
func addForwarded(h http.Header, ev *payloads.Event) {
	if ip := remoteIP(ev.RemoteAddr); ip != "" {
		if prior := h.Values("X-Forwarded-For"); len(prior) > 0 {
			h.Set("X-Forwarded-For", strings.Join(prior, ", ")+", "+ip)
		} else {
			h.Set("X-Forwarded-For", ip)
		}
	}
	if h.Get("X-Forwarded-Host") == "" && ev.Host != "" {
		h.Set("X-Forwarded-Host", ev.Host)
	}
	if h.Get("X-Forwarded-Proto") == "" {
		h.Set("X-Forwarded-Proto", "http") // the listener itself speaks plain HTTP
	}
}

func remoteIP(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// newDelivery is the request that sends ev to url (target: url as recorded): the
// event's headers and body, without what the history redacted and cannot give back.
func newDelivery(ev *payloads.Event, url, target string, secrets SecretSource) delivery {
	header, unrestored := outgoingHeaders(ev, secrets)
	sendURL, droppedQuery := outgoingURL(url)
	if target == "" {
		target = url
	}
	return delivery{method: ev.Method, url: sendURL, target: target, header: header, body: ev.Body,
		unrestored: append(unrestored, droppedQuery...)}
}
