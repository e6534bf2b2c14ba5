package tunnel

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads/catalog"
)

// checkedSchemes are the schemes the handler apps are written for, with a secret of
// the form each platform hands out.
var checkedSchemes = map[string]string{
	"dexatel":  "s3cret",
	"stripe":   "whsec_test_7f3a",
	"standard": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	"github":   "gh-hook-secret",
}

func runCheck(t *testing.T, app *hookApp, opts ...func(*CheckRequest)) CheckReport {
	t.Helper()
	url := app.start(t)
	req := CheckRequest{URL: url, Scheme: app.scheme, Secret: app.secret, Timeout: 2 * time.Second, Burst: 20}
	if e, ok := DefaultCheckEvent(app.scheme); ok {
		req.Event = &e
	}
	for _, o := range opts {
		o(&req)
	}
	report, err := Check(context.Background(), req)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if len(report.Probes) != 10 {
		t.Fatalf("%d probes, want 10", len(report.Probes))
	}
	return report
}

func failedNumbers(r CheckReport) []int {
	var n []int
	for _, p := range r.Probes {
		if !p.OK {
			n = append(n, p.Number)
		}
	}
	return n
}

func card(r CheckReport) string {
	var b strings.Builder
	for _, p := range r.Probes {
		fmt.Fprintf(&b, "%2d %-20s ok=%v skipped=%v %s | %s | %s\n", p.Number, p.Name, p.OK, p.Skipped, p.Answer, p.Problem, p.Fix)
	}
	return b.String()
}

func wantFailed(t *testing.T, r CheckReport, want ...int) {
	t.Helper()
	if got := failedNumbers(r); !slices.Equal(got, want) {
		t.Fatalf("failed probes %v, want %v\n%s", got, want, card(r))
	}
}

func forEachScheme(t *testing.T, f func(t *testing.T, scheme, secret string)) {
	for scheme, secret := range checkedSchemes {
		t.Run(scheme, func(t *testing.T) { f(t, scheme, secret) })
	}
}

func TestCheckACorrectHandlerPassesEveryProbe(t *testing.T) {
	forEachScheme(t, func(t *testing.T, scheme, secret string) {
		r := runCheck(t, &hookApp{scheme: scheme, secret: secret, verifies: true})
		wantFailed(t, r)
		if !r.Passed() || r.Failed() != 0 {
			t.Fatalf("Passed()=%v Failed()=%d", r.Passed(), r.Failed())
		}
		burst := r.Probes[9]
		if burst.P50 <= 0 || burst.P99 < burst.P50 || len(burst.Requests) != 20 {
			t.Errorf("burst p50 %v p99 %v over %d requests", burst.P50, burst.P99, len(burst.Requests))
		}
		if r.Probes[0].Latency <= 0 || !strings.HasPrefix(r.Probes[0].Answer, "200 in ") {
			t.Errorf("valid probe answer %q latency %v", r.Probes[0].Answer, r.Probes[0].Latency)
		}
	})
}

