package store

import (
	"syscall"
	"unsafe"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Group commit. One goroutine owns the write side: writers queue their work and wait;
// the committer takes everything queued, runs it in one transaction (one fsync) and
// gives every writer its outcome. While one commit is on its way to disk the next
// batch builds up, so batches follow the load with no timer. (bbolt's DB.Batch closes
// a batch a fixed delay after its first call even while the previous commit is still
// running, which gave many small commits queued on the writer lock: BenchmarkAppend
// with 64 goroutines measured 20.9k vs 16.7k events/s, see commit_test.go.)

// writeFn is one writer's work, run inside a shared transaction. It may run more than
// once (a batch is retried without a failing write), so it must depend only on its
// inputs and the transaction.
type writeFn func(w *txWriter) error

var dbgCommits, dbgWrites, dbgNanos, dbgApply, dbgCPU, dbgSync atomic.Int64
var dbgSyncSelf = os.Getenv("DEXRA_SYNCSELF") != ""

func DebugStats() string {
	c := max(1, dbgCommits.Load())
	return fmt.Sprintf("commits=%d writes=%d avg=%.1f commit_us=%.0f apply_us=%.0f cpu_us=%.0f sync_us=%.0f", dbgCommits.Load(), dbgWrites.Load(), float64(dbgWrites.Load())/float64(c), float64(dbgNanos.Load())/float64(c)/1000, float64(dbgApply.Load())/float64(c)/1000, float64(dbgCPU.Load())/float64(c)/1000, float64(dbgSync.Load())/float64(c)/1000)
}

type pendingWrite struct {
	fn   writeFn
	done chan error // buffered: the committer never waits for the writer
}

// maxCommitWrites bounds one transaction (bbolt's default MaxBatchSize).
const maxCommitWrites = 1000

type committer struct {
	db      *bolt.DB
	mu      sync.Mutex
	ready   sync.Cond // signalled when queue grows or closed is set
	queue   []*pendingWrite
	closed  bool
	stopped chan struct{}
	lastBatch int
}

func init() {
	if os.Getenv("DEXRA_KICK") != "" {
		go func() {
			for {
				ts := syscall.Timespec{Nsec: 25e6}
				syscall.Syscall(syscall.SYS_NANOSLEEP, uintptr(unsafe.Pointer(&ts)), 0, 0)
				time.Sleep(200 * time.Millisecond)
			}
		}()
	}
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

// close commits what is queued, then stops the committer; later writes fail.
func (c *committer) close() {
	c.mu.Lock()
	c.closed = true
	c.ready.Signal()
	c.mu.Unlock()
	<-c.stopped
}

func threadCPU() int64 {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 3 /* CLOCK_THREAD_CPUTIME_ID */, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Nano()
}

func (c *committer) loop() {
	if os.Getenv("DEXRA_LOCK") != "" {
		runtime.LockOSThread()
	}
	defer close(c.stopped)
	var batch []*pendingWrite
	c.mu.Lock()
	for {
		if dbgLinger > 0 && len(c.queue) < dbgLingerN && !c.closed {
			c.mu.Unlock()
			if dbgLinger == 1 {
				runtime.Gosched()
			} else {
				deadline := time.Now().Add(time.Duration(dbgLinger) * time.Microsecond)
				for time.Now().Before(deadline) {
					time.Sleep(50 * time.Microsecond)
					c.mu.Lock()
					n := len(c.queue)
					c.mu.Unlock()
					if n >= dbgLingerN {
						break
					}
				}
			}
			c.mu.Lock()
		}
		for len(c.queue) == 0 {
			if c.closed {
				c.mu.Unlock()
				return
			}
			c.ready.Wait()
		}
		if dbgQuiet > 0 && (c.lastBatch > 1 || len(c.queue) > 1) {
			start := time.Now()
			for len(c.queue) < dbgLingerN && !c.closed && time.Since(start) < time.Duration(dbgQuietCap)*time.Microsecond {
				before := len(c.queue)
				c.mu.Unlock()
				time.Sleep(time.Duration(dbgQuiet) * time.Microsecond)
				c.mu.Lock()
				if len(c.queue) == before {
					break
				}
			}
		}
		n := min(len(c.queue), maxCommitWrites)
		c.lastBatch = n
		batch = append(batch[:0], c.queue[:n]...)
		rest := copy(c.queue, c.queue[n:])
		clear(c.queue[rest:])
		c.queue = c.queue[:rest]
		c.mu.Unlock()
		dbgCommits.Add(1)
		dbgWrites.Add(int64(len(batch)))
		t0 := time.Now()
		c0 := threadCPU()
		c.commit(batch)
		dbgCPU.Add(threadCPU() - c0)
		dbgNanos.Add(int64(time.Since(t0)))
		clear(batch)
		c.mu.Lock()
	}
}

// commit runs batch in one transaction. When a write fails, the transaction is rolled
// back, that write is run again alone (its own outcome goes to its writer) and the rest
// are retried together: the semantics of bbolt's DB.Batch. A commit error goes to
// every writer of the batch.
func (c *committer) commit(batch []*pendingWrite) {
	if dbgFake == 1 {
		if dbgFile == nil {
			dbgFile, _ = os.Create(os.TempDir() + "/dexra-fake-commit.dat")
		}
		buf := make([]byte, 4096*len(batch))
		dbgFile.WriteAt(buf, 0)
		syscall.Fdatasync(int(dbgFile.Fd()))
		dbgFile.WriteAt(buf[:4096], 1<<20)
		syscall.Fdatasync(int(dbgFile.Fd()))
		for _, p := range batch {
			p.done <- nil
		}
		return
	}
	if dbgFake > 0 {
		time.Sleep(time.Duration(dbgFake) * time.Microsecond)
		for _, p := range batch {
			p.done <- nil
		}
		return
	}
	for len(batch) > 0 {
		failed := -1
		err := c.db.Update(func(tx *bolt.Tx) (err error) {
			defer recoverCorrupt(&err)
			t0 := time.Now()
			defer func() { dbgApply.Add(int64(time.Since(t0))) }()
			w := newTxWriter(tx)
			for i, p := range batch {
				if err := runWrite(p.fn, w); err != nil {
					failed = i
					return err
				}
			}
			return w.flush()
		})
		if dbgSyncSelf && err == nil {
			t1 := time.Now()
			c.db.Sync()
			c.db.Sync()
			dbgSync.Add(int64(time.Since(t1)))
		}
		if failed < 0 {
			for _, p := range batch {
				p.done <- err
			}
			return
		}
		p := batch[failed]
		batch = append(batch[:failed], batch[failed+1:]...)
		p.done <- c.solo(p.fn)
	}
}

func (c *committer) solo(fn writeFn) error {
	return c.db.Update(func(tx *bolt.Tx) (err error) {
		defer recoverCorrupt(&err)
		w := newTxWriter(tx)
		if err := fn(w); err != nil {
			return err
		}
		return w.flush()
	})
}

// runWrite runs one write; a bbolt panic on a damaged page fails that write only.
func runWrite(fn writeFn, w *txWriter) (err error) {
	defer recoverCorrupt(&err)
	return fn(w)
}

var dbgLinger, _ = strconv.Atoi(os.Getenv("DEXRA_LINGER"))
var dbgLingerN = func() int { n, _ := strconv.Atoi(os.Getenv("DEXRA_LINGER_N")); return max(n, 1) }()

var dbgFake, _ = strconv.Atoi(os.Getenv("DEXRA_FAKE"))

var dbgFile *os.File

var dbgQuiet, _ = strconv.Atoi(os.Getenv("DEXRA_QUIET"))
var dbgQuietCap = func() int { n, _ := strconv.Atoi(os.Getenv("DEXRA_QUIET_CAP")); return max(n, 1000) }()
