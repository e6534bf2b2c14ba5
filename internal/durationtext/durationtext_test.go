package durationtext

import (
	"testing"
	"time"
)

func TestCompactDropsOnlyWholeZeroUnits(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                            "0s",
		500 * time.Millisecond:       "500ms",
		10 * time.Millisecond:        "10ms",
		30 * time.Second:             "30s",
		50 * time.Second:             "50s",
		time.Minute:                  "1m",
		90 * time.Second:             "1m30s",
		110 * time.Second:            "1m50s",
		10 * time.Minute:             "10m",
		time.Hour:                    "1h",
		10 * time.Hour:               "10h",
		90 * time.Minute:             "1h30m",
		2*time.Hour + 10*time.Minute: "2h10m",
		time.Hour + 5*time.Second:    "1h0m5s",
		-30 * time.Second:            "-30s",
		-time.Hour:                   "-1h",
	} {
		got := Compact(d)
		if got != want {
			t.Errorf("Compact(%v) = %q, want %q", d, got, want)
		}
		if back, err := time.ParseDuration(got); err != nil || back != d {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", got, back, err, d)
		}
	}
}
