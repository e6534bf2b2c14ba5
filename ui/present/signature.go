package present

import (
	"fmt"
	"strings"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/ui/sanitize"
)

// Signature presents the verdict: scheme, status, exact reason, which secret matched,
// and for a failure the expected and received values and what commonly causes it.
func Signature(ev *payloads.Event) Doc {
	v := ev.Signature
	scheme := field("Scheme", span(Plain, sanitize.Line(v.Scheme)))
	if v.Scheme == "" {
		scheme = field("Scheme", span(Missing, "none: the request has no signature header of a known scheme"))
	}
	doc := Doc{
		scheme,
		field("Verdict", VerdictSpan(v.Status), span(Plain, " "+verdictWords(v))),
	}
	if v.Reason != "" {
		doc = append(doc, field("Reason", span(verdictKind(v.Status), HumanSeconds(sanitize.Line(v.Reason)))))
	}
	switch {
	case v.SecretIndex >= 0:
		doc = append(doc, field("Secret", span(Plain, fmt.Sprintf("configured secret #%d matched", v.SecretIndex+1))))
	case v.Status == sig.Fail && v.Reason == sig.ReasonMismatch:
		doc = append(doc, field("Secret", span(Plain, "no configured secret matched")))
	}
	if v.Expected != "" || v.Received != "" {
		doc = append(doc,
			field("Expected", span(Plain, sanitize.Line(v.Expected))),
			Line{span(Muted, padRight("", 10)+"(what the first configured secret computes over the body as received)")},
			field("Received", span(Plain, sanitize.Line(v.Received))),
		)
	}
	if causes := Causes(v); len(causes) > 0 {
		doc = append(doc, nil, Line{span(Label, "Common causes")})
		for _, c := range causes {
			doc = append(doc, Line{span(Muted, "  • "), span(Plain, c)})
		}
	}
	return doc
}

// verdictWords is the status, said plainly when nothing could be checked.
func verdictWords(v sig.Verdict) string {
	if v.Scheme == "" && (v.Status == sig.Missing || v.Status == sig.Unchecked) {
		return string(sig.Missing) + ": unsigned, nothing to verify"
	}
	return string(v.Status)
}

// Causes lists what commonly produces a verdict like v, most likely first.
func Causes(v sig.Verdict) []string {
	r := strings.ToLower(v.Reason)
	switch {
	case v.Status == sig.Pass:
		return nil
	case r == sig.ReasonMismatch:
		return []string{
			"wrong secret: the secret configured here is not the one set in the platform's dashboard (or it was rotated; add the new one, keep the old until retries drain)",
			"body changed on the way: a proxy, gateway or framework re-encoded the JSON (whitespace, key order, unicode escapes, charset) — the signature covers the exact raw bytes",
			"wrong scheme or encoding: the platform signs another way than the scheme chosen here (hex vs base64, prefix, header)",
		}
	case strings.Contains(r, "timestamp"):
		return []string{
			"stale timestamp: the platform retried an old delivery, or this is a replay of a captured request",
			"clock skew: this machine's clock or the sender's is off; check NTP",
			"tolerance too tight for the sender: widen it with the listener's tolerance option",
		}
	case r == sig.ReasonNoSecret:
		return []string{"no webhook secret is configured for this scheme: set it in the config or with the listener's secret option to check signatures"}
	case v.Status == sig.Missing || strings.Contains(r, "missing") || r == sig.ReasonNoHeader:
		return []string{
			"the platform is not set to sign webhooks, or signs with another scheme (pick it explicitly instead of auto)",
			"a proxy in front of the listener stripped the signature header",
		}
	case strings.Contains(r, "malformed"):
		return []string{
			"the header is not in the scheme's format: wrong scheme selected, or a proxy rewrote the header",
		}
	}
	return nil
}

// VerdictSpan is the verdict glyph: ✓ pass, ✗ fail, ? missing, – unchecked.
func VerdictSpan(s sig.Status) Span {
	return span(verdictKind(s), Glyph(s))
}

// Glyph is the verdict mark.
func Glyph(s sig.Status) string {
	switch s {
	case sig.Pass:
		return "✓"
	case sig.Fail:
		return "✗"
	case sig.Missing:
		return "?"
	default:
		return "–"
	}
}

func verdictKind(s sig.Status) Kind {
	switch s {
	case sig.Pass:
		return Pass
	case sig.Fail:
		return Fail
	case sig.Missing:
		return Missing
	default:
		return Unchecked
	}
}
