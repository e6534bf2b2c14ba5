package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/tunnel"
)

func (a *App) sendCommand() *cobra.Command {
	var o sendOptions
	cmd := &cobra.Command{
		Use:   "send",
		Short: "Send a message through the send-message API (the local sandbox by default)",
		Long: `Send one message with POST {base}/v1/send-message and record it in the history as an outbound
event whose correlation key is the returned message_id, so its status webhooks join it. The profile
(default: the config's, sandbox) gives the base URL and key; --api-url and --key (or
DEXRA_API_KEY) override them. The key is never stored or printed unmasked. 429 (after its
Retry-After) and 5xx are retried with one Idempotency-Key. With --wait, send waits until the
listener holding the history has received that status for the message: exit 0, or 1 when the
message fails or --timeout passes.`,
		Example: `  dexra-tui send --channel whatsapp --to +15551234567 --text 'Your code is 123456'
  dexra-tui send --channel sms --to +15551234567 --text hi --wait delivered --timeout 30s
  dexra-tui send --channel viber --to +15551234567 --type button --text 'Confirm?' --button yes=Yes --button no=No
  dexra-tui send --channel whatsapp --to +15551234567 --type template --template order_shipped --language en_US --param order=A-1
  dexra-tui send --file request.json --profile production --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.send(cmd, o) },
	}
	fs := cmd.Flags()
	fs.StringVar(&o.msg.Channel, "channel", "", "Channel: whatsapp, sms, viber, email or telegram")
	fs.StringVar(&o.msg.RecipientID, "to", "", "Recipient: +E.164 number (whatsapp, sms, viber), email address, or Telegram chat id")
	fs.StringVar(&o.msg.MessageType, "type", "text", "Message type: text, media, button or template")
	fs.StringVar(&o.msg.Text, "text", "", "text of a text or button message")
	fs.StringVar(&o.msg.MediaURL, "media-url", "", "media message: URL of the media")
	fs.StringVar(&o.msg.Caption, "caption", "", "media message: caption")
	fs.StringArrayVar(&o.buttons, "button", nil, "button message: a button, ID=Title or Title (repeat, up to 3)")
	fs.StringVar(&o.template, "template", "", "template message: the template's name")
	fs.StringVar(&o.language, "language", "", "template message: language code (en, en_US)")
	fs.StringArrayVar(&o.params, "param", nil, "template message: a parameter, name=value (repeat)")
	fs.StringVar(&o.file, "file", "", "send this JSON request body as it is instead (- for stdin)")
	fs.StringVar(&o.profile, "profile", "", "profile giving the API's base URL and key (default: the config's, sandbox)")
	fs.StringVar(&o.apiURL, "api-url", "", "API base URL (default: the profile's)")
	fs.StringVar(&o.key, "key", "", "API key (default $DEXRA_API_KEY, then the profile's api_key; a flag is visible to other users in the process list, so prefer those)")
	o.readFlags.register(fs)
	fs.BoolVar(&o.asJSON, "json", false, "print one JSON object: id, message_id, status, answer")
	fs.StringVar(&o.wait, "wait", "", "wait for this status of the message: sent, delivered or read (or failed)")
	fs.DurationVar(&o.timeout, "timeout", 60*time.Second, "how long --wait waits")
	_ = cmd.RegisterFlagCompletionFunc("channel", cobra.FixedCompletions(tunnel.Channels, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("type", cobra.FixedCompletions(tunnel.MessageTypes, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("wait", cobra.FixedCompletions([]string{"sent", "delivered", "read", "failed"}, cobra.ShellCompDirectiveNoFileComp))
	a.completeReadFlags(cmd, &o.readFlags)
	return cmd
}

type sendOptions struct {
	readFlags
	msg                        tunnel.Message
	buttons, params            []string
	template, language, file   string
	profile, apiURL, key, wait string
	timeout                    time.Duration
	asJSON                     bool
}

// sendJSON is send's --json object.
type sendJSON struct {
	ID             string          `json:"id"` // the stored outbound event ("" if not recorded)
	MessageID      string          `json:"message_id"`
	Status         int             `json:"status"` // HTTP status of the last try
	Answer         json.RawMessage `json:"answer"` // the API's answer (a JSON string if not JSON)
	IdempotencyKey string          `json:"idempotency_key"`
	Tries          int             `json:"tries"`
	Profile        string          `json:"profile"`
	APIURL         string          `json:"api_url"`
	Key            string          `json:"key"` // masked
	Error          string          `json:"error,omitempty"`
	NotRecorded    string          `json:"not_recorded,omitempty"`
	Wait           *waitJSON       `json:"wait,omitempty"`
}

type waitJSON struct {
	Want    string  `json:"want"`
	Status  string  `json:"status,omitempty"`
	EventID string  `json:"event_id,omitempty"`
	After   float64 `json:"after_s"`
	Error   string  `json:"error,omitempty"`
}

func (a *App) send(cmd *cobra.Command, o sendOptions) error {
	body, err := a.sendBody(cmd, o)
	if err != nil {
		return err
	}
	if o.wait != "" && !slices.Contains(tunnel.ProgressStatuses[1:], o.wait) && !slices.Contains(tunnel.FailedStatuses, o.wait) {
		return usagef("--wait %q: want sent, delivered, read or failed", o.wait)
	}
	cfg, err := a.loadConfig(o.config)
	if err != nil {
		return err
	}
	name := o.profile
	if name == "" {
		name = cfg.Profile
	}
	profile, ok := cfg.Profiles[name]
	if !ok {
		return usagef("--profile %q: no such profile (known: %s; add [profiles.%s] with base_url and api_key to %s)",
			name, strings.Join(slices.Sorted(maps.Keys(cfg.Profiles)), ", "), name, cfg.File)
	}
	client := &tunnel.Client{BaseURL: firstNonEmpty(o.apiURL, profile.BaseURL), Key: firstNonEmpty(o.key, a.Env("DEXRA_API_KEY"), profile.APIKey)}
	db := firstNonEmpty(o.db, cfg.DB)
	if db == "" {
		return errNoHome
	}

	// Where the send is recorded and the wait reads from: the process holding the
	// history (through its control socket), else the history itself.
	var reader store.Reader
	if ctl, err := tunnel.DialControl(tunnel.ControlSocketPath(db)); err == nil {
		defer ctl.Close()
		reader, client.Recorder = ctl, ctl
	} else if o.wait != "" {
		return fmt.Errorf("--wait needs a listener holding the history %s to receive the status webhooks: start dexra-tui listen (or the console) first, with the same --db", db)
	} else {
		st, err := store.Open(db, store.Options{Timeout: time.Second})
		if err != nil {
			return fmt.Errorf("open the history to record the sent message: %w", err)
		}
		defer st.Close()
		client.Recorder = st
	}

	ctx := cmd.Context()
	sent := time.Now()
	res, sendErr := client.Post(ctx, body)
	out := sendJSON{Profile: name, APIURL: client.BaseURL, Key: tunnel.MaskKey(client.Key)}
	if res != nil {
		out.MessageID, out.Status, out.IdempotencyKey, out.Tries = res.MessageID, res.Status, res.IdempotencyKey, res.Tries
		out.Answer = rawAnswer(res.Answer)
		if res.Recorded == nil {
			out.ID = res.Event.ID
		} else {
			out.NotRecorded = strings.TrimPrefix(res.Recorded.Error(), "record the sent message: ")
			fmt.Fprintf(a.Stderr, "dexra-tui: warning: the sent message is not in the history: %s\n", clean(out.NotRecorded))
		}
	}
	if isConnectionRefused(sendErr) {
		sendErr = fmt.Errorf("%w (nothing answers at %s: start dexra-tui sandbox, or pass --api-url or --profile)", sendErr, client.BaseURL)
	}
	if sendErr != nil {
		out.Error = sendErr.Error()
		if o.asJSON {
			_ = writeJSON(a.Stdout, out, false)
		}
		fmt.Fprintf(a.Stderr, "dexra-tui: %s\n", clean(sendErr.Error()))
		return exitError{1}
	}
	if !o.asJSON {
		line := fmt.Sprintf("sent %s: message %s %s (HTTP %d, %d %s, %s, key %s)", o.via(name), res.MessageID, res.MessageStatus,
			res.Status, res.Tries, plural(res.Tries, "try", "tries"), res.Latency.Round(time.Millisecond), out.Key)
		if out.ID != "" {
			line += " event " + out.ID
		}
		fmt.Fprintln(a.Stdout, clean(line))
	}
	if o.wait == "" {
		if o.asJSON {
			return writeJSON(a.Stdout, out, false)
		}
		return nil
	}

	wctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	st, werr := tunnel.WaitForStatus(wctx, reader, res.MessageID, o.wait, 100*time.Millisecond)
	out.Wait = &waitJSON{Want: o.wait, After: time.Since(sent).Seconds(), Status: st.Status}
	if st.Event != nil {
		out.Wait.EventID = st.Event.ID
	}
	if werr != nil {
		out.Wait.Error = werr.Error()
	}
	if o.asJSON {
		if err := writeJSON(a.Stdout, out, false); err != nil {
			return err
		}
	} else if werr == nil {
		fmt.Fprintln(a.Stdout, clean(fmt.Sprintf("%s after %.2fs: event %s", st.Status, out.Wait.After, out.Wait.EventID)))
	}
	if werr != nil {
		if errors.Is(werr, context.DeadlineExceeded) {
			werr = fmt.Errorf("%w: no %s webhook within --timeout %s (is the sandbox's --webhook-url this listener?)", werr, o.wait, o.timeout)
		}
		fmt.Fprintf(a.Stderr, "dexra-tui: %s\n", clean(werr.Error()))
		return exitError{1}
	}
	return nil
}

func (o sendOptions) via(name string) string {
	if o.apiURL != "" {
		return "to " + o.apiURL
	}
	return "with profile " + name
}

// sendBody is the request: --file as it is, or the message the flags describe.
func (a *App) sendBody(cmd *cobra.Command, o sendOptions) ([]byte, error) {
	fs := cmd.Flags()
	msgFlags := []string{"channel", "to", "type", "text", "media-url", "caption", "button", "template", "language", "param"}
	if o.file != "" {
		for _, f := range msgFlags {
			if fs.Changed(f) {
				return nil, usagef("--file sends the request as it is: drop --%s (or drop --file)", f)
			}
		}
		var b []byte
		var err error
		if o.file == "-" {
			b, err = io.ReadAll(io.LimitReader(a.Stdin, 1<<20))
		} else {
			b, err = os.ReadFile(o.file)
		}
		if err != nil {
			return nil, fmt.Errorf("--file: %w", err)
		}
		if !json.Valid(b) {
			return nil, usagef("--file %s: not JSON", o.file)
		}
		return b, nil
	}
	if o.msg.Channel == "" || o.msg.RecipientID == "" {
		return nil, usagef("send needs --channel and --to (or --file request.json); see dexra-tui send --help")
	}
	m := o.msg
	// Each type's own flags; a flag of another type is a mistake worth naming.
	typeFlags := map[string][]string{"text": {"text"}, "media": {"media-url", "caption"}, "button": {"text", "button"}, "template": {"template", "language", "param"}}
	if own, ok := typeFlags[m.MessageType]; ok {
		for _, f := range msgFlags[3:] {
			if fs.Changed(f) && !slices.Contains(own, f) {
				return nil, usagef("--%s does not belong to a %s message (its flags: --%s)", f, m.MessageType, strings.Join(own, ", --"))
			}
		}
	}
	for i, b := range o.buttons {
		id, title, ok := strings.Cut(b, "=")
		if !ok {
			id, title = fmt.Sprintf("b%d", i+1), b
		}
		m.Buttons = append(m.Buttons, tunnel.Button{ID: id, Title: title})
	}
	if m.MessageType == "template" {
		m.Template = &tunnel.Template{Name: o.template, Language: o.language}
		for _, p := range o.params {
			k, v, ok := strings.Cut(p, "=")
			if !ok || k == "" {
				return nil, usagef("--param %q: want name=value", p)
			}
			if m.Template.Parameters == nil {
				m.Template.Parameters = map[string]string{}
			}
			m.Template.Parameters[k] = v
		}
	}
	return json.Marshal(m)
}

// rawAnswer is the API's answer for JSON output: as it is when JSON, else a string.
func rawAnswer(b []byte) json.RawMessage {
	if len(b) > 0 && json.Valid(b) {
		return json.RawMessage(b)
	}
	s, _ := json.Marshal(string(b))
	return s
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
