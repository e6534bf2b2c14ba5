package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/dexra/dexra-tui/payloads/sig"
)

// Delivery is one try of one webhook, as the sandbox records it.
type Delivery struct {
	MessageID  string        `json:"message_id,omitempty"`
	Event      string        `json:"event"`            // delivery, message, message_status, message_in, conversation_created
	Status     string        `json:"status,omitempty"` // the message status a status webhook carries
	Try        int           `json:"try"`
	At         time.Time     `json:"at"`
	HTTPStatus int           `json:"http_status,omitempty"`
	Error      string        `json:"error,omitempty"`
	Latency    time.Duration `json:"latency"`
	Duplicate  bool          `json:"duplicate,omitempty"`    // a second delivery of the same body
	OutOfOrder bool          `json:"out_of_order,omitempty"` // arrived before a status that happened earlier
	Final      bool          `json:"final,omitempty"`        // no more tries follow (answered 2xx or gave up)
}

// dexatelTime is the timestamp layout of seed 002's examples.
const dexatelTime = "2006-01-02 15:04:05"

// Body layouts. Dexatel's follow seed 002 field by field; Dexra's are assumed (the
// seed names message_in and conversation_created, not their JSON): the catalog's
// envelope {event, event_id, created_at, data}.
type dexatelDelivery struct {
	Data struct {
		AccountID string `json:"account_id"`
		MessageID string `json:"message_id"`
		Event     string `json:"event"`
		Status    string `json:"status"`
		Timestamp string `json:"timestamp"`
	} `json:"data"`
}

type dexatelMessage struct {
	Data struct {
		AccountID string `json:"account_id"`
		Event     string `json:"event"`
		From      string `json:"from"`
		To        string `json:"to"`
		Text      string `json:"text"`
		Channel   string `json:"channel"`
		Timestamp string `json:"timestamp"`
	} `json:"data"`
}

type dexraEnvelope struct {
	Event     string         `json:"event"`
	EventID   string         `json:"event_id"`
	CreatedAt string         `json:"created_at"`
	Data      map[string]any `json:"data"`
}

func (s *Sandbox) deliverStatus(msg *message, st step) {
	var body []byte
	var event string
	if s.cfg.Format == FormatDexra {
		event = "message_status"
		body, _ = json.Marshal(dexraEnvelope{Event: event, EventID: uuidFrom(msg.rng), CreatedAt: st.at.Format(time.RFC3339Nano),
			Data: map[string]any{"message_id": msg.id, "status": st.status, "channel": msg.channel, "recipient_id": msg.recipient}})
	} else {
		event = "delivery"
		var d dexatelDelivery
		d.Data.AccountID, d.Data.MessageID, d.Data.Event = s.cfg.AccountID, msg.id, event
		d.Data.Status, d.Data.Timestamp = st.status, st.at.Format(dexatelTime)
		body, _ = json.Marshal(d)
	}
	base := Delivery{MessageID: msg.id, Event: event, Status: st.status, OutOfOrder: st.outOfOrder}
	s.deliver(body, base)
	if st.duplicate {
		base.Duplicate = true
		s.deliver(body, base)
	}
}

// replyTexts are what a simulated recipient answers.
var replyTexts = []string{"Thanks, got it!", "STOP", "Can you call me?", "sign me in please", "👍"}

func (s *Sandbox) deliverReply(msg *message) {
	text := replyTexts[msg.rng.IntN(len(replyTexts))]
	now := time.Now().UTC()
	if s.cfg.Format == FormatDexatel {
		switch msg.channel {
		case "sms", "viber", "whatsapp": // the channels seed 002 lists for message events
		default:
			return
		}
		var m dexatelMessage
		m.Data.AccountID, m.Data.Event, m.Data.From, m.Data.To = s.cfg.AccountID, "message", msg.recipient, s.cfg.SenderID
		m.Data.Text, m.Data.Channel, m.Data.Timestamp = text, msg.channel, now.Format(dexatelTime)
		body, _ := json.Marshal(m)
		s.deliver(body, Delivery{Event: "message"})
		return
	}
	s.mu.Lock()
	conv, known := s.convs[msg.recipient]
	if !known {
		conv = "conv_" + uuidFrom(msg.rng)[:8]
		s.convs[msg.recipient] = conv
	}
	s.mu.Unlock()
	if !known {
		body, _ := json.Marshal(dexraEnvelope{Event: "conversation_created", EventID: uuidFrom(msg.rng), CreatedAt: now.Format(time.RFC3339Nano),
			Data: map[string]any{"conversation_id": conv, "source_channel": msg.channel, "customer_lifetime_value": 0}})
		s.deliver(body, Delivery{Event: "conversation_created"})
	}
	body, _ := json.Marshal(dexraEnvelope{Event: "message_in", EventID: uuidFrom(msg.rng), CreatedAt: now.Format(time.RFC3339Nano),
		Data: map[string]any{"conversation_id": conv, "message_text": text, "source_channel": msg.channel, "reply_to": msg.id}})
	s.deliver(body, Delivery{Event: "message_in"})
}

// deliver POSTs one signed webhook, retrying with backoff until it is answered 2xx
// or the tries run out, and records every try.
func (s *Sandbox) deliver(body []byte, base Delivery) {
	if s.cfg.WebhookURL == "" {
		return
	}
	scheme, _ := sig.Lookup(s.cfg.Format) // dexatel and dexra share the algorithm, not the header
	signed, err := scheme.Sign(sig.SignInput{Secret: s.cfg.Secret, Body: body})
	if err != nil {
		d := base
		d.Try, d.At, d.Error, d.Final = 1, time.Now().UTC(), "sign: "+err.Error(), true
		s.record(d)
		return
	}
	wait := s.cfg.WebhookBackoff
	for try := 1; try <= s.cfg.WebhookAttempts; try++ {
		d := base
		d.Try = try
		d.HTTPStatus, d.Latency, err = s.post(body, signed)
		d.At = time.Now().UTC()
		ok := err == nil && d.HTTPStatus/100 == 2
		if err != nil {
			d.Error = err.Error()
		} else if !ok {
			d.Error = fmt.Sprintf("answered %d", d.HTTPStatus)
		}
		d.Final = ok || try == s.cfg.WebhookAttempts || s.ctx.Err() != nil
		s.record(d)
		if d.Final {
			return
		}
		if !s.sleepUntil(time.Now().Add(wait)) {
			return
		}
		wait = min(wait*2, 30*time.Second)
	}
}

func (s *Sandbox) post(body []byte, signed http.Header) (int, time.Duration, error) {
	select {
	case s.slots <- struct{}{}:
	case <-s.ctx.Done():
		return 0, 0, s.ctx.Err()
	}
	defer func() { <-s.slots }()
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	for k, vs := range signed {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "dexra-tui-sandbox")
	start := time.Now()
	resp, err := s.cfg.HTTP.Do(req)
	if err != nil {
		return 0, time.Since(start), err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, time.Since(start), nil
}
