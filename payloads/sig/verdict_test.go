package sig

import (
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestToleranceReason(t *testing.T) {
	for _, c := range []struct {
		offset, tol time.Duration
		want        string
	}{
		{0, 0, ""},
		{DefaultTolerance, 0, ""},
		{-DefaultTolerance, 0, ""},
		{DefaultTolerance + 95*time.Second, 0, "timestamp outside tolerance by 95s (in the past)"},
		{DefaultTolerance + 95*time.Second + time.Millisecond, 0, "timestamp outside tolerance by 96s (in the past)"},
		{-DefaultTolerance - time.Nanosecond, 0, "timestamp outside tolerance by 1s (in the future)"},
		{2 * time.Minute, time.Minute, "timestamp outside tolerance by 60s (in the past)"},
		{2 * time.Minute, -time.Minute, ""}, // a negative tolerance means the default
	} {
		got := toleranceReason(t0, Options{Now: t0.Add(c.offset), Tolerance: c.tol})
		if got != c.want {
			t.Errorf("offset %v tolerance %v: %q, want %q", c.offset, c.tol, got, c.want)
		}
	}
	// Extreme clocks saturate instead of overflowing.
	far := time.Unix(maxUnix, 0)
	if got := toleranceReason(time.Unix(0, 0), Options{Now: far}); !strings.HasSuffix(got, "(in the past)") {
		t.Errorf("got %q", got)
	}
	if got := toleranceReason(far, Options{Now: time.Unix(0, 0)}); !strings.HasSuffix(got, "(in the future)") {
		t.Errorf("got %q", got)
	}
	if got := ceilSeconds(math.MaxInt64); got != math.MaxInt64/int64(time.Second)+1 {
		t.Errorf("ceilSeconds(max) = %d", got)
	}
}

func TestReceivedIsClipped(t *testing.T) {
	// A Stripe header may carry any number of unknown items; the verdict keeps a bounded prefix.
	value := "t=1700000000,v1=" + strings.Repeat("0", 64) + ",x=" + strings.Repeat("é", 400)
	v := Check("stripe", Request{Header: hdr("Stripe-Signature", value), Body: []byte("x")}, at(t0, "k"))
	wantMismatch(t, v, "stripe")
	if v.Received != clip(value) || !strings.HasPrefix(value, strings.TrimSuffix(v.Received, "…")) {
		t.Fatalf("received %q", v.Received)
	}
	long := strings.Repeat("é", 400)
	got := clip(long)
	if len(got) > maxShown+len("…") || !utf8.ValidString(got) || !strings.HasSuffix(got, "…") {
		t.Fatalf("clip gave %d bytes, valid=%v", len(got), utf8.ValidString(got))
	}
	if clip("short") != "short" {
		t.Fatal("short values are kept")
	}
}
