package present

import (
	"testing"
	"time"
)

func TestHumanDurations(t *testing.T) {
	for d, want := range map[time.Duration]string{
		196159041 * time.Second:                    "2270d 8h",
		6*24*time.Hour + 4*time.Hour + time.Minute: "6d 4h",
		3*time.Minute + 20*time.Second:             "3m 20s",
		2 * time.Hour:                              "2h",
		45 * time.Second:                           "45s",
		1500 * time.Millisecond:                    "1s",
		250 * time.Millisecond:                     "250ms",
		-90 * time.Second:                          "-1m 30s",
	} {
		if got := Human(d); got != want {
			t.Errorf("Human(%v) = %q, want %q", d, got, want)
		}
	}
	if got := HumanSeconds("timestamp outside tolerance by 196159041s (in the past), tolerance 300s, 42s"); got != "timestamp outside tolerance by 2270d 8h (in the past), tolerance 5m, 42s" {
		t.Errorf("HumanSeconds = %q", got)
	}
}
