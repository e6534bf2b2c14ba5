package tunnel

import (
	"context"
	"sync/atomic"
)

// controlRetry asks the process holding the history to retry its forwarder's waiting
// events now and to name the ones it gave up on: what `replay --failed` may send from
// another terminal without racing the listener's own retries.
const controlRetry = "/v1/retry-forwards"

// forwardRetrier is the part of a Forwarder the control socket offers.
type forwardRetrier interface {
	RetryNow() bool
	GivenUp() []ReplayItem
}

var _ forwardRetrier = (*Forwarder)(nil)

type retryAnswer struct {
	Retried bool         `json:"retried"` // events were waiting to retry: they go now
	GivenUp []ReplayItem `json:"given_up"`
}

// forwarderSlot holds the forwarder the control socket answers for (nil: none runs).
type forwarderSlot struct {
	p atomic.Pointer[forwardRetrier]
}

// SetForwarder lets clients ask this process's forwarder to retry now (nil: none runs).
func (cs *ControlServer) SetForwarder(f *Forwarder) {
	if f == nil {
		cs.forwarder.p.Store(nil)
		return
	}
	var r forwardRetrier = f
	cs.forwarder.p.Store(&r)
}

func (cs *ControlServer) retryForwards(struct{}) (any, error) {
	p := cs.forwarder.p.Load()
	if p == nil {
		return nil, ErrControlUnsupported
	}
	retried := (*p).RetryNow()
	return retryAnswer{Retried: retried, GivenUp: (*p).GivenUp()}, nil
}

// RetryForwards has the holding process's forwarder retry its waiting events now; it
// returns whether any were waiting, and the failed events it no longer retries. An
// error (ErrControlUnsupported: no forwarder runs there) means nothing was asked.
func (c *ControlClient) RetryForwards() (retried bool, givenUp []ReplayItem, err error) {
	var a retryAnswer
	if err := c.call(context.Background(), controlRetry, struct{}{}, &a); err != nil {
		return false, nil, err
	}
	return a.Retried, a.GivenUp, nil
}
