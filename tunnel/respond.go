package tunnel

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Respond is a simulated answer the listener gives instead of 200, to exercise the
// platform's retries: a status, optionally after a delay, for a fraction of requests.
type Respond struct {
	Status     int           // 0 with Timeout
	Timeout    bool          // hold the request, then drop the connection without answering
	Delay      time.Duration // wait before answering (with Timeout: how long to hold)
	Rate       float64       // fraction of requests it applies to, (0,1]; others get 200
	RetryAfter string        // Retry-After header for 429/503
}

// DefaultTimeoutHold is how long a "timeout" answer holds a request: longer than
// the request timeouts platforms use, so the sender gives up first.
const DefaultTimeoutHold = 60 * time.Second

// ParseRespond reads STATUS[,delay=DUR][,rate=FRACTION][,retry-after=S] or
// timeout[,delay=DUR][,rate=FRACTION]; "200" and "" mean the normal answer.
func ParseRespond(spec string) (Respond, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return Respond{Status: http.StatusOK, Rate: 1}, nil
	}
	parts := strings.Split(spec, ",")
	r := Respond{Rate: 1}
	switch head := strings.TrimSpace(parts[0]); {
	case strings.EqualFold(head, "timeout"):
		r.Timeout, r.Delay = true, DefaultTimeoutHold
	default:
		n, err := strconv.Atoi(head)
		if err != nil || n < 200 || n > 599 {
			return Respond{}, fmt.Errorf("respond %q: want a status 200-599 or timeout first, e.g. 500,rate=0.3", spec)
		}
		r.Status = n
	}
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok {
			return Respond{}, fmt.Errorf("respond %q: option %q wants key=value", spec, p)
		}
		switch strings.ToLower(k) {
		case "delay":
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return Respond{}, fmt.Errorf("respond %q: delay %q is not a duration such as 2s", spec, v)
			}
			r.Delay = d
		case "rate":
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f <= 0 || f > 1 {
				return Respond{}, fmt.Errorf("respond %q: rate %q must be a fraction in (0,1]", spec, v)
			}
			r.Rate = f
		case "retry-after":
			if _, err := strconv.Atoi(v); err != nil {
				return Respond{}, fmt.Errorf("respond %q: retry-after %q must be seconds", spec, v)
			}
			r.RetryAfter = v
		default:
			return Respond{}, fmt.Errorf("respond %q: unknown option %q (delay, rate, retry-after)", spec, k)
		}
	}
	if r.RetryAfter == "" && (r.Status == http.StatusTooManyRequests || r.Status == http.StatusServiceUnavailable) {
		r.RetryAfter = "5"
	}
	return r, nil
}

// Normal reports whether r is the plain 200 answer.
func (r Respond) Normal() bool { return !r.Timeout && r.Status == http.StatusOK && r.Delay == 0 }

// String is the spec ParseRespond reads back.
func (r Respond) String() string {
	var b strings.Builder
	if r.Timeout {
		b.WriteString("timeout")
	} else {
		b.WriteString(strconv.Itoa(r.Status))
	}
	if r.Delay > 0 && !(r.Timeout && r.Delay == DefaultTimeoutHold) {
		b.WriteString(",delay=" + r.Delay.String())
	}
	if r.Rate > 0 && r.Rate < 1 {
		b.WriteString(",rate=" + strconv.FormatFloat(r.Rate, 'g', -1, 64))
	}
	if r.RetryAfter != "" && r.RetryAfter != "5" {
		b.WriteString(",retry-after=" + r.RetryAfter)
	}
	return b.String()
}

// RespondModes are the answers the console cycles through.
var RespondModes = []string{"200", "500", "429", "503,rate=0.5", "200,delay=5s", "timeout"}

// Responder holds the current simulated answer; the console changes it while the
// listener runs.
type Responder struct {
	mode atomic.Pointer[Respond]
	roll func() float64
}

// NewResponder starts with r.
func NewResponder(r Respond) *Responder {
	rs := &Responder{roll: rand.Float64}
	rs.Set(r)
	return rs
}

// Set changes the answer for requests that arrive from now on.
func (rs *Responder) Set(r Respond) { rs.mode.Store(&r) }

// Mode is the current answer.
func (rs *Responder) Mode() Respond { return *rs.mode.Load() }

// decide picks this request's answer: the mode's, or 200 for requests outside its rate.
func (rs *Responder) decide() Respond {
	r := rs.Mode()
	if r.Normal() || (r.Rate < 1 && rs.roll() >= r.Rate) {
		return Respond{Status: http.StatusOK, Rate: 1}
	}
	return r
}
