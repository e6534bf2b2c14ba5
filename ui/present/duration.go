package present

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Human is d as a person reads it: the two largest units ("6d 4h", "3m 20s", "45s").
func Human(d time.Duration) string {
	if d < 0 {
		return "-" + Human(-d)
	}
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	secs := int64(d / time.Second)
	parts := []struct {
		n    int64
		unit string
	}{{secs / 86400, "d"}, {secs % 86400 / 3600, "h"}, {secs % 3600 / 60, "m"}, {secs % 60, "s"}}
	for i, p := range parts {
		if p.n == 0 && i < len(parts)-1 {
			continue
		}
		s := fmt.Sprintf("%d%s", p.n, p.unit)
		if i+1 < len(parts) && parts[i+1].n > 0 {
			s += fmt.Sprintf(" %d%s", parts[i+1].n, parts[i+1].unit)
		}
		return s
	}
	return "0s"
}

// secondsIn is a count of seconds in a sentence ("by 196159041s").
var secondsIn = regexp.MustCompile(`\b(\d+)s\b`)

// HumanSeconds rewrites counts of seconds in text of 100 s or more as human
// durations ("outside tolerance by 196159041s" → "by 2270d 8h").
func HumanSeconds(text string) string {
	return secondsIn.ReplaceAllStringFunc(text, func(m string) string {
		n, err := strconv.ParseInt(m[:len(m)-1], 10, 64)
		if err != nil || n < 100 || n > int64(1<<62/time.Second) {
			return m
		}
		return Human(time.Duration(n) * time.Second)
	})
}
