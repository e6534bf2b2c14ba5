package tunnel

import "strconv"

// maxLoggedText bounds how much of any untrusted string reaches a log line.
const maxLoggedText = 200

// safeText makes untrusted text fit for a log: cut to maxLoggedText bytes and quoted
// with every control, escape and non-ASCII character escaped.
func safeText(s string) string {
	cut := ""
	if len(s) > maxLoggedText {
		s, cut = s[:maxLoggedText], "…(cut)"
	}
	q := strconv.QuoteToASCII(s)
	return q[1:len(q)-1] + cut // escaped, without quotes: the log handler quotes what needs it
}
