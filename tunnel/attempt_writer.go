package tunnel

import (
	"errors"
	"fmt"
	"sync"
)

// attemptWriter records attempts in the background, several at once, so a delivery
// never waits for a commit and the store's group commit merges the writes into few
// fsyncs. add blocks only when `parallel` writes are already pending.
type attemptWriter struct {
	rec   AttemptRecorder
	slots chan struct{}
	wg    sync.WaitGroup
	// after is called once each write finished (res.Err nil when it was recorded).
	after func(res ForwardResult)

	mu     sync.Mutex
	failed int
	first  error
}

// attemptWriteParallel is how many attempts may be on their way to the history.
const attemptWriteParallel = 32

func newAttemptWriter(rec AttemptRecorder, after func(ForwardResult)) *attemptWriter {
	return &attemptWriter{rec: rec, slots: make(chan struct{}, attemptWriteParallel), after: after}
}

// add records res.Attempt on event res.EventID.
func (w *attemptWriter) add(res ForwardResult) {
	id, a := res.EventID, res.Attempt
	w.slots <- struct{}{}
	w.wg.Add(1)
	go func() {
		defer func() { <-w.slots; w.wg.Done() }()
		err := w.rec.AddAttempt(id, a)
		if err != nil {
			err = fmt.Errorf("recording the attempt to %s on event %s: %w", a.Target, id, err)
			w.mu.Lock()
			w.failed++
			if w.first == nil {
				w.first = err
			}
			w.mu.Unlock()
		}
		if w.after != nil {
			res.Err = err
			w.after(res)
		}
	}()
}

// wait blocks until every added attempt was written and says whether any failed.
func (w *attemptWriter) wait() error {
	w.wg.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	switch w.failed {
	case 0:
		return nil
	case 1:
		return w.first
	}
	return errors.Join(w.first, fmt.Errorf("and %d more attempts could not be recorded", w.failed-1))
}
