package sig

import "testing"

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
