package sig

import (
	"fmt"
	"net/http"
	"strings"
)

// Auto is the scheme name that picks a scheme from the headers present.
const Auto = "auto"

// schemes in the order Names lists them.
var schemes = []Scheme{
	dexatelScheme, dexraScheme, standardScheme, svixScheme, stripeScheme{}, githubScheme,
	slackScheme{}, shopifyScheme, twilioScheme{}, telegramScheme{}, genericHMAC{},
}

// detectOrder is how auto picks: most specific header first, so a request carrying
// several signature headers is always judged the same way.
var detectOrder = []Scheme{
	stripeScheme{}, standardScheme, svixScheme, slackScheme{}, shopifyScheme, twilioScheme{},
	telegramScheme{}, githubScheme, dexatelScheme, dexraScheme,
}

// Names lists every scheme name, not including "auto".
func Names() []string {
	names := make([]string, len(schemes))
	for i, s := range schemes {
		names[i] = s.Name()
	}
	return names
}

// Lookup finds a scheme by name (case and surrounding space ignored); "auto" is not one.
func Lookup(name string) (Scheme, bool) {
	name = strings.ToLower(strings.TrimSpace(name))
	for _, s := range schemes {
		if s.Name() == name {
			return s, true
		}
	}
	return nil, false
}

// Valid reports whether name is a scheme name or "auto".
func Valid(name string) bool { return ParseScheme(name) == nil }

// ParseScheme explains why name is neither a scheme nor "auto", for command lines.
func ParseScheme(name string) error {
	if isAuto(name) {
		return nil
	}
	if _, ok := Lookup(name); ok {
		return nil
	}
	return fmt.Errorf("unknown scheme %q (known: auto, %s)", name, strings.Join(Names(), ", "))
}

func isAuto(name string) bool {
	name = strings.TrimSpace(name)
	return name == "" || strings.EqualFold(name, Auto)
}

// Detect picks the scheme whose signature header h carries. The configurable hmac
// scheme is never detected here: Check("auto") considers it when Options.HMAC names a
// header that is present.
func Detect(h http.Header) (Scheme, bool) {
	for _, s := range detectOrder {
		if s.Detect(h) {
			return s, true
		}
	}
	return nil, false
}

// Check verifies req with the named scheme, or the detected one for "auto" (or "").
func Check(scheme string, req Request, opts Options) Verdict {
	if isAuto(scheme) {
		s, ok := Detect(req.Header)
		if !ok && opts.HMAC.Header != "" && hasHeader(req.Header, opts.HMAC.Header) {
			s, ok = genericHMAC{}, true
		}
		if !ok {
			return Verdict{Status: Missing, Reason: ReasonNoHeader, SecretIndex: -1}
		}
		return s.Verify(req, opts)
	}
	s, ok := Lookup(scheme)
	if !ok {
		return unchecked("", fmt.Sprintf("unknown scheme %q", scheme))
	}
	return s.Verify(req, opts)
}

// SecretHeaders lists headers whose value is the secret itself (Telegram's token), so
// whatever stores or shows requests can redact them.
func SecretHeaders() []string { return []string{telegramHeader} }
