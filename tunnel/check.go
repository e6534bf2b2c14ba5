package tunnel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/dexra/dexra-tui/payloads/catalog"
)

// CheckRequest says which handler to probe and how to sign what it is sent.
type CheckRequest struct {
	URL    string // the handler, used as given (no path is added)
	Scheme string // a name of CheckSchemes
	Secret string // the handler's webhook secret
	// Event is the catalog event the probes are built from; nil sends a generic JSON event.
	Event *catalog.EventType
	// Timeout is the platform's delivery timeout: a handler answering later has failed.
	Timeout time.Duration // zero means DefaultCheckTimeout
	Burst   int           // concurrent events of the burst probe; zero means DefaultCheckBurst
	Now     func() time.Time
	// Transport sends the probes; nil uses a fresh one (closed when Check returns).
	Transport http.RoundTripper
}

const (
	DefaultCheckTimeout = 10 * time.Second
	DefaultCheckBurst   = 50
	// checkStaleAge is how old the stale probe's signature is: twice the 5 minutes every
	// timestamped scheme's libraries accept.
	checkStaleAge     = 10 * time.Minute
	checkStaleAgeText = "10 minutes"
)

// CheckReport is the card: one result per probe, in order.
type CheckReport struct {
	URL    string
	Scheme string
	Event  string // the event the probes are built from
	// Generic: the catalog has no event for the scheme, so a generic JSON event was sent.
	Generic bool
	Probes  []ProbeResult
}

// Passed reports whether every probe passed (a probe that does not apply passes).
func (r CheckReport) Passed() bool {
	return !slices.ContainsFunc(r.Probes, func(p ProbeResult) bool { return !p.OK })
}

// Failed counts the probes that failed.
func (r CheckReport) Failed() int {
	n := 0
	for _, p := range r.Probes {
		if !p.OK {
			n++
		}
	}
	return n
}

// ProbeResult is what one probe sent, what the handler answered and what that means.
type ProbeResult struct {
	Number int
	Name   string // machine name: valid, tampered_body, …
	Title  string // what was sent, for people
	Want   string // the answer a correct handler gives
	OK     bool
	// Skipped: the probe does not apply to the scheme (OK stays true); Problem says why.
	Skipped bool
	Status  int           // the (first failing, else last) HTTP status; 0 when none came
	Latency time.Duration // of that answer
	Answer  string        // what the handler answered, for people: "401 in 2ms", "no answer within 10s"
	Problem string        // for a failure: what is wrong
	Fix     string        // for a failure: how handlers usually fix it
	// P50 and P99 are the burst's latencies.
	P50, P99 time.Duration
	Requests []ProbeExchange
}

// ProbeExchange is one request a probe sent and its answer, so a console can record it.
type ProbeExchange struct {
	Method  string
	URL     string
	Header  http.Header
	Body    []byte
	Status  int
	Answer  []byte // first 64 KiB of the answer body
	Latency time.Duration
	Err     error
}

// ErrCheckUnreachable: nothing answered at the URL; no probe could be judged.
var ErrCheckUnreachable = errors.New("cannot reach the handler")

// CheckTarget says whether url is one Check can send to (an ErrBadTarget if not), so a
// caller can refuse it before it looks for a secret.
func CheckTarget(url string) error {
	_, err := targetURL(url, "")
	return err
}

