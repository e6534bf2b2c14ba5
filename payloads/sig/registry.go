package sig

import "net/http"

// placeholder below: replaced by the schemes implementation.

func Names() []string                     { return nil }
func Lookup(name string) (Scheme, bool)   { return nil, false }
func Detect(h http.Header) (Scheme, bool) { return nil, false }

// Check verifies req with the named scheme, or the detected one for "auto".
func Check(scheme string, req Request, opts Options) Verdict {
	return Verdict{Scheme: scheme, Status: Unchecked, SecretIndex: -1}
}
