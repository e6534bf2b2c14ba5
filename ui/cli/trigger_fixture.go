package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/dexra/dexra-tui/payloads/catalog"
	"github.com/dexra/dexra-tui/payloads/fixture"
	"github.com/dexra/dexra-tui/tunnel"
)

// isFixturePath: trigger's EVENT names a file rather than a catalog event (a catalog
// name wins: shopify.orders/create has a slash).
func isFixturePath(name string) bool {
	if _, err := catalog.Find(name); err == nil {
		return false
	}
	if strings.ContainsAny(name, `/\`) || strings.HasSuffix(strings.ToLower(name), ".json") {
		return true
	}
	info, err := os.Stat(name)
	return err == nil && !info.IsDir()
}

// triggerFixture sends a fixture file, its body with sets applied, signed now.
func (a *App) triggerFixture(ctx context.Context, o triggerOptions, file string, sets []catalog.Set) error {
	fx, err := fixture.Load(file)
	if err != nil {
		return err
	}
	if fx.Body, err = catalog.ApplySets(fx.Body, sets); err != nil {
		return usagef("%s: %v", file, err)
	}
	cfg, err := a.loadConfig(o.config)
	if err != nil {
		return err
	}
	if o.to == "" {
		o.to = a.runningListener(o.readFlags, cfg)
	}
	routeScheme, secret := cfg.signingFor(fx.Path)
	if o.secret != "" {
		secret = o.secret
	}
	if o.scheme != "" {
		fx.Signature.Scheme = o.scheme
	} else if _, ok := fx.Scheme(); !ok && routeScheme != "" {
		fx.Signature.Scheme = routeScheme
	}
	if secret == "" {
		return errNoTriggerSecret
	}
	base := o.to
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	// As for catalog events: --to's own path wins, else the fixture's path is used.
	if u, err := url.Parse(base); err == nil && u.Path != "" && u.Path != "/" {
		fx.Path, base = u.EscapedPath(), u.Scheme+"://"+u.Host
	}
	// A new message id, so a receiver that dedups does not drop it as the captured one.
	fx.Headers.Del("Webhook-Id")
	fx.Headers.Del("Svix-Id")
	if err := fx.Sign(fixture.SignOptions{Secret: secret, Time: time.Now(), URL: fx.URL(base)}); err != nil {
		return err
	}
	req, err := fx.NewRequest(base)
	if err != nil {
		return usageError{msg: "--to: " + err.Error()}
	}
	req = req.WithContext(ctx)
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "dexra-tui-trigger")
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		err = fmt.Errorf("sending %s to %s: %w", file, req.URL, err)
		return a.triggerAnswer(o, file, tunnel.TriggerResult{URL: req.URL.String()}, err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return a.triggerAnswer(o, file, tunnel.TriggerResult{URL: req.URL.String(), Status: resp.StatusCode,
		EventID: resp.Header.Get("X-Dexra-Tui-Event-Id"), Body: answer, Sent: bytes.Clone(fx.Body)}, nil)
}
