package sandbox

import (
	"math/rand/v2"
	"time"

	"github.com/dexra/dexra-tui/tunnel"
)

// ChannelStatuses are the statuses a message reaches after "queued" on each channel,
// when nothing goes wrong: read receipts only where the channel has them.
var ChannelStatuses = map[string][]string{
	"whatsapp": {"sent", "delivered", "read"},
	"viber":    {"sent", "delivered", "read"},
	"sms":      {"sent", "delivered"},
	"email":    {"sent", "delivered"},
	"telegram": {"sent", "delivered"},
}

// FailingRecipients are test recipients documented to fail, like a provider's magic
// test numbers: the statuses a message to them reaches instead.
var FailingRecipients = map[string][]string{
	"+15005550001":       {"failed"},              // whatsapp, sms, viber: rejected at once
	"+15005550002":       {"sent", "undelivered"}, // whatsapp, sms, viber: handset unreachable
	"fail@example.com":   {"failed"},
	"bounce@example.com": {"sent", "undelivered"},
	"1000001":            {"failed"}, // telegram chat ids
	"1000002":            {"sent", "undelivered"},
}

// message is one accepted message and what the sandbox decided for it.
type message struct {
	id        string
	seq       uint64
	channel   string
	recipient string
	text      string
	rng       *rand.Rand // only its own goroutine draws after creation
	reached   []string   // guarded by Sandbox.mu
}

// newMessageLocked makes the next message, its id drawn from its own stream.
func (s *Sandbox) newMessageLocked(m tunnel.Message) *message {
	s.made++
	rng := rand.New(rand.NewPCG(s.cfg.Seed, s.made))
	msg := &message{id: uuidFrom(rng), seq: s.made, channel: m.Channel, recipient: m.RecipientID, text: m.Text, rng: rng}
	if m.MessageType == "template" && m.Template != nil {
		msg.text = m.Template.Name
	}
	s.messages[msg.id] = msg
	s.kept = append(s.kept, kept{id: msg.id})
	return msg
}

// maxKept bounds the messages (and idempotency keys) a long run remembers.
var maxKept = 100_000

// kept is one remembered message and the idempotency key that made it.
type kept struct{ id, key string }

// forgetOldLocked drops the oldest remembered messages beyond maxKept.
func (s *Sandbox) forgetOldLocked() {
	for len(s.kept) > maxKept {
		old := s.kept[0]
		delete(s.messages, old.id)
		if old.key != "" {
			delete(s.idem, old.key)
		}
		s.kept = s.kept[1:]
	}
}

// step is one status webhook to deliver: its status, when it happened (its
// timestamp) and its place in the order of arrival.
type step struct {
	status     string
	at         time.Time
	duplicate  bool // delivered a second time right after
	outOfOrder bool // arrives before a status that happened earlier
}

// plan decides the message's statuses, their times and their misbehaviour.
func (s *Sandbox) plan(msg *message, start time.Time) []step {
	statuses, ok := FailingRecipients[msg.recipient]
	if !ok {
		statuses = ChannelStatuses[msg.channel]
	}
	steps := make([]step, len(statuses))
	at := start
	for i, st := range statuses {
		at = at.Add(s.jitter(msg.rng))
		steps[i] = step{status: st, at: at, duplicate: msg.rng.Float64() < s.cfg.Duplicates}
	}
	if len(steps) >= 2 && msg.rng.Float64() < s.cfg.Reorder {
		steps[0], steps[1] = steps[1], steps[0]
		steps[0].outOfOrder = true
	}
	return steps
}

// jitter is StepDelay ±50%.
func (s *Sandbox) jitter(rng *rand.Rand) time.Duration {
	d := s.cfg.StepDelay
	return d/2 + time.Duration(rng.Int64N(int64(d)+1))
}

// start runs the message's status machine in its own goroutine.
func (s *Sandbox) start(msg *message) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		begin := time.Now()
		steps := s.plan(msg, begin.UTC())
		reply := msg.rng.Float64() < s.cfg.Replies
		// Arrival follows the planned order, each at the later of its neighbours' times,
		// so a swapped pair arrives in quick succession.
		for _, st := range steps {
			if !s.sleepUntil(st.at) {
				return
			}
			s.mu.Lock()
			msg.reached = append(msg.reached, st.status)
			s.mu.Unlock()
			s.deliverStatus(msg, st)
		}
		if reply && len(steps) > 0 && !isFailure(steps[len(steps)-1].status) {
			if !s.sleepUntil(time.Now().Add(s.cfg.ReplyDelay)) {
				return
			}
			s.deliverReply(msg)
		}
	}()
}

func isFailure(status string) bool {
	for _, f := range tunnel.FailedStatuses {
		if status == f {
			return true
		}
	}
	return false
}

// sleepUntil waits for t; false if the sandbox closed meanwhile.
func (s *Sandbox) sleepUntil(t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return s.ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-s.ctx.Done():
		return false
	}
}
