package sig

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Twilio sends X-Twilio-Signature: base64 HMAC-SHA1, keyed with the auth token, of the
// full URL followed, for form-encoded POSTs, by every parameter's name and value sorted
// by name. A JSON body is not signed directly: the URL carries bodySHA256=<hex SHA-256
// of the body>. Twilio's own libraries accept the URL with and without its port, since
// Twilio is inconsistent about it; so does this.
// https://www.twilio.com/docs/usage/webhooks/webhooks-security
type twilioScheme struct{}

const (
	twilioHeader   = "X-Twilio-Signature"
	twilioBodyHash = "bodySHA256"
	formType       = "application/x-www-form-urlencoded"
)

func (twilioScheme) Name() string { return "twilio" }

func (twilioScheme) Detect(h http.Header) bool { return hasHeader(h, twilioHeader) }

func (twilioScheme) Sign(in SignInput) (http.Header, error) {
	if in.Secret == "" {
		return nil, errNoSigningSecret("twilio")
	}
	if in.URL == "" {
		return nil, errors.New("signing with twilio: it signs the request URL, and none was given")
	}
	params, form, err := twilioSignParams(in)
	if err != nil {
		return nil, fmt.Errorf("signing with twilio: %w", err)
	}
	h := http.Header{}
	h.Set(twilioHeader, base64.StdEncoding.EncodeToString(twilioMAC(in.Secret, in.URL, params)))
	if form {
		h.Set("Content-Type", formType)
	}
	return h, nil
}

// twilioSignParams decides what Sign covers besides the URL, mirroring Verify.
func twilioSignParams(in SignInput) (params string, form bool, err error) {
	if want, ok := twilioQueryBodyHash(in.URL); ok {
		if !equalHexFold(want, bodySHA256(in.Body)) {
			return "", false, errors.New("bodySHA256 in the URL does not match the body")
		}
		return "", false, nil
	}
	if len(in.Body) == 0 {
		return "", false, nil
	}
	if isForm(in.ContentType) || in.ContentType == "" && !json.Valid(in.Body) {
		values, err := url.ParseQuery(string(in.Body))
		if err != nil {
			return "", false, fmt.Errorf("reading the form body: %w", err)
		}
		return twilioParamString(values), true, nil
	}
	return "", false, errors.New("a body that is not a form must be covered by bodySHA256 in the URL (see TwilioBodyURL)")
}

func (twilioScheme) Verify(req Request, opts Options) Verdict {
	value, ok := headerValue(req.Header, twilioHeader)
	if !ok {
		return missing("twilio", twilioHeader)
	}
	if value == "" {
		return malformed("twilio", twilioHeader, "empty value")
	}
	sig, _, ok := decodeMAC(value, algSHA1.size, acceptBase64)
	if !ok {
		return malformed("twilio", twilioHeader, "not base64 of a 20-byte HMAC-SHA1")
	}
	if firstSecret(opts.Secrets) < 0 {
		return unchecked("twilio", ReasonNoSecret)
	}
	if req.URL == "" {
		return unchecked("twilio", "request URL unknown: twilio signs the URL it called")
	}
	wantHash, hashMode := twilioQueryBodyHash(req.URL)
	params := ""
	if ct, _ := headerValue(req.Header, "Content-Type"); !hashMode && isForm(ct) && len(req.Body) > 0 {
		values, err := url.ParseQuery(string(req.Body))
		if err != nil {
			return Verdict{Scheme: "twilio", Status: Fail, Reason: "malformed form body: " + err.Error(), SecretIndex: -1}
		}
		params = twilioParamString(values)
	}
	urls := twilioURLVariants(req.URL)
	v := attempt{
		scheme:   "twilio",
		received: value,
		sigs:     [][]byte{sig},
		macs: func(secret string) [][]byte {
			macs := make([][]byte, len(urls))
			for i, u := range urls {
				macs[i] = twilioMAC(secret, u, params)
			}
			return macs
		},
		expected: base64.StdEncoding.EncodeToString,
	}.verify(opts)
	if v.Status == Pass && hashMode {
		// The signature vouches for the URL; the URL's hash vouches for the body.
		if got := bodySHA256(req.Body); !equalHexFold(wantHash, got) {
			return Verdict{Scheme: "twilio", Status: Fail, Reason: ReasonMismatch, SecretIndex: -1,
				Expected: twilioBodyHash + "=" + got, Received: twilioBodyHash + "=" + clip(wantHash)}
		}
	}
	return v
}

func twilioMAC(secret, u, params string) []byte {
	return algSHA1.mac([]byte(secret), []byte(u), []byte(params))
}

// twilioParamString is each name followed by its value, names sorted and a name's
// values sorted, duplicates once (twilio-python's compute_signature).
func twilioParamString(values url.Values) string {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(values)) {
		vs := slices.Compact(slices.Sorted(slices.Values(values[name])))
		for _, v := range vs {
			b.WriteString(name)
			b.WriteString(v)
		}
	}
	return b.String()
}

func bodySHA256(body []byte) string {
	d := sha256.Sum256(body)
	return hex.EncodeToString(d[:])
}

func equalHexFold(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(a)), []byte(strings.ToLower(b))) == 1
}

func isForm(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt, _, _ = strings.Cut(strings.ToLower(contentType), ";")
		mt = strings.TrimSpace(mt)
	}
	return mt == formType
}

// twilioQueryBodyHash returns the bodySHA256 query parameter of u, if it has one.
func twilioQueryBodyHash(u string) (string, bool) {
	_, query, ok := strings.Cut(u, "?")
	if !ok {
		return "", false
	}
	query, _, _ = strings.Cut(query, "#")
	values, _ := url.ParseQuery(query) // keeps every well-formed pair
	if v := values[twilioBodyHash]; len(v) > 0 {
		return v[0], true
	}
	return "", false
}

// TwilioBodyURL returns u with bodySHA256 of body added, as Twilio addresses webhooks
// whose body is JSON; sign and send to that URL.
func TwilioBodyURL(u string, body []byte) string {
	base, fragment, hasFragment := strings.Cut(u, "#")
	switch {
	case !strings.Contains(base, "?"):
		base += "?"
	case !strings.HasSuffix(base, "?") && !strings.HasSuffix(base, "&"):
		base += "&"
	}
	base += twilioBodyHash + "=" + bodySHA256(body)
	if hasFragment {
		base += "#" + fragment
	}
	return base
}

// twilioURLVariants are u as given, with the scheme's default port added when it has
// none, and without its port, in that order and without repeats. The URL text is kept
// byte for byte otherwise (re-serializing could change escapes the signature covers).
func twilioURLVariants(u string) []string {
	variants := []string{u}
	add := func(v string) {
		if !slices.Contains(variants, v) {
			variants = append(variants, v)
		}
	}
	schemeEnd := strings.Index(u, "://")
	if schemeEnd < 0 {
		return variants
	}
	start := schemeEnd + 3
	end := len(u)
	if i := strings.IndexAny(u[start:], "/?#"); i >= 0 {
		end = start + i
	}
	authority := u[start:end]
	hostStart := strings.LastIndex(authority, "@") + 1
	host := authority[hostStart:]
	colon := strings.LastIndex(host, ":")
	if colon >= 0 && colon > strings.LastIndex(host, "]") {
		add(u[:start] + authority[:hostStart] + host[:colon] + u[end:])
		return variants
	}
	switch strings.ToLower(u[:schemeEnd]) {
	case "https":
		add(u[:end] + ":443" + u[end:])
	case "http":
		add(u[:end] + ":80" + u[end:])
	}
	return variants
}