// Every scheme check knows is signed so that a handler verifying with payloads/sig passes.
func TestCheckEverySchemeAgainstACorrectHandler(t *testing.T) {
	for _, scheme := range CheckSchemes() {
		t.Run(scheme, func(t *testing.T) {
			r := runCheck(t, &hookApp{scheme: scheme, secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", verifies: true},
				func(req *CheckRequest) { req.Burst = 4 })
			wantFailed(t, r)
			if scheme == "dexatel" && r.Generic || scheme == "stripe" && !r.Generic {
				t.Errorf("%s: Generic=%v (event %s)", scheme, r.Generic, r.Event)
			}
		})
	}
}

func TestCheckAHandlerThatVerifiesNothingFailsTheSignatureProbes(t *testing.T) {
	forEachScheme(t, func(t *testing.T, scheme, secret string) {
		r := runCheck(t, &hookApp{scheme: scheme, secret: secret})
		timestamped := scheme == "stripe" || scheme == "standard"
		if timestamped {
			wantFailed(t, r, 2, 3, 4, 5, 6)
		} else {
			wantFailed(t, r, 2, 3, 4, 5)
			if p := r.Probes[5]; !p.Skipped || !strings.Contains(p.Problem, "signs no timestamp") {
				t.Errorf("stale probe for %s: %+v", scheme, p)
			}
		}
		explain := map[int][]string{
			2: {"accepted a body changed after it was signed", "raw body", "hmac.Equal"},
			3: {"another secret", "hmac.Equal"},
			4: {"without the", "header", "answer 401"},
			5: {"accepted a malformed", "400"},
			6: {"old", "5 minutes"},
		}
		for n, words := range explain {
			p := r.Probes[n-1]
			if n == 6 && !timestamped {
				continue
			}
			if p.Status != 200 {
				t.Errorf("probe %d status %d, want the 200 the app answered", n, p.Status)
			}
			for _, w := range words {
				if !strings.Contains(p.Problem+" "+p.Fix, w) {
					t.Errorf("probe %d (%s) does not say %q: %s / %s", n, p.Name, w, p.Problem, p.Fix)
				}
			}
		}
	})
}

func TestCheckAHandlerThatCrashesOnAMalformedHeaderFailsProbe5(t *testing.T) {
	forEachScheme(t, func(t *testing.T, scheme, secret string) {
		for _, app := range []*hookApp{
			{scheme: scheme, secret: secret, verifies: true, crashOnBadSig: true},
			{scheme: scheme, secret: secret, verifies: true, fiveHundredBad: true},
		} {
			r := runCheck(t, app)
			wantFailed(t, r, 5)
			p := r.Probes[4]
			if !strings.Contains(p.Problem, "crashed on a malformed") || !strings.Contains(p.Fix, "defensively") {
				t.Errorf("probe 5: %s / %s", p.Problem, p.Fix)
			}
			if app.fiveHundredBad && p.Status != 500 || app.crashOnBadSig && !strings.Contains(p.Answer, "without an answer") {
				t.Errorf("probe 5 answered %q (%d)", p.Answer, p.Status)
			}
		}
	})
}

func TestCheckAHandlerSlowerThanTheTimeoutFailsProbe1(t *testing.T) {
	forEachScheme(t, func(t *testing.T, scheme, secret string) {
		r := runCheck(t, &hookApp{scheme: scheme, secret: secret, verifies: true, slowWork: 5 * time.Second},
			func(req *CheckRequest) { req.Timeout = 150 * time.Millisecond; req.Burst = 3 })
		// Every new valid event takes too long; the refusals stay fast, and the app
		// acknowledges the redelivery of what it already has at once.
		wantFailed(t, r, 1, 8, 9, 10)
		p := r.Probes[0]
		if p.Answer != "no answer within 150ms" || !strings.Contains(p.Problem, "sends it again") || !strings.Contains(p.Fix, "background") {
			t.Errorf("probe 1: %q %s / %s", p.Answer, p.Problem, p.Fix)
		}
	})
}

func TestCheckAHandlerThatRejectsDuplicatesFailsProbe7(t *testing.T) {
	forEachScheme(t, func(t *testing.T, scheme, secret string) {
		r := runCheck(t, &hookApp{scheme: scheme, secret: secret, verifies: true, rejectDups: true})
		wantFailed(t, r, 7)
		p := r.Probes[6]
		if p.Status != 409 || !strings.Contains(p.Fix, "deduplicate by") || !strings.Contains(p.Problem, "already received") {
			t.Errorf("probe 7: %d %s / %s", p.Status, p.Problem, p.Fix)
		}
	})
}

func TestCheckAHandlerThatRefusesUnknownTypesFailsProbe8(t *testing.T) {
	forEachScheme(t, func(t *testing.T, scheme, secret string) {
		r := runCheck(t, &hookApp{scheme: scheme, secret: secret, verifies: true, rejectUnknown: true})
		wantFailed(t, r, 8)
		if p := r.Probes[7]; p.Status != 400 || !strings.Contains(p.Fix, "event types you don't handle") {
			t.Errorf("probe 8: %d %s", p.Status, p.Fix)
		}
	})
}

func TestCheckAHandlerThatRefusesOutOfOrderStatusesFailsProbe9(t *testing.T) {
	forEachScheme(t, func(t *testing.T, scheme, secret string) {
		r := runCheck(t, &hookApp{scheme: scheme, secret: secret, verifies: true, rejectRegress: true})
		wantFailed(t, r, 9)
		p := r.Probes[8]
		if p.Status != 409 || len(p.Requests) != 2 || !strings.Contains(p.Problem, "out of order") {
			t.Errorf("probe 9: %d, %d requests, %s", p.Status, len(p.Requests), p.Problem)
		}
	})
}

func TestCheckAHandlerThatCannotTakeABurstFailsProbe10(t *testing.T) {
	forEachScheme(t, func(t *testing.T, scheme, secret string) {
		r := runCheck(t, &hookApp{scheme: scheme, secret: secret, verifies: true, maxInFlight: 1, slowWork: 50 * time.Millisecond})
		wantFailed(t, r, 10)
		if p := r.Probes[9]; p.Status != 503 || !strings.Contains(p.Problem, "concurrent") {
			t.Errorf("probe 10: %d %q %s", p.Status, p.Answer, p.Problem)
		}
	})
}

func TestCheckRefusesWhatItCannotRun(t *testing.T) {
	ctx := context.Background()
	if _, err := Check(ctx, CheckRequest{URL: "http://127.0.0.1:1/x", Scheme: "hmac", Secret: "s"}); !errors.Is(err, ErrCheckScheme) {
		t.Errorf("hmac: %v", err)
	}
	if _, err := Check(ctx, CheckRequest{URL: "ftp://x", Scheme: "dexatel", Secret: "s"}); !errors.Is(err, ErrBadTarget) {
		t.Errorf("ftp: %v", err)
	}
	if _, err := Check(ctx, CheckRequest{URL: "http://127.0.0.1:1/x", Scheme: "dexatel"}); err == nil {
		t.Error("no secret accepted")
	}
	if _, err := Check(ctx, CheckRequest{URL: "http://" + closedAddr(t) + "/x", Scheme: "dexatel", Secret: "s"}); !errors.Is(err, ErrCheckUnreachable) {
		t.Errorf("closed port: %v", err)
	}
}

func TestCheckProbeBodies(t *testing.T) {
	if got := string(changeOneBodyByte([]byte(`{"a":"2019"}`))); got != `{"a":"2018"}` {
		t.Errorf("changeOneBodyByte: %s", got)
	}
	if got := string(changeOneBodyByte([]byte(`{"a":"x"}`))); got == `{"a":"x"}` {
		t.Error("changeOneBodyByte changed nothing")
	}
	now := time.Now()
	for _, name := range []string{"dexatel.delivery", "dexatel.message", "dexra.message_in", "conversa.payment.paid"} {
		e, err := catalog.Find(name)
		if err != nil {
			t.Fatal(err)
		}
		events := catalogEvents{e}
		body, err := events.unknownType(now)
		if err != nil || !strings.Contains(string(body), unknownEventType) || !strings.Contains(string(body), unknownFieldName) {
			t.Errorf("%s unknownType: %s %v", name, body, err)
		}
		a, b, what, err := events.outOfOrder(now)
		if err != nil || what == "" || string(a) == string(b) {
			t.Errorf("%s outOfOrder: %s / %s %q %v", name, a, b, what, err)
		}
	}
	if got := checkNearestRank([]time.Duration{1, 2, 3, 4}, 50); got != 2 {
		t.Errorf("p50 of 1..4 = %v", got)
	}
	if got := checkNearestRank([]time.Duration{1, 2, 3, 4}, 99); got != 4 {
		t.Errorf("p99 of 1..4 = %v", got)
	}
}