// Check sends the probes one after another (the burst concurrently) and judges each
// answer. Only a bad request or an unreachable handler is an error.
func Check(ctx context.Context, req CheckRequest) (CheckReport, error) {
	scheme, err := lookupCheckScheme(req.Scheme)
	if err != nil {
		return CheckReport{}, err
	}
	target, err := targetURL(req.URL, "")
	if err != nil {
		return CheckReport{}, err
	}
	if req.Secret == "" {
		return CheckReport{}, errors.New("check: no webhook secret to sign the probes with")
	}
	c := &checker{req: req, scheme: scheme, target: target, events: genericEvents{}}
	if req.Event != nil {
		c.events = catalogEvents{*req.Event}
	}
	if c.req.Timeout <= 0 {
		c.req.Timeout = DefaultCheckTimeout
	}
	if c.req.Burst <= 0 {
		c.req.Burst = DefaultCheckBurst
	}
	if c.req.Now == nil {
		c.req.Now = time.Now
	}
	transport := req.Transport
	if transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = c.req.Burst
		t.Proxy = nil // the handler is addressed directly, never through a proxy
		defer t.CloseIdleConnections()
		transport = t
	}
	c.client = &http.Client{Transport: transport, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse // a redirect is an answer to judge, not to follow
	}}
	report := CheckReport{URL: target, Scheme: scheme.name, Event: c.events.name(), Generic: req.Event == nil}
	for i, p := range checkProbes {
		res := p.run(ctx, c)
		res.Number, res.Name, res.Title = i+1, p.name, p.title(c)
		if i == 0 && len(res.Requests) == 1 && isCheckDialError(res.Requests[0].Err) {
			return report, fmt.Errorf("%w at %s: %v", ErrCheckUnreachable, target, res.Requests[0].Err)
		}
		if err := ctx.Err(); err != nil {
			return report, fmt.Errorf("check interrupted: %w", err)
		}
		report.Probes = append(report.Probes, res)
	}
	return report, nil
}

// checker is one run of the probes.
type checker struct {
	req    CheckRequest
	scheme checkScheme
	target string
	events checkEvents
	client *http.Client
	valid  *probeRequest // probe 1's request, delivered again by the redelivery probe
}

// freshSigned is a new valid event, signed now.
func (c *checker) freshSigned() (probeRequest, error) {
	body, err := c.events.fresh(c.req.Now())
	if err != nil {
		return probeRequest{}, fmt.Errorf("building a %s sample: %w", c.events.name(), err)
	}
	return c.scheme.signed(c.target, c.req.Secret, body, "", c.req.Now())
}

// send posts d and waits at most the timeout for the whole answer.
func (c *checker) send(ctx context.Context, d probeRequest) ProbeExchange {
	ex := ProbeExchange{Method: http.MethodPost, URL: d.url, Header: d.header, Body: d.body}
	ctx, cancel := context.WithTimeout(ctx, c.req.Timeout)
	defer cancel()
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url, bytes.NewReader(d.body))
	if err != nil {
		ex.Err = fmt.Errorf("preparing the request to %s: %w", d.url, err)
		return ex
	}
	r.Header = d.header.Clone()
	start := time.Now()
	resp, err := c.client.Do(r)
	if err == nil {
		ex.Status = resp.StatusCode
		ex.Answer, err = io.ReadAll(io.LimitReader(resp.Body, answerLimit))
		io.Copy(io.Discard, io.LimitReader(resp.Body, answerLimit)) // lets the connection be reused
		resp.Body.Close()
	}
	ex.Latency = time.Since(start)
	ex.Err = err
	return ex
}

// answered says what the handler did with one request, for people.
func (c *checker) answered(ex ProbeExchange) string {
	switch {
	case ex.Err == nil:
		return fmt.Sprintf("%d in %s", ex.Status, roundCheckLatency(ex.Latency))
	case errors.Is(ex.Err, context.DeadlineExceeded) || isCheckTimeout(ex.Err):
		return fmt.Sprintf("no answer within %s", c.req.Timeout)
	case ex.Status != 0:
		return fmt.Sprintf("%d, then the answer broke off (%v)", ex.Status, ex.Err)
	case errors.Is(ex.Err, io.EOF) || errors.Is(ex.Err, io.ErrUnexpectedEOF) || strings.Contains(ex.Err.Error(), "connection reset"):
		return "connection closed without an answer"
	default:
		return "error: " + ex.Err.Error()
	}
}

func isCheckTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isCheckDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// roundCheckLatency keeps two or three significant figures: 1.234ms, 12ms, 1.2s.
func roundCheckLatency(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(100 * time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond)
	default:
		return d.Round(10 * time.Microsecond)
	}
}
