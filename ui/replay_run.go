package ui

import (
	"context"
	"errors"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/tunnel"
)

// progressEvery is the least time between two progress messages of a run: a replay of
// thousands of events moves the bar without one message per event.
const progressEvery = 50 * time.Millisecond

// keptResults bounds the results a run keeps for its closing message: the latest.
const keptResults = 16

// replayKind is what a replay run sends.
type replayKind uint8

const (
	replayOne    replayKind = iota // r: the selected event
	replayFailed                   // R: every event whose forward failed
	replayEdit                     // e: an edited body
)

// replayWork does a run's replaying, reporting each finished item.
type replayWork func(ctx context.Context, report func(tunnel.ReplayProgress)) replayDoneMsg

// replayRun is one replay in the background. Its goroutine reports progress here;
// the program reads it with next, one message at a time.
type replayRun struct {
	gen  uint64
	kind replayKind
	id   string // the event of a one-event or edited run

	// what Update last heard, read by the view
	seen replayProgressMsg

	runNews[replayDoneMsg]

	mu       sync.Mutex
	progress replayProgressMsg
	results  []tunnel.ReplayResult
}

func newReplayRun(gen uint64, kind replayKind, id string) *replayRun {
	return &replayRun{
		gen: gen, kind: kind, id: id,
		seen:     replayProgressMsg{gen: gen},
		runNews:  newRunNews[replayDoneMsg](),
		progress: replayProgressMsg{gen: gen},
	}
}

// start runs work in its own goroutine (tracked by bg) and waits for its first news.
func (r *replayRun) start(ctx context.Context, bg *background, work replayWork) tea.Cmd {
	return func() tea.Msg {
		if !bg.begin() {
			return replayDoneMsg{gen: r.gen, err: errors.New("the console is closing")}
		}
		go func() {
			defer bg.end()
			msg := work(ctx, r.report)
			r.mu.Lock()
			msg.gen, msg.results = r.gen, append(msg.results, r.results...)
			r.mu.Unlock()
			r.finished <- msg
		}()
		return r.next()
	}
}

// report is the replayer's Progress callback.
func (r *replayRun) report(p tunnel.ReplayProgress) {
	r.mu.Lock()
	r.progress.done, r.progress.total = p.Done, p.Total
	for _, res := range p.Results {
		if res.OK() {
			r.progress.ok++
		} else {
			r.progress.failed++
		}
		if len(r.results) == keptResults {
			r.results = append(r.results[:0], r.results[1:]...)
		}
		r.results = append(r.results, res)
	}
	r.mu.Unlock()
	r.changed()
}

// next waits for the run's next news: its progress (at most every progressEvery), or
// its end.
func (r *replayRun) next() tea.Msg {
	return r.runNews.next(func() tea.Msg {
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.progress
	})
}

// wait is next as a command, for the message after a progress message.
func (r *replayRun) wait() tea.Cmd { return r.next }

// background tracks the replay runs so that quitting waits for them to record their
// attempts before the history closes; once closed it starts no more.
type background struct {
	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

func (b *background) begin() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false
	}
	b.wg.Add(1)
	return true
}

func (b *background) end() { b.wg.Done() }

// close starts no more runs and waits up to d for those going to end.
func (b *background) close(d time.Duration) {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	ended := make(chan struct{})
	go func() { b.wg.Wait(); close(ended) }()
	select {
	case <-ended:
	case <-time.After(d):
	}
}
