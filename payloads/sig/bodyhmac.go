package sig

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// bodyMAC is one header that carries an HMAC of the raw body.
type bodyMAC struct {
	header string
	alg    algorithm
	prefix string   // written by Sign, required (case-insensitively) by Verify
	emit   encoding // what Sign writes
	accept accepts  // what Verify decodes
}

// bodyHMAC is the scheme family whose signature is an HMAC of the raw body alone:
// dexatel, dexra, shopify, github and the configurable hmac scheme.
type bodyHMAC struct {
	name string
	// macs are tried in order: the first whose header is present is verified (github
	// prefers X-Hub-Signature-256 over the legacy sha1 header). Sign writes them all.
	macs []bodyMAC
}

func (s bodyHMAC) Name() string { return s.name }

func (s bodyHMAC) Detect(h http.Header) bool {
	for _, m := range s.macs {
		if hasHeader(h, m.header) {
			return true
		}
	}
	return false
}

func (s bodyHMAC) Sign(in SignInput) (http.Header, error) {
	if in.Secret == "" {
		return nil, errNoSigningSecret(s.name)
	}
	h := http.Header{}
	for _, m := range s.macs {
		h.Set(m.header, m.prefix+m.emit.encode(m.alg.mac([]byte(in.Secret), in.Body)))
	}
	return h, nil
}

func (s bodyHMAC) Verify(req Request, opts Options) Verdict {
	for _, m := range s.macs {
		if v, ok := headerValue(req.Header, m.header); ok {
			return m.verify(s.name, v, req.Body, opts)
		}
	}
	return missing(s.name, s.macs[0].header)
}

func (m bodyMAC) verify(scheme, value string, body []byte, opts Options) Verdict {
	if value == "" {
		return malformed(scheme, m.header, "empty value")
	}
	text := value
	if m.prefix != "" {
		if len(text) < len(m.prefix) || !strings.EqualFold(text[:len(m.prefix)], m.prefix) {
			return malformed(scheme, m.header, fmt.Sprintf("no %q prefix", m.prefix))
		}
		text = text[len(m.prefix):]
	}
	sig, enc, ok := decodeMAC(text, m.alg.size, m.accept)
	if !ok {
		return malformed(scheme, m.header, fmt.Sprintf("not %s of a %d-byte HMAC-%s", m.accept, m.alg.size, strings.ToUpper(m.alg.name)))
	}
	return attempt{
		scheme:   scheme,
		received: value,
		sigs:     [][]byte{sig},
		macs:     func(secret string) [][]byte { return [][]byte{m.alg.mac([]byte(secret), body)} },
		expected: func(mac []byte) string { return m.prefix + enc.encode(mac) },
	}.verify(opts)
}

func errNoSigningSecret(scheme string) error {
	return fmt.Errorf("signing with %s: %w", scheme, errEmptySecret)
}

var errEmptySecret = errors.New("no secret to sign with")
