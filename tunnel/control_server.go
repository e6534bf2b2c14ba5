package tunnel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
)

// ControlServer answers read requests for the history this process holds, over a
// unix socket beside the history file, so `events` and `show` work from another
// terminal while the bbolt lock is held here. It never listens on TCP.
type ControlServer struct {
	path   string
	ln     *net.UnixListener
	info   os.FileInfo // the socket we placed, to remove only our own on Close
	server *http.Server
	done   chan struct{}
	once   sync.Once
	// listenURL is where this process's webhook listener answers, told to clients
	// (trigger, send, check) so they find it without --to.
	listenURL atomic.Pointer[string]
	forwarder forwarderSlot // SetForwarder
}

// SetListenURL tells clients where this process's webhook listener answers.
func (cs *ControlServer) SetListenURL(url string) { cs.listenURL.Store(&url) }

func (cs *ControlServer) ping() pingAnswer {
	answer := pingAnswer{Service: controlService}
	if u := cs.listenURL.Load(); u != nil {
		answer.ListenURL = *u
	}
	return answer
}

// attemptAdder is offered when the served reader can also record replay attempts.
type attemptAdder interface {
	AddAttempt(id string, a payloads.Attempt) error
}

// ServeControl binds sockPath (see ControlSocketPath) with owner-only permissions and
// serves r on it in the background until Close. log may be nil.
func ServeControl(sockPath string, r store.Reader, log *slog.Logger) (*ControlServer, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ln, err := listenPrivateUnix(sockPath)
	if err != nil {
		return nil, err
	}
	info, err := os.Lstat(sockPath)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("control socket: stat %s: %w", sockPath, err)
	}
	cs := &ControlServer{path: sockPath, ln: ln, info: info, done: make(chan struct{})}
	cs.server = &http.Server{
		Handler:           cs.handler(r),
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go func() {
		defer close(cs.done)
		if err := cs.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("control socket: serve failed", "path", sockPath, "err", err)
		}
	}()
	return cs, nil
}

// Path is the socket's path.
func (cs *ControlServer) Path() string { return cs.path }

// Close stops serving (waiting briefly for calls in progress) and removes the socket
// if it is still the one this server placed.
func (cs *ControlServer) Close() error {
	var err error
	cs.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if e := cs.server.Shutdown(ctx); e != nil {
			cs.server.Close()
		}
		<-cs.done
		if fi, e := os.Lstat(cs.path); e == nil && os.SameFile(fi, cs.info) {
			if e := os.Remove(cs.path); e != nil {
				err = fmt.Errorf("control socket: remove %s: %w", cs.path, e)
			}
		}
	})
	return err
}

// handler is the control protocol over r, with the calls that reach this process's
// forwarder.
func (cs *ControlServer) handler(r store.Reader) http.Handler {
	mux := controlHandler(r, cs.ping)
	handle(mux, controlRetry, cs.retryForwards)
	return mux
}

func controlHandler(r store.Reader, ping func() pingAnswer) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+controlPing, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, ping())
	})
	handle(mux, controlIDs, func(q idsRequest) (any, error) {
		f, ok := r.(store.IDFinder)
		if !ok {
			return nil, ErrControlUnsupported
		}
		return f.IDsWithPrefix(q.Prefix, min(q.Limit, 1000))
	})
	handle(mux, controlList, func(o store.ListOptions) (any, error) {
		page, err := r.List(o)
		if err != nil {
			return nil, err
		}
		wp := wirePage{Events: make([]wireEvent, len(page.Events)), Next: page.Next}
		for i, ev := range page.Events {
			wp.Events[i] = toWire(ev)
		}
		return wp, nil
	})
	handle(mux, controlGet, func(q idRequest) (any, error) {
		ev, err := r.Get(q.ID)
		if err != nil {
			return nil, err
		}
		return toWire(ev), nil
	})
	handle(mux, controlStats, func(struct{}) (any, error) { return r.Stats() })
	handle(mux, controlAppend, appendCall(r))
	handle(mux, controlDedup, func(q dedupRequest) (any, error) { return r.Dedup(q.Key) })
	handle(mux, controlAttempt, func(q attemptRequest) (any, error) {
		aa, ok := r.(attemptAdder)
		if !ok {
			return nil, ErrControlUnsupported
		}
		return struct{}{}, aa.AddAttempt(q.ID, q.Attempt)
	})
	return mux
}

// handle registers one call: decode Req from the body, run fn, encode its answer or error.
func handle[Req any](mux *http.ServeMux, path string, fn func(Req) (any, error)) {
	mux.HandleFunc("POST "+path, func(w http.ResponseWriter, hr *http.Request) {
		var q Req
		dec := json.NewDecoder(http.MaxBytesReader(w, hr.Body, controlMaxBody))
		if err := dec.Decode(&q); err != nil {
			writeJSON(w, http.StatusBadRequest, controlError{Error: "control: bad request: " + err.Error(), Code: "bad_request"})
			return
		}
		v, err := fn(q)
		if err != nil {
			ce, status := encodeControlError(err)
			writeJSON(w, status, ce)
			return
		}
		writeJSON(w, http.StatusOK, v)
	})
}
