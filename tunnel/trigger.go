package tunnel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dexra/dexra-tui/payloads/catalog"
	"github.com/dexra/dexra-tui/payloads/sig"
)

// TriggerRequest describes a signed sample event to send.
type TriggerRequest struct {
	URL    string // base URL of the receiver; the event's default path is appended when URL has none
	Event  catalog.EventType
	Scheme string // signing scheme; empty means the event's own
	Secret string // empty sends the sample unsigned
	Sets   []catalog.Set
	Now    time.Time
	Client *http.Client
}

// TriggerResult is what the receiver answered.
type TriggerResult struct {
	URL     string
	Status  int
	EventID string // X-Dexra-Tui-Event-Id when the receiver is a dexra-tui listener
	Body    []byte // first 64 KiB of the answer
	Sent    []byte
}

const answerLimit = 64 << 10

// Trigger builds a fresh sample of req.Event, signs it and POSTs it.
func Trigger(ctx context.Context, req TriggerRequest) (TriggerResult, error) {
	now := req.Now
	if now.IsZero() {
		now = time.Now()
	}
	body, err := req.Event.Sample(now, req.Sets)
	if err != nil {
		return TriggerResult{}, fmt.Errorf("building a %s sample: %w", req.Event.Name(), err)
	}
	target, err := targetURL(req.URL, req.Event.Path)
	if err != nil {
		return TriggerResult{}, err
	}
	contentType := req.Event.ContentType
	if contentType == "" {
		contentType = "application/json"
	}
	if req.Secret != "" && strings.EqualFold(signingScheme(req), "twilio") && contentType != catalog.FormContentType {
		// Twilio signs a JSON body through a bodySHA256 parameter of the URL it posts to.
		target = sig.TwilioBodyURL(target, body)
	}
	httpReq, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return TriggerResult{}, fmt.Errorf("preparing the request to %s: %w", target, err)
	}
	httpReq.Header.Set("Content-Type", contentType)
	httpReq.Header.Set("User-Agent", "dexra-tui-trigger")
	headers := req.Event.SampleHeaders()
	for i := 0; i+1 < len(headers); i += 2 {
		httpReq.Header.Set(headers[i], headers[i+1])
	}
	if req.Secret != "" {
		if err := signInto(httpReq.Header, req, body, target, now); err != nil {
			return TriggerResult{}, err
		}
	}
	client := req.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(httpReq)
	if err != nil {
		return TriggerResult{URL: target, Sent: body}, fmt.Errorf("sending %s to %s: %w", req.Event.Name(), target, err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, answerLimit))
	return TriggerResult{
		URL:     target,
		Status:  resp.StatusCode,
		EventID: resp.Header.Get("X-Dexra-Tui-Event-Id"),
		Body:    answer,
		Sent:    body,
	}, nil
}

func signInto(h http.Header, req TriggerRequest, body []byte, target string, now time.Time) error {
	name := signingScheme(req)
	scheme, ok := sig.Lookup(name)
	if !ok {
		return fmt.Errorf("signing the sample: unknown scheme %q (known: %s)", name, strings.Join(sig.Names(), ", "))
	}
	signed, err := scheme.Sign(sig.SignInput{Secret: req.Secret, Body: body, Method: http.MethodPost, URL: target,
		ContentType: h.Get("Content-Type"), Timestamp: now})
	if err != nil {
		return fmt.Errorf("signing the sample with %s: %w", name, err)
	}
	for k, vs := range signed {
		h[k] = vs
	}
	return nil
}

func signingScheme(req TriggerRequest) string {
	if req.Scheme != "" {
		return req.Scheme
	}
	return req.Event.Scheme
}

// ErrBadTarget: the URL to send to is not a valid http(s) URL; nothing was sent.
var ErrBadTarget = errors.New("invalid target URL")

// targetURL is base with the event's default path when base names no path of its own;
// "localhost:4242" and ":4242" mean http on that address. Without a scheme base must
// name a port: a bare word ("notaurl") is a mistake, not a host to look up.
func targetURL(base, path string) (string, error) {
	if !strings.Contains(base, "://") {
		if host, _, _ := strings.Cut(base, "/"); !strings.Contains(host, ":") {
			return "", fmt.Errorf("%w: %q is not a URL such as http://127.0.0.1:4242 (give its scheme, or host:port)", ErrBadTarget, base)
		}
		if strings.HasPrefix(base, ":") {
			base = "localhost" + base
		}
		base = "http://" + base
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("%w: %q is not a URL such as http://127.0.0.1:4242", ErrBadTarget, base)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("%w: %q: port %s is not a number from 1 to 65535", ErrBadTarget, base, p)
		}
	}
	if (u.Path == "" || u.Path == "/") && path != "" {
		u.Path = path
	}
	return u.String(), nil
}
