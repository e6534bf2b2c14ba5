// Package durationtext writes durations the way Go reads them, without the zero
// units time.Duration.String leaves at the end ("1h", not "1h0m0s").
package durationtext

import (
	"strings"
	"time"
)

// Compact is d.String() with a trailing zero minutes or seconds unit dropped:
// "1h", "1h30m", "10m", "1m30s", "30s". time.ParseDuration reads it back to d.
func Compact(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
