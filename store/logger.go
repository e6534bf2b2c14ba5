package store

import (
	"fmt"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// logger is Append's way to durability (wal.go). One goroutine takes every event
// queued, gives each its seq and duplicate-of, writes them to the log in one synced
// write, queues them for the committer to apply to the history, and only then
// answers their writers. Reads wait until the history holds every event logged
// before they began (waitApplied), so nobody sees the difference.
type logger struct {
	db     *bolt.DB
	wal    *walFile
	writes *committer
	// onApplied is told the stored event count after each applied batch.
	onApplied func(total uint64)

	mu       sync.Mutex
	ready    sync.Cond // the queue grew, or closed was set
	caughtUp sync.Cond // applied advanced, or failed was set
	queue    []*pendingAppend
	closed   bool
	failed   error // sticky: once the log or the history failed a write, appends fail
	// applyFailed is failed when it was the history's: reads cannot catch up.
	applyFailed error
	stopped  chan struct{}

	logged, applied atomic.Uint64 // the newest seq in the log / in the history
	syncs           atomic.Uint64 // log writes, for tests

	// Events logged but not yet applied: their IDs and the dedup keys they were first
	// to carry, so events after them are decided as the history will store them.
	pendingMu    sync.Mutex
	pendingIDs   map[string]struct{}
	pendingFirst map[string]string // stored dedup key → ID
}

type pendingAppend struct {
	p    *preparedEvent
	res  putResult
	err  error
	done chan struct{}
}

// maxLogBatch bounds the events of one log write and one apply.
const maxLogBatch = maxCommitWrites

func newLogger(db *bolt.DB, wal *walFile, writes *committer, last uint64, onApplied func(uint64)) *logger {
	l := &logger{db: db, wal: wal, writes: writes, onApplied: onApplied, stopped: make(chan struct{}),
		pendingIDs: map[string]struct{}{}, pendingFirst: map[string]string{}}
	l.ready.L, l.caughtUp.L = &l.mu, &l.mu
	l.logged.Store(last)
	l.applied.Store(last)
	go l.loop()
	return l
}

// append makes p durable and says what the history decided for it.
func (l *logger) append(p *preparedEvent) (putResult, error) {
	pa := &pendingAppend{p: p, done: make(chan struct{})}
	l.mu.Lock()
	switch {
	case l.closed:
		l.mu.Unlock()
		return putResult{}, berrors.ErrDatabaseNotOpen
	case l.failed != nil:
		err := l.failed
		l.mu.Unlock()
		return putResult{}, err
	}
	l.queue = append(l.queue, pa)
	l.ready.Signal()
	l.mu.Unlock()
	<-pa.done
	return pa.res, pa.err
}

// waitApplied returns once the history holds every event logged when it was called;
// it fails if the history failed to take one.
func (l *logger) waitApplied() error {
	target := l.logged.Load()
	if l.applied.Load() >= target {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.applied.Load() < target && l.applyFailed == nil {
		l.caughtUp.Wait()
	}
	if l.applied.Load() < target {
		return l.applyFailed
	}
	return nil
}

// close logs what is queued and stops; the committer then applies it.
func (l *logger) close() {
	l.mu.Lock()
	l.closed = true
	l.ready.Signal()
	l.mu.Unlock()
	<-l.stopped
}

// fail refuses every later append with err; applying says the history failed too.
func (l *logger) fail(err error, applying bool) {
	l.mu.Lock()
	if l.failed == nil {
		l.failed = err
	}
	if applying && l.applyFailed == nil {
		l.applyFailed = err
	}
	l.caughtUp.Broadcast()
	l.mu.Unlock()
}

func (l *logger) loop() {
	defer close(l.stopped)
	var batch []*pendingAppend
	for {
		l.mu.Lock()
		for len(l.queue) == 0 && !l.closed {
			l.ready.Wait()
		}
		if len(l.queue) == 0 {
			l.mu.Unlock()
			return
		}
		n := min(len(l.queue), maxLogBatch)
		batch = append(batch[:0], l.queue[:n]...)
		rest := copy(l.queue, l.queue[n:])
		clear(l.queue[rest:])
		l.queue = l.queue[:rest]
		failed := l.failed
		l.mu.Unlock()

		if failed == nil {
			failed = l.log(batch)
		}
		for _, pa := range batch {
			if failed != nil && pa.err == nil {
				pa.err = failed
			}
			close(pa.done)
		}
		clear(batch)
	}
}

// log makes batch durable and queues it for the history. Writers whose event cannot
// be stored get their own error; an error returned is every other writer's.
func (l *logger) log(batch []*pendingAppend) error {
	entries, err := l.decide(batch)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	l.rewindWhenCaughtUp()
	if err := l.wal.write(entries); err != nil {
		// What reached the file may be replayed at the next Open: never write after it.
		l.fail(fmt.Errorf("%w; restart dexra-tui (the history keeps every event it acknowledged)", err), false)
		return err
	}
	l.syncs.Add(1)
	last := entries[len(entries)-1].seq
	l.logged.Store(last)
	l.queueApply(entries)
	return nil
}

// decide gives each event of batch its seq and duplicate-of, as the history will
// store them: after every event already logged.
func (l *logger) decide(batch []*pendingAppend) ([]*loggedEvent, error) {
	entries := make([]*loggedEvent, 0, len(batch))
	err := l.db.View(func(tx *bolt.Tx) (err error) {
		defer recoverCorrupt(&err)
		ids, dedup := tx.Bucket(bucketIDs), tx.Bucket(bucketDedup)
		seq := max(l.logged.Load(), tx.Bucket(bucketEvents).Sequence())
		l.pendingMu.Lock()
		defer l.pendingMu.Unlock()
		for _, pa := range batch {
			p := pa.p
			if _, dup := l.pendingIDs[p.head.ID]; dup || ids.Get([]byte(p.head.ID)) != nil {
				pa.err = fmt.Errorf("%w: %s", ErrDuplicateID, p.head.ID)
				continue
			}
			dupOf := firstCarrier(dedup, p.dedupKey)
			if dupOf == "" && p.dedupKey != nil {
				if first, ok := l.pendingFirst[string(p.dedupKey)]; ok {
					dupOf = first
				} else {
					l.pendingFirst[string(p.dedupKey)] = p.head.ID
				}
			}
			l.pendingIDs[p.head.ID] = struct{}{}
			seq++
			pa.res = putResult{seq: seq, duplicateOf: dupOf}
			entries = append(entries, logEvent(p, seq, dupOf))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the history to number events: %w", err)
	}
	return entries, nil
}

// queueApply hands entries to the committer, behind every write queued before.
func (l *logger) queueApply(entries []*loggedEvent) {
	var total uint64
	apply := func(w *txWriter) error {
		for _, e := range entries {
			if err := applyLogged(w, e); err != nil {
				return err
			}
		}
		total = w.currentTotal()
		return nil
	}
	l.writes.enqueue(apply, func(err error) {
		if err != nil {
			l.fail(fmt.Errorf("apply logged events to the history: %w; restart dexra-tui (they are kept in its log)", err), true)
			return
		}
		l.pendingMu.Lock()
		for _, e := range entries {
			delete(l.pendingIDs, e.id)
			if e.dedupKey != nil && l.pendingFirst[string(e.dedupKey)] == e.id {
				delete(l.pendingFirst, string(e.dedupKey))
			}
		}
		l.pendingMu.Unlock()
		l.mu.Lock()
		l.applied.Store(entries[len(entries)-1].seq)
		l.caughtUp.Broadcast()
		l.mu.Unlock()
		if l.onApplied != nil {
			l.onApplied(total)
		}
	})
}

// rewindWhenCaughtUp starts the log file again when the history holds all of it;
// past walRewindSize it waits for that.
func (l *logger) rewindWhenCaughtUp() {
	if l.applied.Load() == l.logged.Load() {
		l.wal.rewind()
		return
	}
	if l.wal.off < walRewindSize {
		return
	}
	if l.waitApplied() == nil {
		l.wal.rewind()
	}
}
