package tunnel

import (
	"fmt"
	"sync"
	"time"
)

// cursorStore keeps each forward target's cursor (store.Store does): how far its
// events are settled, so a listener started again resumes the pending ones in order.
type cursorStore interface {
	ForwardCursor(target string) (uint64, bool, error)
	SetForwardCursors(map[string]uint64) error
}

// CursorKey names a target's cursor in the history: the same events to the same place.
func (t ForwardTarget) CursorKey() string {
	k := t.URL.String()
	if t.AppendPath && t.Prefix == "" {
		k += "/*"
	}
	if t.Prefix != "" {
		k = t.Prefix + "=" + k
	}
	return k
}

// cursorSaveEvery is how often cursors are saved: a crash sends again at most what
// was settled in the last interval (webhooks are at-least-once anyway).
const cursorSaveEvery = time.Second

// resume starts each target after its saved cursor (queueing the events since, to
// read back from the history), or at lastSeq for a target never seen, and returns
// the saver that keeps the cursors from now on.
func (f *Forwarder) resume(cs cursorStore, lastSeq uint64) *cursorSaver {
	for _, q := range f.queues {
		c, found, err := cs.ForwardCursor(q.target.CursorKey())
		if err != nil {
			f.log.Error("forwarder: cannot read where forwarding stopped; starting with new events", "target", safeText(q.target.Label()), "err", err)
		}
		if !found || c > lastSeq {
			c = lastSeq
		}
		q.startAt(c)
		if c < lastSeq {
			q.mu.Lock()
			q.queue.items = append(q.queue.items, queued{from: c + 1, to: lastSeq})
			q.mu.Unlock()
			f.log.Info("forwarder: resuming events stored since the last run", "target", safeText(q.target.Label()), "from_seq", c+1, "to_seq", lastSeq)
		}
	}
	s := &cursorSaver{store: cs, queues: f.queues, saved: map[string]uint64{}, stop: make(chan struct{}), done: make(chan struct{})}
	go s.loop()
	return s
}

// cursorSaver saves the targets' cursors every cursorSaveEvery, and at close.
type cursorSaver struct {
	store  cursorStore
	queues []*targetQueue
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once

	mu    sync.Mutex
	saved map[string]uint64
	err   error // the first failed save
}

func (s *cursorSaver) loop() {
	defer close(s.done)
	t := time.NewTicker(cursorSaveEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.save()
		case <-s.stop:
			return
		}
	}
}

// save writes the cursors that moved since the last save.
func (s *cursorSaver) save() {
	s.mu.Lock()
	defer s.mu.Unlock()
	changed := map[string]uint64{}
	for _, q := range s.queues {
		k, c := q.target.CursorKey(), q.cursor()
		if old, ok := s.saved[k]; !ok || old != c {
			changed[k] = c
		}
	}
	if err := s.store.SetForwardCursors(changed); err != nil {
		if s.err == nil {
			s.err = fmt.Errorf("saving where forwarding got to: %w", err)
		}
		return
	}
	for k, c := range changed {
		s.saved[k] = c
	}
}

// close stops the loop and saves one last time.
func (s *cursorSaver) close() error {
	s.once.Do(func() { close(s.stop) })
	<-s.done
	s.save()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}
