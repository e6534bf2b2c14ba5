package cli

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dexra/dexra-tui/tunnel"
	"github.com/dexra/dexra-tui/tunnel/sandbox"
)

func (a *App) sandboxCommand() *cobra.Command {
	var o sandboxOptions
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run a local platform: the send-message API, answered with signed status webhooks",
		Long: `Run a local emulator of the messaging platform. It checks the Bearer key, validates each
send-message request (channel, type and its fields, the recipient per channel), answers a
message id, then walks the message through its channel's statuses and POSTs each one as a
signed webhook: Dexatel's delivery report (seed document 002) by default, or Dexra's form
(--webhooks dexra, shape assumed). Webhooks not answered 2xx are retried with backoff; every
try is printed. Misbehaviour on purpose is drawn from --seed, so a run can be repeated.

Statuses: whatsapp and viber sent → delivered → read; sms, email and telegram sent → delivered.
Failing test recipients: ` + failingRecipients() + `.`,
		Example: `  dexra-tui sandbox
  dexra-tui sandbox --webhook-url http://127.0.0.1:4242/ --secret S --seed 7 --duplicates 0.2 --reorder 0.2
  dexra-tui sandbox --webhooks dexra --replies 1 --reply-delay 2s
  dexra-tui sandbox --rate-limit 0.1 --burst 3 --failure-rate 0.05 --latency 200ms`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.sandbox(cmd, o) },
	}
	fs := cmd.Flags()
	fs.StringVar(&o.addr, "addr", sandbox.DefaultAddr, "where the API listens")
	fs.StringVar(&o.cfg.WebhookURL, "webhook-url", "", "where status webhooks go (default: the running listener, else the configured address)")
	fs.StringVar(&o.cfg.Secret, "secret", "", "webhook signing secret "+secretFlagHelp)
	fs.StringVar(&o.cfg.Key, "key", "", "the API key to accept (default: the sandbox profile's api_key, "+sandbox.DefaultKey+")")
	fs.Uint64Var(&o.cfg.Seed, "seed", 0, "seed of every random choice (default: a fresh one, printed)")
	fs.StringVar(&o.cfg.Format, "webhooks", sandbox.FormatDexatel, "webhook form: dexatel (documented) or dexra (shape assumed)")
	fs.DurationVar(&o.cfg.StepDelay, "step", sandbox.DefaultStepDelay, "time between a message's statuses (±50%)")
	fs.DurationVar(&o.cfg.Latency, "latency", 0, "the API answers after up to this long")
	fs.Float64Var(&o.cfg.FailureRate, "failure-rate", 0, "chance (0..1) the API makes the message but answers 500")
	fs.Float64Var(&o.cfg.RateLimit, "rate-limit", 0, "chance (0..1) a request starts a burst of 429s")
	fs.IntVar(&o.cfg.BurstLength, "burst", 3, "how many 429s a burst holds")
	fs.DurationVar(&o.cfg.RetryAfter, "retry-after", time.Second, "Retry-After of a 429 (whole seconds)")
	fs.Float64Var(&o.cfg.Duplicates, "duplicates", 0, "chance (0..1) a status webhook is delivered twice")
	fs.Float64Var(&o.cfg.Reorder, "reorder", 0, "chance (0..1) a message's first two statuses arrive swapped")
	fs.Float64Var(&o.cfg.Replies, "replies", 0, "chance (0..1) the recipient replies (Dexatel message / Dexra message_in)")
	fs.DurationVar(&o.cfg.ReplyDelay, "reply-delay", time.Second, "the reply comes this long after the last status")
	fs.IntVar(&o.cfg.WebhookAttempts, "webhook-attempts", 5, "tries of one webhook")
	o.readFlags.register(fs)
	fs.BoolVar(&o.asJSON, "json", false, "print each webhook try as a JSON line")
	_ = cmd.RegisterFlagCompletionFunc("webhooks", cobra.FixedCompletions([]string{sandbox.FormatDexatel, sandbox.FormatDexra}, cobra.ShellCompDirectiveNoFileComp))
	a.completeReadFlags(cmd, &o.readFlags)
	return cmd
}

type sandboxOptions struct {
	readFlags
	cfg    sandbox.Config
	addr   string
	asJSON bool
}

func (a *App) sandbox(cmd *cobra.Command, o sandboxOptions) error {
	if err := validateAddr(o.addr); err != nil {
		return usagef("--addr: %v", err)
	}
	cfg, err := a.loadConfig(o.config)
	if err != nil {
		return err
	}
	sc := o.cfg
	if sc.WebhookURL == "" {
		sc.WebhookURL = strings.TrimRight(a.runningListener(o.readFlags, cfg), "/") + "/"
	}
	if u, err := url.Parse(sc.WebhookURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usagef("--webhook-url %q: want an absolute http(s) URL", sc.WebhookURL)
	}
	if sc.Secret == "" {
		u, _ := url.Parse(sc.WebhookURL)
		_, sc.Secret = cfg.signingFor(u.Path)
	}
	if sc.Secret == "" {
		return fmt.Errorf("no webhook secret to sign with: pass --secret, set DEXRA_WEBHOOK_SECRET, or run dexra-tui listen once to generate one")
	}
	if sc.Key == "" {
		sc.Key = firstNonEmpty(cfg.Profiles["sandbox"].APIKey, sandbox.DefaultKey)
	}
	if !cmd.Flags().Changed("seed") {
		sc.Seed = rand.Uint64N(1 << 32)
	}
	sc.OnDelivery = func(d sandbox.Delivery) {
		if o.asJSON {
			_ = writeJSON(a.Stdout, d, false)
			return
		}
		fmt.Fprintln(a.Stdout, clean(deliveryLine(d)))
	}
	sb, err := sandbox.New(sc)
	if err != nil {
		return usagef("%v", err)
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("sandbox: listen on %s: %w (is another sandbox running? pass --addr)", o.addr, err)
	}
	served := make(chan error, 1)
	go func() { served <- sb.Serve(ln) }()
	c := sb.Config()
	fmt.Fprintf(a.Stderr, "sandbox API on http://%s%s (key %s), webhooks → %s (%s, signed), seed %d\n",
		ln.Addr(), tunnel.SendPath, tunnel.MaskKey(c.Key), clean(c.WebhookURL), c.Format, c.Seed)
	select {
	case <-cmd.Context().Done():
	case err := <-served:
		sb.Close()
		return err
	}
	return sb.Close()
}

// deliveryLine is e.g. "13:00:01 delivery delivered → 200 message 4ca0… try 1 dup".
func deliveryLine(d sandbox.Delivery) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", d.At.Local().Format("15:04:05.000"), d.Event)
	if d.Status != "" {
		b.WriteString(" " + d.Status)
	}
	if d.Error != "" {
		b.WriteString(" ✗ " + d.Error)
	} else {
		fmt.Fprintf(&b, " → %d", d.HTTPStatus)
	}
	if d.MessageID != "" {
		b.WriteString(" message " + d.MessageID)
	}
	fmt.Fprintf(&b, " try %d", d.Try)
	if d.Duplicate {
		b.WriteString(" duplicate")
	}
	if d.OutOfOrder {
		b.WriteString(" out-of-order")
	}
	if !d.Final {
		b.WriteString(" (will retry)")
	}
	return b.String()
}

func failingRecipients() string {
	var parts []string
	for to, st := range sandbox.FailingRecipients {
		parts = append(parts, to+" ("+strings.Join(st, " → ")+")")
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
