package store

import (
	"fmt"
	"os"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

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
	onState   func(Health) // Options.OnCommitState

	mu       sync.Mutex
	ready    sync.Cond // the queue grew, closed was set, or a retry is due
	caughtUp sync.Cond // applied advanced, or applyFailed was set
	queue    []*pendingAppend
	closed   bool
	// failing is set while commits fail (health.go): appends are refused until the
	// log (logBroken) and the history (applyFailed: reads cannot catch up) heal.
	failing     error
	logBroken   bool
	applyFailed error
	health      Health
	retrying    bool // a retry timer runs
	retryFirst  time.Duration
	retryMax    time.Duration
	retryDue    bool
	reapplying  bool
	unapplied   []*loggedEvent // logged, not yet applied: what a retry applies again
	stopped     chan struct{}

	// overlapSyncs lets the next batch be written, and its sync start, while the
	// previous one's runs. Off: on the machines measured (2-core VMs, ext4 on virtio),
	// a sync costs about 100 µs of CPU and two syncs of one file do not end much sooner
	// than one after the other, so the larger batch one sync at a time collects wins
	// (BenchmarkIngest, 8 clients: 9.7–10.5k → 11.5–13.3k requests/s, p50 0.66–0.71 →
	// 0.50–0.57 ms; 64 clients: 17.5–20.9k either way; on a machine twice as fast, on
	// against off: 0.21–0.24 of bare against 0.29–0.32 at 8, 0.42–0.44 against 0.43–0.47
	// at 64). Tests turn it on to keep its failure handling (a failed sync takes back
	// the batch after it) proven.
	overlapSyncs bool

	// The newest seq written to the log, synced there (acknowledged), and in the history.
	written, logged, applied atomic.Uint64

	testHookSnapshot func() // tests: runs once decide has its read of the history

	// The IDs of events logged but not yet applied, and the dedup table of every
	// event stored or logged (dedup.go), so events after them are decided as the
	// history will store them.
	pendingMu  sync.Mutex
	pendingIDs map[string]struct{}
	dedup      *dedupTable
	// pendingCarriers are the events with a dedup key decided and not yet applied, by
	// seq: the dedup table's newest carriers that the history may not hold yet.
	pendingCarriers map[uint64]*loggedEvent
	// pruning is held by the pruner from its transaction until the dedup table took
	// its carriers off, and by Dedup: so its counts and its read of the history agree.
	pruning sync.RWMutex
}

type pendingAppend struct {
	p    *preparedEvent
	res  putResult
	err  error
	done chan struct{}
}

// maxLogBatch bounds the events of one log write and one apply.
const maxLogBatch = maxCommitWrites

func newLogger(db *bolt.DB, wal *walFile, writes *committer, last uint64, dedup *dedupTable, onState func(Health), onApplied func(uint64)) *logger {
	l := &logger{db: db, wal: wal, writes: writes, onApplied: onApplied, onState: onState, stopped: make(chan struct{}),
		pendingIDs: map[string]struct{}{}, dedup: dedup, pendingCarriers: map[uint64]*loggedEvent{},
		retryFirst: retryFirst, retryMax: retryMax}
	l.ready.L, l.caughtUp.L = &l.mu, &l.mu
	l.written.Store(last)
	l.logged.Store(last)
	l.applied.Store(last)
	go l.loop()
	return l
}

// append makes p durable and says what the history decided for it.
func (l *logger) append(p *preparedEvent) (putResult, error) {
	pa := &pendingAppend{p: p, done: make(chan struct{})}
	if err := l.enqueue(pa); err != nil {
		return putResult{}, err
	}
	<-pa.done
	return pa.res, pa.err
}

// enqueue hands appends to the logger, in this order, or refuses them all (closed,
// or commits failing); each one's done is closed once it is durable or failed.
func (l *logger) enqueue(pas ...*pendingAppend) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.closed:
		return berrors.ErrDatabaseNotOpen
	case l.failing != nil:
		l.health.Refused += len(pas)
		return l.failing
	}
	l.queue = append(l.queue, pas...)
	l.ready.Signal()
	return nil
}

