package tunnel

import (
	"testing"
	"time"
)

// A wait keeps its last digit: "1m50s" was once shown as "1m5".
func TestHumanWaitKeepsEveryDigit(t *testing.T) {
	for d, want := range map[time.Duration]string{
		300 * time.Millisecond:          "<1s",
		40 * time.Second:                "40s",
		110 * time.Second:               "1m50s",
		10 * time.Minute:                "10m",
		90*time.Minute + 20*time.Second: "1h30m",
		time.Hour:                       "1h",
	} {
		if got := HumanWait(d); got != want {
			t.Errorf("HumanWait(%v) = %q, want %q", d, got, want)
		}
	}
}
