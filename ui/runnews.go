package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"
)

// runNews carries a background run's news (an export, a replay) to the program: its
// progress at most every progressEvery, then its end, of type D.
type runNews[D any] struct {
	wake     chan struct{} // capacity 1: the progress changed
	finished chan D        // capacity 1: the run's end
	lastSent time.Time     // touched by next only, which runs one call at a time
}

func newRunNews[D any]() runNews[D] {
	return runNews[D]{wake: make(chan struct{}, 1), finished: make(chan D, 1)}
}

// changed says the progress moved; it never blocks (a pending wake-up covers it).
func (n *runNews[D]) changed() {
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// next waits for the next news: the progress as progress reads it, or the end.
func (n *runNews[D]) next(progress func() tea.Msg) tea.Msg {
	if wait := time.Until(n.lastSent.Add(progressEvery)); wait > 0 {
		select {
		case done := <-n.finished:
			return done
		case <-time.After(wait):
		}
	}
	select {
	case done := <-n.finished:
		return done
	case <-n.wake:
		n.lastSent = time.Now()
		return progress()
	}
}
