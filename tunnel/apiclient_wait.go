package tunnel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
)

// Message statuses in the order a message reaches them; FailedStatuses end it.
var (
	ProgressStatuses = []string{"queued", "sent", "delivered", "read"}
	FailedStatuses   = []string{"failed", "undelivered", "rejected", "expired"}
)

// ErrMessageFailed is a message whose status webhook says it will not arrive.
var ErrMessageFailed = errors.New("the message failed")

// StatusEvent is one inbound status webhook about a sent message.
type StatusEvent struct {
	Event  *payloads.Event
	Status string
}

// MessageStatuses returns the inbound status webhooks the history holds for
// messageID, oldest first (the events whose correlation key is the message id).
func MessageStatuses(r store.Reader, messageID string) ([]StatusEvent, error) {
	if messageID == "" {
		return nil, errors.New("no message id to look up")
	}
	var out []StatusEvent
	var cursor uint64
	for {
		page, err := r.List(store.ListOptions{Query: "corr:" + quoteFilterValue(messageID), OldestFirst: true, WithBody: true, Limit: 200, Cursor: cursor})
		if err != nil {
			return nil, fmt.Errorf("statuses of message %s: %w", messageID, err)
		}
		for _, ev := range page.Events {
			if ev.Direction == payloads.Outbound {
				continue
			}
			if st := StatusOf(ev.Body); st != "" {
				out = append(out, StatusEvent{Event: ev, Status: st})
			}
		}
		if page.Next == 0 {
			return out, nil
		}
		cursor = page.Next
	}
}

// StatusOf is the message status a status webhook carries: Dexatel's data.status
// (seed 002), or the assumed Dexra form's data.status; "" if none.
func StatusOf(body []byte) string {
	var doc struct {
		Data struct {
			Status string `json:"status"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return ""
	}
	return doc.Data.Status
}

// Reached reports whether have satisfies a wait for want: the same status, or a later
// one of ProgressStatuses (read implies delivered).
func Reached(have, want string) bool {
	if have == want {
		return true
	}
	h, w := slices.Index(ProgressStatuses, have), slices.Index(ProgressStatuses, want)
	return h >= 0 && w >= 0 && h > w
}

// WaitForStatus polls r until a status webhook for messageID reaches want, and returns
// it. A failing status ends the wait with an error wrapping ErrMessageFailed; the
// context's end (the timeout) with its error.
func WaitForStatus(ctx context.Context, r store.Reader, messageID, want string, poll time.Duration) (StatusEvent, error) {
	if poll <= 0 {
		poll = 100 * time.Millisecond
	}
	for {
		got, err := MessageStatuses(r, messageID)
		if err != nil {
			return StatusEvent{}, err
		}
		for _, s := range got {
			if Reached(s.Status, want) {
				return s, nil
			}
		}
		for _, s := range got {
			if slices.Contains(FailedStatuses, s.Status) && !slices.Contains(FailedStatuses, want) {
				return s, fmt.Errorf("%w: message %s is %s (event %s)", ErrMessageFailed, messageID, s.Status, s.Event.ID)
			}
		}
		select {
		case <-ctx.Done():
			last := "no status webhook yet"
			if len(got) > 0 {
				last = "last status " + got[len(got)-1].Status
			}
			return StatusEvent{}, fmt.Errorf("waiting for message %s to be %s: %w (%s)", messageID, want, ctx.Err(), last)
		case <-time.After(poll):
		}
	}
}

// quoteFilterValue quotes a value for the filter language when it needs it.
func quoteFilterValue(v string) string {
	f, err := store.ParseFilter("corr:" + v)
	if err == nil {
		if s := f.String(); s == "corr:"+v {
			return v
		}
	}
	b := []byte{'"'}
	for i := 0; i < len(v); i++ {
		if v[i] == '"' || v[i] == '\\' {
			b = append(b, '\\')
		}
		b = append(b, v[i])
	}
	return string(append(b, '"'))
}