// waitApplied returns once the history holds every event acknowledged when it was
// called; it fails if the history failed to take one.
func (l *logger) waitApplied() error {
	seq := l.logged.Load()
	if l.applied.Load() >= seq {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.applied.Load() < seq && l.applyFailed == nil {
		l.caughtUp.Wait()
	}
	if l.applied.Load() < seq {
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

func (l *logger) loop() {
	debug.SetPanicOnFault(true) // see Store.view
	defer close(l.stopped)
	var batch []*pendingAppend
	var syncing *inflight // the batch whose sync runs (with overlap: while the next is taken)
	for {
		l.mu.Lock()
		for len(l.queue) == 0 && !l.closed && !l.retryDue && (syncing == nil || !syncing.finished) {
			l.ready.Wait()
		}
		for syncing != nil && !l.overlapSyncs && !syncing.finished {
			l.ready.Wait() // the next batch is what arrives until this sync returns
		}
		if syncing != nil && (syncing.finished || len(l.queue) == 0 || l.retryDue) {
			// Its writers are answered before anything else happens: a retry, the
			// end, or no new batch to overlap it with.
			l.mu.Unlock()
			l.acknowledge(syncing, nil)
			syncing = nil
			continue
		}
		if l.retryDue {
			l.retryDue = false
			l.mu.Unlock()
			l.retry()
			continue
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
		failing := l.failing
		if failing != nil {
			l.health.Refused += n
		}
		l.mu.Unlock()

		if failing != nil {
			answer(batch, failing)
			clear(batch)
			continue
		}
		syncing = l.log(slices.Clone(batch), syncing)
		clear(batch)
	}
}

// inflight is a batch written to the log whose writers wait for its sync.
type inflight struct {
	batch      []*pendingAppend
	entries    []*loggedEvent
	start, end int64    // where its records lie in the log file
	file       *os.File // the log's description its sync uses: not prev's (wal.go)
	// finished and err are set, under the logger's mu, when its sync returns.
	finished bool
	err      error
}

// answer ends the wait of batch's writers; err goes to those without their own.
func answer(batch []*pendingAppend, err error) {
	for _, pa := range batch {
		if err != nil && pa.err == nil {
			pa.err = err
		}
		close(pa.done)
	}
}

// refuse ends the wait of batch's writers, all with err, even those decided
// duplicates: the event they duplicate may be one of those not logged.
func refuse(batch []*pendingAppend, err error) {
	for _, pa := range batch {
		pa.err = err
		close(pa.done)
	}
}

// log writes batch to the log and starts its sync, then answers the writers of prev
// (the batch written before, whose sync has been running meanwhile, when overlapSyncs
// is on; else nil) and returns the batch now syncing, nil if none. Writers whose event
// cannot be stored get their own error. With overlap, the sync of one batch does not
// wait for the previous one, and the batches are acknowledged in order (wal.go says
// why a crash then loses nothing acknowledged).
func (l *logger) log(batch []*pendingAppend, prev *inflight) *inflight {
	entries, err := l.decide(batch)
	if err != nil || len(entries) == 0 {
		l.acknowledge(prev, nil)
		switch {
		case prev != nil && prev.err != nil:
			refuse(batch, l.failingErr(prev.err)) // duplicates of prev's, taken back
		case err != nil:
			refuse(batch, err) // a copy within the batch duplicates an event not logged
		default:
			answer(batch, nil) // each one refused as a duplicate of a stored event
		}
		return nil
	}
	if l.wal.off >= walRewindSize && prev != nil {
		// The log may only start again once it is all synced. If prev's sync failed,
		// these seqs follow events that were taken back: this batch is refused too.
		if err := l.waitSynced(prev); err != nil {
			l.pendingMu.Lock()
			l.forgetPending(entries) // the newest first
			l.pendingMu.Unlock()
			l.acknowledge(prev, nil)
			refuse(batch, l.failingErr(err))
			return nil
		}
		l.acknowledge(prev, nil)
		prev = nil
	}
	if err := l.rewindWhenCaughtUp(); err != nil {
		l.acknowledge(prev, nil)
		l.pendingMu.Lock()
		l.forgetPending(entries)
		l.pendingMu.Unlock()
		refuse(batch, err) // copies within the batch too: their originals are not logged
		return nil
	}
	cur := &inflight{batch: batch, entries: entries, start: l.wal.off}
	// Records carry what was acknowledged when they were written (wal.go).
	if err := l.wal.write(entries, l.logged.Load()+1); err != nil {
		l.pendingMu.Lock()
		l.forgetPending(entries) // the newest first: prev's may be forgotten next
		l.pendingMu.Unlock()
		l.acknowledge(prev, nil)
		l.logFailed(err, batch)
		return nil
	}
	cur.end, cur.file = l.wal.off, l.wal.f
	if prev != nil && prev.file == l.wal.f {
		cur.file = l.wal.f2
	}
	l.written.Store(entries[len(entries)-1].seq)
	go l.syncBatch(cur)
	if l.acknowledge(prev, cur) {
		return nil
	}
	return cur
}

// syncBatch syncs the log for b and tells the loop.
func (l *logger) syncBatch(b *inflight) {
	err := l.wal.syncOn(b.file)
	l.mu.Lock()
	b.err, b.finished = err, true
	l.ready.Broadcast()
	l.mu.Unlock()
}

// acknowledge waits for b's sync (nil b: nothing to do) and answers its writers. If
// the sync failed, b and later (written after b, nil if none) are taken back from
// the log and their writers get the error; it returns whether later was taken back.
func (l *logger) acknowledge(b, later *inflight) (tookLater bool) {
	if b == nil {
		return false
	}
	if err := l.waitSynced(b); err == nil {
		l.mu.Lock()
		l.unapplied = append(l.unapplied, b.entries...)
		l.mu.Unlock()
		l.logged.Store(b.entries[len(b.entries)-1].seq)
		l.queueApply(b.entries)
		answer(b.batch, nil)
		return false
	}
	err := b.err
	// Not acknowledged: the next batch takes these seqs and this place. A later batch
	// is taken back too, whatever its own sync says: its records follow these.
	if later != nil {
		l.mu.Lock()
		for !later.finished {
			l.ready.Wait()
		}
		l.mu.Unlock()
		l.pendingMu.Lock()
		l.forgetPending(later.entries)
		l.pendingMu.Unlock()
	}
	l.wal.unwriteTo(b.start)
	l.written.Store(l.logged.Load())
	l.pendingMu.Lock()
	l.forgetPending(b.entries)
	l.pendingMu.Unlock()
	l.logFailed(err, b.batch)
	if later != nil {
		refuse(later.batch, l.failingErr(err))
	}
	return later != nil
}

// waitSynced waits for b's sync and says how it ended.
func (l *logger) waitSynced(b *inflight) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for !b.finished {
		l.ready.Wait()
	}
	return b.err
}

// logFailed starts a spell of failing commits for a log write or sync that failed
// and answers batch with it.
func (l *logger) logFailed(err error, batch []*pendingAppend) {
	err = l.failingErr(err)
	l.fail(err, true, false)
	refuse(batch, err)
}

// failingErr is what writers are told when the log did not take their events.
func (l *logger) failingErr(err error) error {
	return fmt.Errorf("%w; appends fail until the log takes writes again (retried every second)", err)
}

// decide gives each event of batch its seq and duplicate-of, as the history will
// store them: after every event already logged. pendingMu is held across the read of
// the history, so no apply can land between the two and leave an event in neither.
// An event whose duplicate-of cannot be decided (its key's newest carrier is damaged)
// gets its own error; the others go on.
func (l *logger) decide(batch []*pendingAppend) ([]*loggedEvent, error) {
	entries := make([]*loggedEvent, 0, len(batch))
	l.pendingMu.Lock()
	defer l.pendingMu.Unlock()
	err := l.db.View(func(tx *bolt.Tx) (err error) {
		defer recoverCorrupt(&err)
		if l.testHookSnapshot != nil {
			l.testHookSnapshot()
		}
		ids, events := tx.Bucket(bucketIDs), tx.Bucket(bucketEvents)
		// A newest carrier is pending (decided, maybe in this batch) or stored, and
		// then visible: appliedUpTo forgets it only after its commit, under pendingMu.
		head := pendingCarrier(l.pendingCarriers, storedCarrier(events))
		seq := max(l.written.Load(), events.Sequence())
		for _, pa := range batch {
			p := pa.p
			if _, dup := l.pendingIDs[p.head.ID]; dup || ids.Get([]byte(p.head.ID)) != nil {
				pa.err = fmt.Errorf("%w: %s", ErrDuplicateID, p.head.ID)
				continue
			}
			dupOf, note := "", carrierNote{}
			if p.dedupKey != nil {
				var err error
				if dupOf, note, err = l.dedup.carry(p.dedupKey, seq+1, head); err != nil {
					pa.err = fmt.Errorf("decide whether it repeats an earlier event: %w", err)
					continue
				}
			}
			l.pendingIDs[p.head.ID] = struct{}{}
			seq++
			pa.res = putResult{seq: seq, duplicateOf: dupOf}
			e := logEvent(p, seq, dupOf)
			if p.dedupKey != nil {
				e.carrier = note
				l.pendingCarriers[seq] = e
			}
			entries = append(entries, e)
		}
		return nil
	})
	if err != nil {
		l.forgetPending(entries)
		return nil, fmt.Errorf("read the history to number events: %w", err)
	}
	return entries, nil
}

// forgetPending forgets entries, which were never logged (newest last): their IDs
// and their dedup table entries; pendingMu must be held.
func (l *logger) forgetPending(entries []*loggedEvent) {
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		delete(l.pendingIDs, e.id)
		if e.dedupKey != nil {
			delete(l.pendingCarriers, e.seq)
			l.dedup.undo(e.dedupKey, e.carrier)
		}
	}
}

// queueApply hands entries to the committer, behind every write queued before.
func (l *logger) queueApply(entries []*loggedEvent) {
	l.writes.enqueue(l.applyFn(entries))
}

// applyFn is the write applying entries and what it does once that is durable.
func (l *logger) applyFn(entries []*loggedEvent) (writeFn, func(error)) {
	var total, last uint64
	apply := func(w *txWriter) error {
		if err := applyLoggedBatch(w, entries); err != nil {
			return err
		}
		total, last = w.currentTotal(), w.events.Sequence()
		return nil
	}
	return apply, func(err error) {
		if err != nil {
			// Every later apply fails too (seqs must follow on), so the history stops
			// short of this batch; the log keeps it and a retry applies it again.
			l.fail(fmt.Errorf("apply logged events to the history: %w; they are kept in its log and applied when commits heal", err), false, true)
			return
		}
		l.appliedUpTo(last)
		if l.onApplied != nil {
			l.onApplied(total)
		}
	}
}

// appliedUpTo records that the history holds every event up to seq last.
func (l *logger) appliedUpTo(last uint64) {
	l.pendingMu.Lock()
	defer l.pendingMu.Unlock()
	l.mu.Lock()
	i := 0
	for i < len(l.unapplied) && l.unapplied[i].seq <= last {
		i++
	}
	done := l.unapplied[:i:i]
	l.unapplied = append([]*loggedEvent(nil), l.unapplied[i:]...)
	if last > l.applied.Load() {
		l.applied.Store(last)
	}
	l.caughtUp.Broadcast()
	l.mu.Unlock()
	for _, e := range done { // in the history now; the dedup table keeps them
		delete(l.pendingIDs, e.id)
		delete(l.pendingCarriers, e.seq)
	}
}

// rewindWhenCaughtUp starts the log file again when the history holds all of it;
// past walRewindSize it waits for that. Only the loop calls it. It returns the
// failure that stopped appends meanwhile, if one did: nothing may be written then.
func (l *logger) rewindWhenCaughtUp() error {
	written := l.written.Load()
	if l.applied.Load() == written {
		l.wal.rewind()
		return nil
	}
	if l.wal.off < walRewindSize {
		return nil
	}
	l.mu.Lock()
	for l.applied.Load() < written && l.failing == nil {
		l.caughtUp.Wait()
	}
	failing := l.failing
	l.mu.Unlock()
	if failing != nil {
		return failing
	}
	l.wal.rewind()
	return nil
}
