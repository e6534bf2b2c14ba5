package catalog

import "net/http"

// Derived is what the catalog derives from one classified request when it arrives.
// The schema check is not in it: it depends on nothing but source, type and body, so
// it is computed where it is shown (Check), always against the current catalog.
type Derived struct {
	DedupKey    string
	Correlation string
	Summary     string
}

// Parsed is a request body parsed at most once and shared by every catalog derivation
// of one event: Classify then Derive cost one JSON parse instead of four. Not safe for
// concurrent use.
type Parsed struct{ b parsedBody }

// Parse wraps body; nothing is parsed until a derivation needs it.
func Parse(body []byte) *Parsed { return &Parsed{b: parsedBody{raw: body}} }

// IsJSON reports whether the body is exactly one JSON value, as json.Valid does.
func (p *Parsed) IsJSON() bool {
	return p.b.isJSON()
}

// Classify is the package-level Classify on the shared parse.
func (p *Parsed) Classify(path string, h http.Header) (src, typ string) {
	src, typ = classify(path, h, &p.b)
	return src, cleanText(typ, maxTypeRunes)
}

// Check is the package-level Check on the shared parse.
func (p *Parsed) Check(source, typ string) Result { return check(source, typ, &p.b) }

// Derive is DedupKey, Correlation and Summary on the shared parse.
func (p *Parsed) Derive(source, typ, path string, h http.Header) Derived {
	return Derived{
		DedupKey:    dedupKey(source, path, h, &p.b),
		Correlation: cleanText(correlation(source, typ, &p.b), maxIDLen),
		Summary:     cleanText(summary(source, typ, &p.b), maxSummaryRunes),
	}
}

// Derive is DedupKey, Correlation and Summary in one call that parses body once.
func Derive(source, typ, path string, h http.Header, body []byte) Derived {
	return Parse(body).Derive(source, typ, path, h)
}
