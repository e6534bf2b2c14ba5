package tunnel

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
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
	Headers    http.Header   // extra answer headers (header=Name:Value)
	Body       []byte        // answer body (body=…); nil: the listener's own
}

// DefaultTimeoutHold is how long a "timeout" answer holds a request: longer than
// the request timeouts platforms use, so the sender gives up first.
const DefaultTimeoutHold = 60 * time.Second

// ParseRespond reads STATUS[,delay=DUR][,rate=FRACTION][,retry-after=S][,header=Name:Value]...
// [,body=TEXT] or timeout[,delay=DUR][,rate=FRACTION]; "200" and "" mean the normal
// answer. body= comes last and takes the rest of spec, commas included.
func ParseRespond(spec string) (Respond, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return Respond{Status: http.StatusOK, Rate: 1}, nil
	}
	head, body, hasBody := strings.Cut(spec, ",body=")
	parts := strings.Split(head, ",")
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
		case "header":
			name, value, ok := strings.Cut(v, ":")
			name = strings.TrimSpace(name)
			if !ok || name == "" || !validHeader(name, value) {
				return Respond{}, fmt.Errorf("respond %q: header %q wants Name:Value", spec, v)
			}
			if r.Headers == nil {
				r.Headers = http.Header{}
			}
			r.Headers.Add(name, strings.TrimSpace(value))
		default:
			return Respond{}, fmt.Errorf("respond %q: unknown option %q (delay, rate, retry-after, header, body)", spec, k)
		}
	}
	if hasBody {
		if r.Timeout {
			return Respond{}, fmt.Errorf("respond %q: a timeout sends no body", spec)
		}
		r.Body = []byte(body)
	}
	if r.RetryAfter == "" && (r.Status == http.StatusTooManyRequests || r.Status == http.StatusServiceUnavailable) {
		r.RetryAfter = "5"
	}
	return r, nil
}

// Normal reports whether r is the plain 200 answer.
func (r Respond) Normal() bool {
	return !r.Timeout && r.Status == http.StatusOK && r.Delay == 0 && r.Body == nil && len(r.Headers) == 0
}

// validHeader: a header the listener can send as given (no line breaks, a token name).
func validHeader(name, value string) bool {
	if strings.ContainsAny(value, "\r\n\x00") {
		return false
	}
	for _, c := range name {
		if c <= ' ' || c >= 0x7f || strings.ContainsRune("()<>@,;:\\\"/[]?={}", c) {
			return false
		}
	}
	return true
}

// String is the spec ParseRespond reads back.
func (r Respond) String() string {
	var b strings.Builder
	if r.Timeout {
		b.WriteString("timeout")
	} else {
		b.WriteString(strconv.Itoa(r.Status))
	}
	if (r.Timeout && r.Delay != DefaultTimeoutHold) || (!r.Timeout && r.Delay > 0) {
		b.WriteString(",delay=" + r.Delay.String())
	}
	if r.Rate > 0 && r.Rate < 1 {
		b.WriteString(",rate=" + strconv.FormatFloat(r.Rate, 'g', -1, 64))
	}
	if r.RetryAfter != "" && r.RetryAfter != "5" {
		b.WriteString(",retry-after=" + r.RetryAfter)
	}
	for _, name := range slices.Sorted(maps.Keys(r.Headers)) {
		for _, v := range r.Headers[name] {
			b.WriteString(",header=" + name + ":" + v)
		}
	}
	if r.Body != nil {
		b.WriteString(",body=" + string(r.Body))
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

// sniffAnswerType is the Content-Type of a --respond body: JSON when it parses.
func sniffAnswerType(body []byte) string {
	if json.Valid(body) {
		return "application/json"
	}
	return "text/plain; charset=utf-8"
}
