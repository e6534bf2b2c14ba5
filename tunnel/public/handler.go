package public

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/tunnel"
)

// Webhooks is the part of the listener the public side serves: the webhook handler
// alone (never the control socket), and its signature check. *tunnel.Listener is one.
type Webhooks interface {
	Handler() http.Handler
	CheckSignature(r *http.Request, body []byte) sig.Verdict
	MaxBody() int64
}

// HandlerOptions say how public requests are let in.
type HandlerOptions struct {
	// Via is the ViaHeader value each public request is marked with ("tunnel https://…").
	Via string
	// RequireSignature answers 401, recording nothing, to requests whose signature does
	// not pass, so strangers who find the URL cannot flood the history or the app.
	RequireSignature bool
	// Refused hears why a request was turned away (for the state's count).
	Refused func(reason string)
}

// Handler wraps the listener's webhook handler for the public side.
func Handler(w Webhooks, opts HandlerOptions) http.Handler {
	next := w.Handler()
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		r.Header.Del(tunnel.ViaHeader) // only we say how a request came in
		if opts.Via != "" {
			r.Header.Set(tunnel.ViaHeader, opts.Via)
		}
		if !opts.RequireSignature {
			next.ServeHTTP(rw, r)
			return
		}
		limit := w.MaxBody()
		if r.ContentLength > limit {
			refuse(rw, opts, http.StatusRequestEntityTooLarge, "body larger than "+strconv.FormatInt(limit, 10)+" bytes")
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, limit))
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			refuse(rw, opts, http.StatusRequestEntityTooLarge, "body larger than "+strconv.FormatInt(limit, 10)+" bytes")
			return
		case err != nil:
			refuse(rw, opts, http.StatusBadRequest, "could not read the request body")
			return
		}
		if v := w.CheckSignature(r, body); v.Status != sig.Pass {
			reason := "signature " + string(v.Status)
			if v.Reason != "" {
				reason += ": " + v.Reason
			}
			refuse(rw, opts, http.StatusUnauthorized, reason)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(rw, r)
	})
}

func refuse(rw http.ResponseWriter, opts HandlerOptions, status int, reason string) {
	if opts.Refused != nil {
		opts.Refused(reason)
	}
	b, _ := json.Marshal(map[string]string{"error": "refused on the public URL (--public-require-signature): " + reason})
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(status)
	rw.Write(b)
}
