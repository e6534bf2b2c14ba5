package catalog

import "net/http"

// Derived is what the catalog derives from one classified request.
type Derived struct {
	Schema      Result
	DedupKey    string
	Correlation string
	Summary     string
}

// Parsed is a request body parsed at most once and shared by every catalog derivation
// of one event: Classify then Derive cost one JSON parse instead of five. Not safe for
// concurrent use.
type Parsed struct{ b *parsedBody }

// Parse wraps body; nothing is parsed until a derivation needs it.
func Parse(body []byte) *Parsed { return &Parsed{b: parse(body)} }

// Classify is the package-level Classify on the shared parse.
func (p *Parsed) Classify(path string, h http.Header) (src, typ string) {
	src, typ = classify(path, h, p.b)
	return src, cleanText(typ, maxTypeRunes)
}

// Derive is Check, DedupKey, Correlation and Summary on the shared parse.
func (p *Parsed) Derive(source, typ string, h http.Header) Derived {
	return Derived{
		Schema:      check(source, typ, p.b),
		DedupKey:    dedupKey(source, h, p.b),
		Correlation: cleanText(correlation(source, typ, p.b), maxIDLen),
		Summary:     cleanText(summary(source, typ, p.b), maxSummaryRunes),
	}
}

// Derive is Check, DedupKey, Correlation and Summary in one call that parses body once.
func Derive(source, typ string, h http.Header, body []byte) Derived {
	return Parse(body).Derive(source, typ, h)
}
