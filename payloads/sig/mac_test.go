package sig

import (
	"bytes"
	"crypto/hmac"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestDecodeMAC(t *testing.T) {
	mac := algSHA256.mac([]byte("k"), []byte("{}"))
	for _, e := range []encoding{encHex, encBase64, encBase64URL, encBase64Raw, encBase64RawURL} {
		got, enc, ok := decodeMAC(e.encode(mac), 32, acceptEither)
		if !ok || string(got) != string(mac) || enc.encode(got) != e.encode(mac) {
			t.Errorf("encoding %d did not round-trip", e)
		}
	}
	if _, _, ok := decodeMAC(encHex.encode(mac), 32, acceptBase64); ok {
		t.Error("hex accepted where only base64 is")
	}
	if _, _, ok := decodeMAC(encBase64.encode(mac), 32, acceptHex); ok {
		t.Error("base64 accepted where only hex is")
	}
	if _, _, ok := decodeMAC(encBase64.encode(mac[:31]), 32, acceptEither); ok {
		t.Error("a short MAC accepted")
	}
}

// freshMAC is the HMAC computed from scratch, what a reused keyed one must equal.
func freshMAC(a algorithm, key []byte, parts ...[]byte) []byte {
	m := hmac.New(a.new, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// TestMACReuseMatchesFresh checks reused keyed HMACs: repeated, interleaved keys and
// algorithms, a caller changing its key bytes afterwards, more keys than are kept, and
// concurrent use.
func TestMACReuseMatchesFresh(t *testing.T) {
	body := []byte(strings.Repeat("body ", 300))
	algs := []algorithm{algSHA1, algSHA256, algSHA512}
	for round := range 3 {
		for i := range maxKeyedPools + 10 {
			key := []byte(fmt.Sprintf("secret-%d", i))
			a := algs[i%len(algs)]
			got := a.mac(key, body[:round*7+i], []byte{':'})
			want := freshMAC(a, key, body[:round*7+i], []byte{':'})
			if !bytes.Equal(got, want) {
				t.Fatalf("round %d key %d %s: reused HMAC differs from a fresh one", round, i, a.name)
			}
			key[0] = 'X' // the caller's buffer changing must not change the kept key
		}
	}
	if got, want := algSHA256.mac([]byte("secret-0"), body), freshMAC(algSHA256, []byte("secret-0"), body); !bytes.Equal(got, want) {
		t.Fatal("a kept key changed with its caller's buffer")
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			key := []byte(fmt.Sprintf("secret-%d", g))
			want := freshMAC(algSHA256, key, body)
			for range 200 {
				if got := algSHA256.mac(key, body); !bytes.Equal(got, want) {
					t.Error("concurrent reuse gave a wrong HMAC")
					return
				}
			}
		})
	}
	wg.Wait()
}
