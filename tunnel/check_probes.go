package tunnel

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// probe is one line of the card: what it sends and how it judges the answer.
type checkProbe struct {
	name  string
	title func(c *checker) string
	run   func(ctx context.Context, c *checker) ProbeResult
}

// checkProbes are the card's lines, in order; the redelivery probe resends the first's request.
var checkProbes = []checkProbe{
	{"valid", fixedProbeTitle("valid, freshly signed event"), probeValid},
	{"tampered_body", fixedProbeTitle("one body byte changed, original signature"), probeTampered},
	{"wrong_secret", fixedProbeTitle("signed with another secret"), probeWrongSecret},
	{"no_signature", func(c *checker) string { return "no " + c.scheme.signatureHeaders[0] + " header" }, probeNoSignature},
	{"malformed_signature", func(c *checker) string { return "malformed " + c.scheme.signatureHeaders[0] + " header" }, probeMalformed},
	{"stale_timestamp", func(*checker) string { return "correctly signed " + checkStaleAgeText + " ago" }, probeStale},
	{"redelivery", fixedProbeTitle("the valid event delivered again"), probeRedelivery},
	{"unknown_type", fixedProbeTitle("unknown event type with an unknown field"), probeUnknownType},
	{"out_of_order", fixedProbeTitle("statuses of one message out of order"), probeOutOfOrder},
	{"burst", func(c *checker) string { return fmt.Sprintf("burst of %d concurrent events", c.req.Burst) }, probeBurst},
}

func fixedProbeTitle(s string) func(*checker) string { return func(*checker) string { return s } }

// Advice shared by several probes.
const (
	fixFast     = "answer 2xx as soon as the event is verified and stored; do the work in the background (a queue or a goroutine)"
	fixRecover  = "recover from panics (a middleware) and answer 4xx for bad input; the handler's log has the stack"
	fixRedirect = "use the final URL as the webhook URL (check the trailing slash and http vs https): platforms do not follow redirects"
	fix4xxNot5  = "answer 401 (or 400) when the signature check fails: a 5xx says \"my fault, try again\", so the platform retries what should be refused"
)

func probeValid(ctx context.Context, c *checker) ProbeResult {
	res := ProbeResult{Want: "2xx within " + c.req.Timeout.String()}
	d, err := c.freshSigned()
	if err != nil {
		return probeNotBuilt(res, err)
	}
	c.valid = &d
	ex := c.send(ctx, d)
	return c.judgeAccepted(res, ex, func(status int) (string, string) {
		if status == http.StatusUnauthorized || status == http.StatusForbidden || status == http.StatusBadRequest {
			return "refused a correctly signed event", "verify with the endpoint's secret as the platform shows it: " + c.scheme.verifyHow + "; read the raw body before any JSON decoding"
		}
		return "failed on a correctly signed event", "look at the handler's log for this request; it must answer 2xx to a valid event"
	})
}

func probeTampered(ctx context.Context, c *checker) ProbeResult {
	res := ProbeResult{Want: "4xx"}
	if !c.scheme.coversBody {
		res.OK, res.Skipped = true, true
		res.Problem = c.scheme.name + "'s secret token does not cover the body, so a changed body cannot be detected"
		return res
	}
	d, err := c.freshSigned()
	if err != nil {
		return probeNotBuilt(res, err)
	}
	d.body = changeOneBodyByte(d.body)
	return c.judgeRejected(res, c.send(ctx, d),
		"accepted a body changed after it was signed",
		"compute the HMAC over the raw body bytes as received, before parsing JSON ("+c.scheme.verifyHow+"); compare with hmac.Equal and answer 401 on a mismatch")
}

func probeWrongSecret(ctx context.Context, c *checker) ProbeResult {
	res := ProbeResult{Want: "4xx"}
	body, err := c.events.fresh(c.req.Now())
	if err != nil {
		return probeNotBuilt(res, err)
	}
	d, err := c.scheme.signed(c.target, c.scheme.otherSecret(c.req.Secret), body, "", c.req.Now())
	if err != nil {
		return probeNotBuilt(res, err)
	}
	return c.judgeRejected(res, c.send(ctx, d),
		"accepted a signature made with another secret",
		"recompute the signature with your endpoint's own secret and compare it with hmac.Equal; a signature that merely parses proves nothing")
}

func probeNoSignature(ctx context.Context, c *checker) ProbeResult {
	res := ProbeResult{Want: "4xx"}
	d, err := c.freshSigned()
	if err != nil {
		return probeNotBuilt(res, err)
	}
	header := c.scheme.signatureHeaders[0]
	return c.judgeRejected(res, c.send(ctx, c.scheme.withoutSignature(d)),
		"accepted an event without the "+header+" header",
		"treat a missing "+header+" header as a failed check and answer 401; never skip verification when the header is absent")
}

