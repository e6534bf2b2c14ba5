package sig

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"strings"
	"sync"
)

// algorithm is a hash an HMAC is built on.
type algorithm struct {
	name string
	new  func() hash.Hash
	size int // digest length in bytes
}

var (
	algSHA1   = algorithm{"sha1", sha1.New, sha1.Size}
	algSHA256 = algorithm{"sha256", sha256.New, sha256.Size}
	algSHA512 = algorithm{"sha512", sha512.New, sha512.Size}
)

// algorithmByName accepts "sha256", "SHA-256" and the like; empty means sha256.
func algorithmByName(name string) (algorithm, bool) {
	switch strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "-", "") {
	case "", "sha256":
		return algSHA256, true
	case "sha1":
		return algSHA1, true
	case "sha512":
		return algSHA512, true
	}
	return algorithm{}, false
}

func (a algorithm) mac(key []byte, parts ...[]byte) []byte {
	pool := keyedPool(a, key)
	var m hash.Hash
	if pool != nil {
		m = pool.Get().(hash.Hash)
		m.Reset()
	} else {
		m = hmac.New(a.new, key)
	}
	for _, p := range parts {
		m.Write(p)
	}
	out := m.Sum(nil)
	if pool != nil {
		pool.Put(m)
	}
	return out
}

// maxKeyedPools bounds the keyed HMACs kept: keys are the configured secrets (a few),
// so beyond this a key is one no configuration names and is not worth keeping.
const maxKeyedPools = 64

var keyedPools struct {
	sync.RWMutex
	byAlg map[string]map[string]*sync.Pool // algorithm name → key → HMACs keyed with it
	n     int
}

// keyedPool holds reusable HMACs keyed with key: hmac.New hashes the padded key twice
// and allocates on every call, a Reset of a used one only restores the saved state.
// nil when the bound is reached.
func keyedPool(a algorithm, key []byte) *sync.Pool {
	keyedPools.RLock()
	pool := keyedPools.byAlg[a.name][string(key)]
	keyedPools.RUnlock()
	if pool != nil {
		return pool
	}
	keyedPools.Lock()
	defer keyedPools.Unlock()
	if pool = keyedPools.byAlg[a.name][string(key)]; pool != nil {
		return pool
	}
	if keyedPools.n >= maxKeyedPools {
		return nil
	}
	if keyedPools.byAlg == nil {
		keyedPools.byAlg = map[string]map[string]*sync.Pool{}
	}
	if keyedPools.byAlg[a.name] == nil {
		keyedPools.byAlg[a.name] = map[string]*sync.Pool{}
	}
	own := string(key) // a copy: the caller's bytes may change
	pool = &sync.Pool{New: func() any { return hmac.New(a.new, []byte(own)) }}
	keyedPools.byAlg[a.name][own] = pool
	keyedPools.n++
	return pool
}

// encoding is how a MAC is written into a header.
type encoding int

const (
	encHex encoding = iota
	encBase64
	encBase64URL
	encBase64Raw
	encBase64RawURL
)

func (e encoding) encode(b []byte) string {
	switch e {
	case encBase64:
		return base64.StdEncoding.EncodeToString(b)
	case encBase64URL:
		return base64.URLEncoding.EncodeToString(b)
	case encBase64Raw:
		return base64.RawStdEncoding.EncodeToString(b)
	case encBase64RawURL:
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return hex.EncodeToString(b)
}

// accepts says which encodings a verifier decodes.
type accepts struct{ hex, base64 bool }

var (
	acceptHex    = accepts{hex: true}
	acceptBase64 = accepts{base64: true}
	acceptEither = accepts{hex: true, base64: true}
)

func (a accepts) String() string {
	switch {
	case a.hex && a.base64:
		return "hex or base64"
	case a.hex:
		return "hex"
	}
	return "base64"
}

var base64Encodings = []struct {
	enc encoding
	b64 *base64.Encoding
}{
	{encBase64, base64.StdEncoding},
	{encBase64URL, base64.URLEncoding},
	{encBase64Raw, base64.RawStdEncoding},
	{encBase64RawURL, base64.RawURLEncoding},
}

// decodeMAC decodes s as a size-byte MAC in one of the accepted encodings and reports
// which encoding it was, so an expected value can be shown the same way.
func decodeMAC(s string, size int, a accepts) ([]byte, encoding, bool) {
	if a.hex && len(s) == 2*size {
		if b, err := hex.DecodeString(s); err == nil {
			return b, encHex, true
		}
	}
	if a.base64 {
		for _, e := range base64Encodings {
			if e.b64.EncodedLen(size) != len(s) {
				continue
			}
			if b, err := e.b64.DecodeString(s); err == nil && len(b) == size {
				return b, e.enc, true
			}
		}
	}
	return nil, encHex, false
}
