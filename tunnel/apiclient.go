package tunnel

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dexra/dexra-tui/payloads"
)

// SendPath is the send-message endpoint under a base URL (Dexra guide, seed 000).
const SendPath = "/v1/send-message"

// IdempotencyHeader carries one key per send, the same on each of its retries, so a
// retried request never makes a second message.
const IdempotencyHeader = "Idempotency-Key"

// Client defaults.
const (
	DefaultSendAttempts  = 5
	DefaultMaxRetryAfter = 60 * time.Second
	maxAnswerBytes       = 64 << 10
)

// Client calls the send-message API of a platform (or tunnel/sandbox).
type Client struct {
	BaseURL string // e.g. https://api.dexra.net or http://127.0.0.1:4243
	Key     string // Bearer key; never recorded or printed unmasked
	HTTP    *http.Client
	// Attempts is the most tries of one send (retries on 429, 5xx and network errors).
	Attempts int
	// Backoff is the wait before retry n (1-based) when the answer gives no Retry-After;
	// nil: 250ms doubling, at most 8s.
	Backoff func(n int) time.Duration
	// MaxRetryAfter caps a Retry-After the client honours; a longer one ends the send.
	MaxRetryAfter time.Duration
	// Recorder stores each send as an outbound event (nil: not recorded).
	Recorder Recorder
}

// Recorder is where sent messages are stored: *store.Store, or the control socket
// client of the process holding the history.
type Recorder interface {
	Append(ev *payloads.Event) error
}

// SendResult is the outcome of one send, its retries included.
type SendResult struct {
	Event          *payloads.Event // the outbound event as recorded (headers redacted)
	Recorded       error           // why it could not be recorded, if it was not
	MessageID      string          // the platform's id, the correlation key of its webhooks
	MessageStatus  string          // the answer's status ("queued")
	Status         int             // HTTP status of the last try (0: no answer)
	Answer         []byte          // body of the last answer (first 64 KiB)
	IdempotencyKey string
	Tries          int
	Latency        time.Duration // of the last try
}

// APIError is an answer that is not a success. Its shape is assumed (the seeds give
// none): {"error":{"code":"...","field":"...","message":"..."}}.
type APIError struct {
	Status  int
	Code    string
	Field   string
	Message string
}

type apiErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"error"`
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "send-message answered %d %s", e.Status, http.StatusText(e.Status))
	switch {
	case e.Field != "":
		fmt.Fprintf(&b, ": field %s: %s", e.Field, e.Message)
	case e.Message != "":
		b.WriteString(": " + e.Message)
	}
	switch e.Status {
	case http.StatusUnauthorized, http.StatusForbidden:
		b.WriteString(" (check the API key — --key, DEXRA_API_KEY or the profile's api_key — and that its scope allows sending messages)")
	case http.StatusTooManyRequests:
		b.WriteString(" (rate limited: wait and send again, or send less often)")
	}
	return b.String()
}

// Send sends m. It is Post of m's JSON.
func (c *Client) Send(ctx context.Context, m Message) (*SendResult, error) {
	body, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("send-message: encode request: %w", err)
	}
	return c.Post(ctx, body)
}

// Post sends a request body as it is (--file), retrying 429 (after Retry-After), 5xx
// and network errors with one Idempotency-Key, and records the send. The error is an
// *APIError for a non-2xx answer; the result is filled as far as the send got.
func (c *Client) Post(ctx context.Context, body []byte) (*SendResult, error) {
	endpoint, err := c.endpoint()
	if err != nil {
		return nil, err
	}
	res := &SendResult{IdempotencyKey: newIdempotencyKey()}
	started := time.Now().UTC()
	var attempts []payloads.Attempt
	var reqHeader http.Header
	var sendErr error
	for try := 1; ; try++ {
		res.Tries = try
		a, hdr, retryAfter, err := c.try(ctx, endpoint, body, res)
		reqHeader = hdr
		attempts = append(attempts, a)
		sendErr = err
		if !retryable(res.Status, err) || try >= c.attempts() || ctx.Err() != nil {
			break
		}
		wait := c.backoff(try)
		if retryAfter > 0 {
			if retryAfter > c.maxRetryAfter() {
				sendErr = fmt.Errorf("%w; it asks to retry after %s, more than the %s this send waits", err, retryAfter, c.maxRetryAfter())
				break
			}
			wait = retryAfter
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		if ctx.Err() != nil {
			break
		}
	}
	if sendErr == nil && res.MessageID == "" {
		sendErr = fmt.Errorf("send-message answered %d without a message_id: %q", res.Status, truncate(res.Answer, 200))
	}
	if sendErr != nil && res.Tries > 1 {
		sendErr = fmt.Errorf("%w (after %d tries)", sendErr, res.Tries)
	}
	res.Event = outboundEvent(started, endpoint, reqHeader, body, res, attempts)
	if c.Recorder != nil {
		if err := c.Recorder.Append(res.Event); err != nil {
			res.Recorded = fmt.Errorf("record the sent message: %w", err)
		}
	} else {
		res.Recorded = errors.New("no history to record the sent message in")
	}
	return res, sendErr
}

// try makes one request and fills res from its answer. It returns the attempt as
// recorded, the request's headers (key redacted), and the Retry-After asked for.
func (c *Client) try(ctx context.Context, endpoint string, body []byte, res *SendResult) (payloads.Attempt, http.Header, time.Duration, error) {
	a := payloads.Attempt{Target: endpoint, Mode: "send", At: time.Now().UTC()}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return a, nil, 0, fmt.Errorf("send-message: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.Key)
	req.Header.Set(IdempotencyHeader, res.IdempotencyKey)
	req.Header.Set("User-Agent", "dexra-tui")
	hdr := redactHeader(req.Header)
	start := time.Now()
	resp, err := c.client().Do(req)
	if err != nil {
		a.Latency, a.Error = time.Since(start), err.Error()
		res.Status, res.Answer = 0, nil
		return a, hdr, 0, fmt.Errorf("send-message to %s: %w", endpoint, err)
	}
	answer, readErr := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes+1))
	resp.Body.Close()
	a.Latency = time.Since(start)
	res.Latency = a.Latency
	if len(answer) > maxAnswerBytes {
		answer, a.ResponseTruncated = answer[:maxAnswerBytes], true
	}
	a.Status, a.ResponseHeaders, a.ResponseBody = resp.StatusCode, redactHeader(resp.Header), answer
	res.Status, res.Answer = resp.StatusCode, answer
	if readErr != nil {
		a.Error = readErr.Error()
		return a, hdr, 0, fmt.Errorf("send-message: read the answer: %w", readErr)
	}
	if resp.StatusCode/100 == 2 {
		var ok struct {
			MessageID string `json:"message_id"`
			Status    string `json:"status"`
		}
		if err := json.Unmarshal(answer, &ok); err != nil {
			a.Error = "answer is not the assumed {message_id, status} JSON"
			return a, hdr, 0, fmt.Errorf("send-message answered %d with %q: not the assumed {\"message_id\",\"status\"} JSON: %w", resp.StatusCode, truncate(answer, 200), err)
		}
		res.MessageID, res.MessageStatus = ok.MessageID, ok.Status
		return a, hdr, 0, nil
	}
	apiErr := &APIError{Status: resp.StatusCode}
	var eb apiErrorBody
	if json.Unmarshal(answer, &eb) == nil && (eb.Error.Message != "" || eb.Error.Field != "") {
		apiErr.Code, apiErr.Field, apiErr.Message = eb.Error.Code, eb.Error.Field, eb.Error.Message
	} else if s := strings.TrimSpace(string(truncate(answer, 200))); s != "" {
		apiErr.Message = s
	}
	a.Error = apiErr.Error()
	return a, hdr, parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()), apiErr
}

func (c *Client) endpoint() (string, error) {
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("API base URL %q is not an absolute http(s) URL (set --api-url or the profile's base_url)", c.BaseURL)
	}
	if c.Key == "" {
		return "", errors.New("no API key: pass --key, set DEXRA_API_KEY, or set api_key in the profile of the config file")
	}
	return strings.TrimRight(c.BaseURL, "/") + SendPath, nil
}

func (c *Client) client() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

func (c *Client) attempts() int {
	if c.Attempts > 0 {
		return c.Attempts
	}
	return DefaultSendAttempts
}

func (c *Client) maxRetryAfter() time.Duration {
	if c.MaxRetryAfter > 0 {
		return c.MaxRetryAfter
	}
	return DefaultMaxRetryAfter
}

func (c *Client) backoff(n int) time.Duration {
	if c.Backoff != nil {
		return c.Backoff(n)
	}
	return min(250*time.Millisecond<<(n-1), 8*time.Second)
}

// retryable: rate limits, server errors and answers that never came.
func retryable(status int, err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	return status == 0 || status == http.StatusTooManyRequests || status >= 500
}

// parseRetryAfter reads delay-seconds or an HTTP date; 0 when absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		// Beyond a day is as good as forever, and would overflow a Duration.
		return time.Duration(min(n, 86400)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func newIdempotencyKey() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return "idem_" + hex.EncodeToString(b[:])
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
