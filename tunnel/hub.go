// Package tunnel is how events move: the inbound listener, publishing to subscribers,
// the local control socket, forwarding, replay and the outbound clients.
package tunnel

import "github.com/dexra/dexra-tui/payloads"

// placeholder below: replaced by the listener implementation.

// Hub fans committed events out to subscribers without ever blocking the publisher.
type Hub struct{}

func NewHub() *Hub                        { return &Hub{} }
func (h *Hub) Publish(ev *payloads.Event) {}
func (h *Hub) Subscribe() *Subscription   { return &Subscription{} }

// Subscription delivers every event published after Subscribe, in order.
type Subscription struct{}

func (s *Subscription) C() <-chan *payloads.Event { return nil }
func (s *Subscription) Close()                    {}