func probeMalformed(ctx context.Context, c *checker) ProbeResult {
	res := ProbeResult{Want: "4xx, not 5xx"}
	d, err := c.freshSigned()
	if err != nil {
		return probeNotBuilt(res, err)
	}
	header := c.scheme.signatureHeaders[0]
	ex := c.send(ctx, c.scheme.withMalformedSignature(d))
	res = c.judgeRejected(res, ex,
		"accepted a malformed "+header+" header",
		"reject an "+header+" value that does not parse: answer 400 or 401")
	if !res.OK && (ex.Status >= 500 || (ex.Err != nil && ex.Status == 0 && !isCheckTimeout(ex.Err))) {
		res.Problem = "crashed on a malformed " + header + " header (" + res.Answer + "): a 5xx makes the platform retry, and input can knock the handler over"
		res.Fix = "parse the header defensively: check lengths and prefixes before indexing or decoding, and answer 400 when it does not parse (never panic)"
	}
	return res
}

func probeStale(ctx context.Context, c *checker) ProbeResult {
	res := ProbeResult{Want: "4xx"}
	if !c.scheme.timestamped {
		res.OK, res.Skipped = true, true
		res.Problem = c.scheme.name + " signs no timestamp, so a replay looks like a redelivery (deduplicate instead)"
		return res
	}
	signedAt := c.req.Now().Add(-checkStaleAge)
	body, err := c.events.fresh(signedAt)
	if err != nil {
		return probeNotBuilt(res, err)
	}
	d, err := c.scheme.signed(c.target, c.req.Secret, body, "", signedAt)
	if err != nil {
		return probeNotBuilt(res, err)
	}
	return c.judgeRejected(res, c.send(ctx, d),
		"accepted a correctly signed event whose timestamp is "+checkStaleAgeText+" old: a captured request can be replayed at will",
		"after the signature verifies, reject a timestamp more than 5 minutes from now (the "+c.scheme.name+" libraries do this when given a tolerance)")
}

func probeRedelivery(ctx context.Context, c *checker) ProbeResult {
	res := ProbeResult{Want: "2xx (idempotent)"}
	if c.valid == nil {
		return probeNotBuilt(res, fmt.Errorf("the valid event could not be built"))
	}
	// The platform signs a redelivery anew (fresh timestamp) with the same id and body.
	d, err := c.scheme.signed(c.target, c.req.Secret, c.valid.body, c.deliveryID(*c.valid), c.req.Now())
	if err != nil {
		return probeNotBuilt(res, err)
	}
	return c.judgeAccepted(res, c.send(ctx, d), func(status int) (string, string) {
		return "refused an event it had already received: platforms redeliver whenever an answer is lost, and retry a refused event until they give up",
			"deduplicate by " + c.scheme.dedupBy + ": answer 2xx to one already processed, without processing it again"
	})
}

// deliveryID is the id header a delivery carried, reused by its redelivery.
func (c *checker) deliveryID(d probeRequest) string {
	if c.scheme.idHeader == "" {
		return ""
	}
	return d.header.Get(c.scheme.idHeader)
}

func probeUnknownType(ctx context.Context, c *checker) ProbeResult {
	res := ProbeResult{Want: "2xx (ignored)"}
	body, err := c.events.unknownType(c.req.Now())
	if err != nil {
		return probeNotBuilt(res, err)
	}
	d, err := c.scheme.signed(c.target, c.req.Secret, body, "", c.req.Now())
	if err != nil {
		return probeNotBuilt(res, err)
	}
	return c.judgeAccepted(res, c.send(ctx, d), func(int) (string, string) {
		return "refused a validly signed event of a type it does not know: platforms add types and fields, and disable endpoints that keep failing",
			"answer 2xx to event types you don't handle, and ignore fields you don't know (no DisallowUnknownFields, no strict schema on input)"
	})
}

func probeOutOfOrder(ctx context.Context, c *checker) ProbeResult {
	res := ProbeResult{Want: "2xx, 2xx"}
	first, second, what, err := c.events.outOfOrder(c.req.Now())
	if err != nil {
		return probeNotBuilt(res, err)
	}
	for i, body := range [][]byte{first, second} {
		d, err := c.scheme.signed(c.target, c.req.Secret, body, "", c.req.Now())
		if err != nil {
			return probeNotBuilt(res, err)
		}
		ex := c.send(ctx, d)
		part := c.judgeAccepted(res, ex, func(int) (string, string) {
			return "refused the second of two events arriving out of order (" + what + ")",
				"don't assume arrival order: keep the latest state by the event's own timestamp and answer 2xx to an older one"
		})
		part.Requests = append(res.Requests, ex)
		res = part
		if !res.OK {
			if i == 0 {
				res.Problem = "refused the first event (" + what + "): " + res.Problem
			}
			return res
		}
	}
	res.Answer = fmt.Sprintf("%d, %d", res.Requests[0].Status, res.Requests[1].Status)
	return res
}

