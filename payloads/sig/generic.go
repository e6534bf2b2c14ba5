package sig

import (
	"fmt"
	"net/http"
	"strings"
)

// genericHMAC is the "hmac" scheme: a body HMAC whose header, algorithm, encoding and
// prefix come from HMACConfig (Options.HMAC to verify, SignInput.HMAC to sign).
type genericHMAC struct{}

func (genericHMAC) Name() string { return "hmac" }

// Detect is always false: which header to look for is configuration, not something
// the headers can tell. Check("auto") consults Options.HMAC itself.
func (genericHMAC) Detect(http.Header) bool { return false }

func (genericHMAC) Sign(in SignInput) (http.Header, error) {
	s, err := in.HMAC.scheme()
	if err != nil {
		return nil, fmt.Errorf("signing with hmac: %w", err)
	}
	return s.Sign(in)
}

func (genericHMAC) Verify(req Request, opts Options) Verdict {
	s, err := opts.HMAC.scheme()
	if err != nil {
		return unchecked("hmac", err.Error())
	}
	return s.Verify(req, opts)
}

// Validate reports what is wrong with c, so a command line can refuse it up front.
func (c HMACConfig) Validate() error {
	_, err := c.scheme()
	return err
}

func (c HMACConfig) scheme() (bodyHMAC, error) {
	if strings.TrimSpace(c.Header) == "" {
		return bodyHMAC{}, fmt.Errorf("hmac scheme needs a header name")
	}
	alg, ok := algorithmByName(c.Algorithm)
	if !ok {
		return bodyHMAC{}, fmt.Errorf("hmac scheme: unknown algorithm %q (sha1, sha256, sha512)", c.Algorithm)
	}
	m := bodyMAC{header: strings.TrimSpace(c.Header), alg: alg, prefix: c.Prefix}
	switch strings.ToLower(strings.TrimSpace(c.Encoding)) {
	case "", "hex":
		m.emit, m.accept = encHex, acceptHex
	case "base64":
		m.emit, m.accept = encBase64, acceptBase64
	default:
		return bodyHMAC{}, fmt.Errorf("hmac scheme: unknown encoding %q (hex, base64)", c.Encoding)
	}
	return bodyHMAC{name: "hmac", macs: []bodyMAC{m}}, nil
}
