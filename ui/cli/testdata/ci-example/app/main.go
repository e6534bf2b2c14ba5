// Command app is the tiny webhook receiver of the CI example: it checks the Dexatel
// signature (HMAC-SHA256 of the raw body, hex or base64) and answers 200, or 500 for
// every request when APP_FAIL=1, as a broken build would. Standard library only.
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
)

func main() {
	secret := os.Getenv("WEBHOOK_SECRET")
	fail := os.Getenv("APP_FAIL") == "1"
	http.HandleFunc("POST /webhooks/dexatel", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "read body", http.StatusBadRequest)
			return
		}
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		sum := mac.Sum(nil)
		got := strings.TrimSpace(r.Header.Get("X-Dexatel-Signature"))
		if !hmac.Equal([]byte(got), []byte(hex.EncodeToString(sum))) && !hmac.Equal([]byte(got), []byte(base64.StdEncoding.EncodeToString(sum))) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		if fail {
			http.Error(w, "database is down", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:"+envOr("PORT", "0"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening on http://%s\n", ln.Addr()) // the test reads the address here
	log.Fatal(http.Serve(ln, nil))
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
