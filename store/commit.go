package store

import (
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Group commit. One goroutine owns the write side: writers queue their work and wait;
// the committer takes everything queued, runs it in one transaction (two fsyncs) and
// gives every writer its outcome. While one commit is on its way to disk the next
// batch builds up, so batches follow the load with no fixed timer. (bbolt's DB.Batch
// closes a batch a fixed delay after its first call even while the previous commit
// is still running, which queues many small commits on the writer lock.)

// writeFn is one writer's work, run inside a shared transaction. It may run more than
// once (a batch is retried without a failing write), so it must depend only on its
// inputs and the transaction.
type writeFn func(w *txWriter) error

type pendingWrite struct {
	fn    writeFn
	done  chan error  // buffered: the committer never waits for the writer
	after func(error) // instead of done, for writes nobody waits on (the log's)
}

// finish gives the writer its outcome.
func (p *pendingWrite) finish(err error) {
	if p.after != nil {
		p.after(err)
		return
	}
	p.done <- err
}

// maxCommitWrites bounds one transaction (bbolt's default MaxBatchSize).
const maxCommitWrites = 1000

var (
	// When writers arrive together, the committer lets the queue grow while it keeps
	// growing, lingerStep at a time and lingerMax at most: a commit costs two fsyncs
	// and a rewrite of every page it touches, so fewer, larger commits cost the
	// machine less. Appends are acknowledged by the log before they get here, so the
	// wait delays only reads of the newest events and attempts being recorded.
	// (BenchmarkIngest, ratio: 0.28 with 200µs/1ms, 0.40 with 5ms/20ms.)
	lingerStep = 5 * time.Millisecond
	lingerMax  = 20 * time.Millisecond
)

type committer struct {
	db      *bolt.DB
	mu      sync.Mutex
	ready   sync.Cond // signalled when the queue grows or closed is set
	queue   []*pendingWrite
	closed  bool
	stopped chan struct{}
	commits atomic.Uint64 // transactions run, for tests

	lastBatch int // size of the previous batch; only the loop uses it
}

func newCommitter(db *bolt.DB) *committer {
	c := &committer{db: db, stopped: make(chan struct{})}
	c.ready.L = &c.mu
	go c.loop()
	return c
}

// do runs fn in a shared transaction and returns once that transaction is durable
// (or failed). A failing fn fails alone: the others are committed without it.
func (c *committer) do(fn writeFn) error {
	p := &pendingWrite{fn: fn, done: make(chan error, 1)}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return berrors.ErrDatabaseNotOpen
	}
	c.queue = append(c.queue, p)
	c.ready.Signal()
	c.mu.Unlock()
	return <-p.done
}

// enqueue queues fn without waiting for it; after gets its outcome once the
// transaction is durable (or failed), on the committer's goroutine.
func (c *committer) enqueue(fn writeFn, after func(error)) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		after(berrors.ErrDatabaseNotOpen)
		return
	}
	c.queue = append(c.queue, &pendingWrite{fn: fn, after: after})
	c.ready.Signal()
	c.mu.Unlock()
}

// close commits what is queued, then stops the committer; later writes fail.
func (c *committer) close() {
	c.mu.Lock()
	c.closed = true
	c.ready.Signal()
	c.mu.Unlock()
	<-c.stopped
}

func (c *committer) loop() {
	debug.SetPanicOnFault(true) // see Store.view
	defer close(c.stopped)
	var batch []*pendingWrite
	c.mu.Lock()
	for {
		for len(c.queue) == 0 {
			if c.closed {
				c.mu.Unlock()
				return
			}
			c.ready.Wait()
		}
		if c.lastBatch > 1 || len(c.queue) > 1 {
			lingerWhileGrowing(&c.mu, func() int { return len(c.queue) }, func() bool { return c.closed },
				maxCommitWrites, lingerStep, lingerMax)
		}
		n := min(len(c.queue), maxCommitWrites)
		batch = append(batch[:0], c.queue[:n]...)
		rest := copy(c.queue, c.queue[n:])
		clear(c.queue[rest:])
		c.queue = c.queue[:rest]
		c.mu.Unlock()

		c.lastBatch = n
		c.commit(batch)
		clear(batch)
		c.mu.Lock()
	}
}

// lingerWhileGrowing waits, with mu held, while queued() keeps growing between
// looks step apart, until max has passed, stop() holds, or limit is reached.
func lingerWhileGrowing(mu sync.Locker, queued func() int, stop func() bool, limit int, step, max time.Duration) {
	deadline := time.Now().Add(max)
	for !stop() && queued() < limit && time.Now().Before(deadline) {
		before := queued()
		mu.Unlock()
		time.Sleep(step)
		mu.Lock()
		if queued() == before {
			return
		}
	}
}

// commit runs batch in one transaction. When a write fails, the transaction is rolled
// back and the rest are retried together; once they are committed, each failed write
// runs again alone and its writer gets that outcome: the semantics of bbolt's
// DB.Batch. A commit error goes to every writer of the batch.
func (c *committer) commit(batch []*pendingWrite) {
	var failed []*pendingWrite
	for len(batch) > 0 {
		i, err := c.run(batch)
		if i < 0 {
			for _, p := range batch {
				p.finish(err)
			}
			break
		}
		failed = append(failed, batch[i])
		batch = append(batch[:i], batch[i+1:]...)
	}
	for _, p := range failed {
		p.finish(c.solo(p.fn))
	}
}

// run runs batch in one transaction and returns the position of the write that
// failed (the transaction is rolled back), or -1 and the commit's outcome.
func (c *committer) run(batch []*pendingWrite) (failed int, err error) {
	failed = -1
	c.commits.Add(1)
	err = c.db.Update(func(tx *bolt.Tx) (err error) {
		defer recoverCorrupt(&err)
		w := newTxWriter(tx)
		for i, p := range batch {
			if err := runWrite(p.fn, w); err != nil {
				failed = i
				return err
			}
		}
		return w.flush()
	})
	return failed, err
}

func (c *committer) solo(fn writeFn) error {
	c.commits.Add(1)
	return c.db.Update(func(tx *bolt.Tx) (err error) {
		defer recoverCorrupt(&err)
		w := newTxWriter(tx)
		if err := fn(w); err != nil {
			return err
		}
		return w.flush()
	})
}

// runWrite runs one write; a panic (bbolt's on a damaged page) fails that write only.
func runWrite(fn writeFn, w *txWriter) (err error) {
	defer recoverCorrupt(&err)
	return fn(w)
}