func probeBurst(ctx context.Context, c *checker) ProbeResult {
	res := ProbeResult{Want: fmt.Sprintf("%d×2xx within %s", c.req.Burst, c.req.Timeout)}
	ds := make([]probeRequest, c.req.Burst)
	for i := range ds {
		d, err := c.freshSigned()
		if err != nil {
			return probeNotBuilt(res, err)
		}
		ds[i] = d
	}
	exs := make([]ProbeExchange, len(ds))
	var wg sync.WaitGroup
	for i, d := range ds {
		wg.Go(func() { exs[i] = c.send(ctx, d) })
	}
	wg.Wait()
	res.Requests = exs
	var latencies []time.Duration
	var failed []ProbeExchange
	for _, ex := range exs {
		if ex.Err == nil && ex.Status >= 200 && ex.Status <= 299 {
			latencies = append(latencies, ex.Latency)
		} else {
			failed = append(failed, ex)
		}
	}
	slices.Sort(latencies)
	res.P50, res.P99 = checkNearestRank(latencies, 50), checkNearestRank(latencies, 99)
	res.Answer = fmt.Sprintf("%d/%d 2xx · p50 %s · p99 %s", len(latencies), len(exs), roundCheckLatency(res.P50), roundCheckLatency(res.P99))
	res.Latency = res.P99
	if len(failed) == 0 {
		res.OK, res.Status = true, exs[len(exs)-1].Status
		return res
	}
	res.Status, res.Latency = failed[0].Status, failed[0].Latency
	res.Answer += fmt.Sprintf("; first failure: %s", c.answered(failed[0]))
	res.Problem = fmt.Sprintf("%d of %d concurrent events were not answered 2xx in time: platforms deliver concurrently and retry each failure", len(failed), len(exs))
	res.Fix = "acknowledge fast and process from a queue; don't hold a global lock or a single database connection across the handler"
	return res
}

// checkNearestRank is the nearest-rank p-th percentile of sorted, 0 when empty.
func checkNearestRank(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 · n)
	return sorted[max(rank, 1)-1]
}

// judgeAccepted passes a 2xx; refused names the problem and fix for another status.
func (c *checker) judgeAccepted(res ProbeResult, ex ProbeExchange, refused func(status int) (problem, fix string)) ProbeResult {
	res.Requests = []ProbeExchange{ex}
	res.Status, res.Latency, res.Answer = ex.Status, ex.Latency, c.answered(ex)
	res.OK, res.Problem, res.Fix = false, "", ""
	switch {
	case ex.Err == nil && ex.Status >= 200 && ex.Status <= 299:
		res.OK = true
	case ex.Err != nil && ex.Status == 0 && (isCheckTimeout(ex.Err) || strings.Contains(ex.Err.Error(), "deadline")):
		res.Problem = "no answer within " + c.req.Timeout.String() + ": the platform counts the delivery failed and sends it again"
		res.Fix = fixFast
	case ex.Err != nil && ex.Status == 0:
		res.Problem, res.Fix = "closed the connection without an answer (a crash?)", fixRecover
	case ex.Status >= 300 && ex.Status <= 399:
		res.Problem, res.Fix = fmt.Sprintf("answered a redirect (%d)", ex.Status), fixRedirect
	default:
		res.Problem, res.Fix = refused(ex.Status)
	}
	return res
}

// judgeRejected passes a 4xx; accepted names the problem and fix for a 2xx.
func (c *checker) judgeRejected(res ProbeResult, ex ProbeExchange, accepted, fix string) ProbeResult {
	res.Requests = []ProbeExchange{ex}
	res.Status, res.Latency, res.Answer = ex.Status, ex.Latency, c.answered(ex)
	res.OK, res.Problem, res.Fix = false, "", ""
	switch {
	case ex.Err == nil && ex.Status >= 400 && ex.Status <= 499:
		res.OK = true
	case ex.Err == nil && ex.Status >= 200 && ex.Status <= 299:
		res.Problem, res.Fix = accepted, fix
	case ex.Err != nil && ex.Status == 0 && (isCheckTimeout(ex.Err) || strings.Contains(ex.Err.Error(), "deadline")):
		res.Problem = "no answer within " + c.req.Timeout.String() + " to a request it should refuse at once"
		res.Fix = "check the signature first, before any slow work, and answer 401 when it fails"
	case ex.Err != nil && ex.Status == 0:
		res.Problem, res.Fix = "closed the connection without an answer (a crash?)", fixRecover
	case ex.Status >= 300 && ex.Status <= 399:
		res.Problem, res.Fix = fmt.Sprintf("answered a redirect (%d)", ex.Status), fixRedirect
	default:
		res.Problem, res.Fix = fmt.Sprintf("answered %d instead of a 4xx", ex.Status), fix4xxNot5
	}
	return res
}

// probeNotBuilt is a probe that could not be built: nothing was sent, so it fails.
func probeNotBuilt(res ProbeResult, err error) ProbeResult {
	res.Answer = "not sent"
	res.Problem = "dexra-tui could not build the probe: " + err.Error()
	res.Fix = "report this to dexra-tui"
	return res
}

// changeOneBodyByte changes the last digit of body (still valid JSON: digits sit in
// numbers and strings), else its last byte.
func changeOneBodyByte(body []byte) []byte {
	out := bytes.Clone(body)
	if len(out) == 0 {
		return []byte{' '}
	}
	i := bytes.LastIndexAny(out, "0123456789")
	switch {
	case i < 0:
		out[len(out)-1] ^= 0x01
	case out[i] == '9':
		out[i] = '8'
	default:
		out[i]++
	}
	return out
}
