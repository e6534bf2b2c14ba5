package tunnel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
)

// ErrNoControl means nothing answers on the control socket (no process holds the
// history, or it is not a dexra-tui one).
var ErrNoControl = errors.New("no dexra-tui process answers on the control socket")

// ControlClient reads the history through the process that holds it. It implements
// store.Reader with the same results and errors as the store itself.
type ControlClient struct {
	path      string
	http      *http.Client
	listenURL string
}

var (
	_ store.Reader   = (*ControlClient)(nil)
	_ store.IDFinder = (*ControlClient)(nil)
)

// DialControl connects to the control socket at sockPath and checks that a dexra-tui
// process answers there; otherwise the error wraps ErrNoControl.
func DialControl(sockPath string) (*ControlClient, error) {
	fi, err := os.Lstat(sockPath)
	if err != nil || fi.Mode().Type() != os.ModeSocket {
		return nil, fmt.Errorf("%w: %s is not a socket", ErrNoControl, sockPath)
	}
	dialer := &net.Dialer{Timeout: time.Second}
	c := &ControlClient{path: sockPath, http: &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, "unix", sockPath)
		},
		ResponseHeaderTimeout: time.Minute, // a full listing of a large history takes a while
		MaxIdleConns:          2,
	}}}
	var pong pingAnswer
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := c.call(ctx, controlPing, struct{}{}, &pong); err != nil {
		c.Close()
		return nil, fmt.Errorf("%w: %s: %v", ErrNoControl, sockPath, err)
	}
	if pong.Service != controlService {
		c.Close()
		return nil, fmt.Errorf("%w: %s answers as %q", ErrNoControl, sockPath, pong.Service)
	}
	c.listenURL = pong.ListenURL
	return c, nil
}

// ListenURL is where the process holding the history receives webhooks ("" if it
// runs no listener).
func (c *ControlClient) ListenURL() string { return c.listenURL }

// IDsWithPrefix is store.Store.IDsWithPrefix, answered by the holding process.
func (c *ControlClient) IDsWithPrefix(prefix string, limit int) ([]string, error) {
	var ids []string
	err := c.call(context.Background(), controlIDs, idsRequest{Prefix: prefix, Limit: limit}, &ids)
	return ids, err
}

// Close releases idle connections.
func (c *ControlClient) Close() error {
	c.http.CloseIdleConnections()
	return nil
}

// List is store.Store.List, answered by the holding process.
func (c *ControlClient) List(o store.ListOptions) (store.Page, error) {
	var wp wirePage
	if err := c.call(context.Background(), controlList, o, &wp); err != nil {
		return store.Page{}, err
	}
	page := store.Page{Next: wp.Next, Events: make([]*payloads.Event, len(wp.Events))}
	for i, w := range wp.Events {
		page.Events[i] = fromWire(w)
	}
	return page, nil
}

// Get is store.Store.Get; a missing event gives an error that errors.Is store.ErrNotFound.
func (c *ControlClient) Get(id string) (*payloads.Event, error) {
	var w wireEvent
	if err := c.call(context.Background(), controlGet, idRequest{ID: id}, &w); err != nil {
		return nil, err
	}
	return fromWire(w), nil
}

// Stats is store.Store.Stats.
func (c *ControlClient) Stats() (store.Stats, error) {
	var s store.Stats
	err := c.call(context.Background(), controlStats, struct{}{}, &s)
	return s, err
}

// Dedup is store.Store.Dedup.
func (c *ControlClient) Dedup(key string) (store.DedupInfo, error) {
	var d store.DedupInfo
	err := c.call(context.Background(), controlDedup, dedupRequest{Key: key}, &d)
	return d, err
}

// AddAttempt records a forward/replay attempt through the holding process (replay
// from another terminal); ErrControlUnsupported if that process serves reads only.
func (c *ControlClient) AddAttempt(id string, a payloads.Attempt) error {
	return c.call(context.Background(), controlAttempt, attemptRequest{ID: id, Attempt: a}, &struct{}{})
}

func (c *ControlClient) call(ctx context.Context, path string, req, answer any) error {
	b, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("control %s: encode request: %w", path, err)
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://dexra-tui"+path, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("control %s: %w", path, err)
	}
	hr.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(hr)
	if err != nil {
		return fmt.Errorf("control %s via %s: %w", path, c.path, err)
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	if resp.StatusCode/100 != 2 {
		var ce controlError
		if err := dec.Decode(&ce); err != nil || ce.Code == "" {
			return fmt.Errorf("control %s: answered %s", path, resp.Status)
		}
		return decodeControlError(ce)
	}
	if err := dec.Decode(answer); err != nil {
		return fmt.Errorf("control %s: decode answer: %w", path, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body) // drain so the connection is reused
	return nil
}
