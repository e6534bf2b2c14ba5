package cli

import (
	"testing"
	"time"
)

// The banner says the retry window the user gave, whole: "30s" was once cut to "3".
func TestRetryTextSaysTheWindowGiven(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Second: "failed deliveries are retried in order for 30s",
		10 * time.Minute: "failed deliveries are retried in order for 10m",
		90 * time.Minute: "failed deliveries are retried in order for 1h30m",
		0:                "failed deliveries are retried in order for 1h",
		-1:               "failed deliveries are not retried",
	} {
		if got := retryText(d); got != want {
			t.Errorf("retryText(%v) = %q, want %q", d, got, want)
		}
	}
}
