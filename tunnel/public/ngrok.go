package public

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.ngrok.com/ngrok/v2"

	"github.com/dexra/dexra-tui/tunnel"
)

// NgrokOptions configure --tunnel ngrok. Zero values take the defaults.
type NgrokOptions struct {
	// Authtoken is the account's token (default $NGROK_AUTHTOKEN).
	Authtoken string
	// URL asks for a reserved domain (optional), e.g. https://you.ngrok.app.
	URL              string
	Webhooks         Webhooks
	RequireSignature bool
	// Logger takes the SDK's logs too: the SDK writes to slog's default (the terminal)
	// unless it is given one.
	Logger  *slog.Logger
	OnState func(State)
	Backoff Backoff
	// ConnectURL is where the agent connects (default ngrok's service); tests point it
	// at loopback.
	ConnectURL        string
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
}

// Ngrok is a public URL from ngrok's Go SDK, kept up until Close.
type Ngrok struct {
	opts   NgrokOptions
	agent  ngrok.Agent
	st     *Status
	cancel context.CancelFunc
	done   chan struct{}
}

// ErrNoNgrokToken: ngrok needs an account token.
var ErrNoNgrokToken = errors.New("--tunnel ngrok needs an authtoken: set NGROK_AUTHTOKEN (from https://dashboard.ngrok.com/get-started/your-authtoken)")

// StartNgrok checks the options and starts the agent in the background.
func StartNgrok(ctx context.Context, opts NgrokOptions) (*Ngrok, error) {
	if opts.Authtoken == "" {
		opts.Authtoken = strings.TrimSpace(os.Getenv("NGROK_AUTHTOKEN"))
	}
	if opts.Authtoken == "" {
		return nil, ErrNoNgrokToken
	}
	if opts.Webhooks == nil {
		return nil, errors.New("ngrok: no webhook handler to serve")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Backoff.Min == 0 {
		opts.Backoff = Backoff{Min: time.Second, Max: time.Minute}
	}
	opts.ReadHeaderTimeout = orDefault(opts.ReadHeaderTimeout, tunnel.DefaultReadHeaderTimeout)
	opts.ReadTimeout = orDefault(opts.ReadTimeout, tunnel.DefaultReadTimeout)
	st := NewStatus("ngrok", "ngrok", opts.OnState)
	agentOpts := []ngrok.AgentOption{
		// The SDK retries its connection itself; its events say how that goes.
		ngrok.WithEventHandler(func(ev ngrok.Event) {
			if d, ok := ev.(*ngrok.EventAgentDisconnected); ok && d.Error != nil {
				st.Enter(Down, "ngrok: "+d.Error.Error(), time.Time{})
			}
		}),
		ngrok.WithAuthtoken(opts.Authtoken),
		ngrok.WithLogger(opts.Logger.With("from", "ngrok")),
		ngrok.WithClientInfo("dexra-tui", "dev"),
	}
	if opts.ConnectURL != "" {
		agentOpts = append(agentOpts, ngrok.WithAgentConnectURL(opts.ConnectURL))
	}
	agent, err := ngrok.NewAgent(agentOpts...)
	if err != nil {
		return nil, fmt.Errorf("ngrok: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	n := &Ngrok{opts: opts, agent: agent, st: st, cancel: cancel, done: make(chan struct{})}
	go n.run(ctx)
	return n, nil
}

// State is the state now.
func (n *Ngrok) State() State { return n.st.State() }

// Updates delivers the newest state after each change.
func (n *Ngrok) Updates() <-chan State { return n.st.Updates() }

// Close takes the endpoint down and disconnects.
func (n *Ngrok) Close() error {
	n.cancel()
	<-n.done
	return nil
}

func (n *Ngrok) run(ctx context.Context) {
	defer close(n.done)
	defer n.agent.Disconnect()
	b := n.opts.Backoff
	for {
		n.st.Enter(Connecting, "", time.Time{})
		var epOpts []ngrok.EndpointOption
		if n.opts.URL != "" {
			epOpts = append(epOpts, ngrok.WithURL(n.opts.URL))
		}
		ln, err := n.agent.Listen(ctx, epOpts...)
		var held time.Duration
		if err == nil {
			held, err = serveEndpoint(ctx, ln, ln.URL().String(), n.st, n.opts.Webhooks, n.opts.RequireSignature, n.opts.ReadHeaderTimeout, n.opts.ReadTimeout, n.opts.Logger)
		} else {
			err = fmt.Errorf("ngrok: %w", err)
		}
		if ctx.Err() != nil {
			n.st.Enter(Stopped, "", time.Time{})
			return
		}
		if held >= 30*time.Second {
			b.Reset()
		}
		wait := b.Next()
		n.opts.Logger.Debug("ngrok: down", "err", err, "retry_in", wait)
		n.st.Enter(Down, err.Error(), time.Now().Add(wait))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			n.st.Enter(Stopped, "", time.Time{})
			return
		case <-t.C:
		}
	}
}

// serveEndpoint serves the webhook handler on a public listener until it fails or ctx
// ends; held is how long it was up.
func serveEndpoint(ctx context.Context, ln net.Listener, url string, st *Status, w Webhooks, requireSig bool, readHeader, read time.Duration, log *slog.Logger) (time.Duration, error) {
	srv := &http.Server{
		Handler:           Handler(w, HandlerOptions{Via: tunnel.ViaTunnel + " " + url, RequireSignature: requireSig, Refused: st.Refused}),
		ReadHeaderTimeout: readHeader,
		ReadTimeout:       read,
		IdleTimeout:       tunnel.DefaultIdleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	stop := context.AfterFunc(ctx, func() { srv.Close() })
	defer stop()
	up := time.Now()
	st.Up(url)
	err := srv.Serve(deadlineListener{ln})
	srv.Close()
	if err == nil || errors.Is(err, http.ErrServerClosed) {
		err = errors.New("the endpoint closed")
	}
	return time.Since(up), err
}
