// Package store keeps the history: bbolt, indexes, paging and retention.
//
// An event is durable once it is in the synced log beside the history (wal.go), and
// the history takes it behind the answer (commit.go, logger.go). What is kept must
// never be lost nor silently changed, so:
//   - the log carries the ID of its history (a random ID made with the history and
//     kept in its meta bucket) and a checksum per record; Open refuses, changing
//     neither file, a log of another history and a damaged one (a bad record that a
//     later write follows), and drops only a write a crash cut short, saying so
//     (Options.Warn). Nothing refused is ever merged or deleted;
//   - event records, bodies and attempts carry checksums (codec.go) checked at every
//     read: damage is an ErrCorrupt error naming the event, not a short answer;
//   - Options.ReadOnly reads without writing either file (events the log holds
//     beyond the history are served from memory), and a writing Open writes only
//     when it has work to do;
//   - commits that fail (a full disk) make Append fail at once, retried in the
//     background until they heal, without a reopen (health.go, Store.Health);
//   - Check reports every damage it finds and Salvage copies every readable event to
//     a new history (check.go, salvage.go), for `dexra-tui doctor`;
//   - histories of schema 2 and 3 are upgraded in place by the first writing Open,
//     losing nothing (migrate.go).
//
// Ingest must cost the same in a history of a million events as in an empty one, so
// applying an event writes only keys that follow arrival order: seqs (events, bodies,
// attempts, posting lists), IDs (time-ordered ULIDs), correlation keys led by a seq
// partition (index.go), and dedup carriers listed in arrival order (dedup.go). Which
// event carries a dedup key is looked up in memory instead: a table of 8-byte
// fingerprints (no pointers for the GC to scan), rebuilt from the carrier lists at
// Open and kept by the logger with every event it decides. A random-key insert per
// event into a dedup bucket (schema 3) touched a page per event once the history
// outgrew the page cache: ingest into a 1M history ran at 0.47-0.53 of the rate into
// an empty one, writing 1.6 pages per event against 0.6; with the lists both write
// 0.45 (BenchmarkAppendGrownHistory). The price is memory and Open time: a fresh
// process that opens 1M events holds 77 MB (12 MB before) and is ready in 0.66 s (1
// ms before; TestMillionHistoryRSS); a read-only open builds the table only when
// Dedup is first asked. A hit is confirmed by the newest carrier's record head, which
// names the first carrier too, so a shared fingerprint is never a false duplicate;
// undoing a batch whose log write failed and pruning (oldest first) only count
// carriers off, so they commute.
//
// An event takes at most about 1.3 times its request's bytes on disk (issue 14;
// BenchmarkHistoryBytes in tunnel/ measures it through the listener), because:
//   - records are compact (format 4, codec.go): identifiers, hashes and addresses as
//     bytes, common header names and values as dictionary positions, nothing the
//     record can restore (Content-Length, the received time's distance from the ID's);
//     every form is exact on decode, and a record carries its format, so histories of
//     format 3 records are read as they are, with no migration;
//   - new histories have 16 KiB pages (openBolt): a page holds a whole number of
//     bodies, so the part of a page too small for one more is smaller;
//   - buckets whose keys only grow fill their pages (txwriter.go).
//
// Reads of the whole history (a bare word matching little, `events --limit 0`) cost
// what they must read, not what they could decode:
//   - bare words and path: are decided on a record's raw path and body, an ASCII
//     case-folded byte search exact against Filter.Match (scan.go), so a rejected
//     event allocates nothing; it is still checksummed, record and body, since a
//     flipped bit must be an error, not a match silently missed (crc32c is most of a
//     scan's cost, so a batch's checks run on every core: scan_batch.go);
//   - bodies and records are read by stepping cursors alongside the walk, not a tree
//     search per event;
//   - a brief listing (ListOptions.Brief) decodes all but headers and attempts from
//     one copy of the record (brief.go).
//
// The log's syncs cost the listener more than anything else it does: on the 2-core
// virtual machines measured, an fdatasync takes 160-250 µs and about 100 µs of CPU, and
// the listener with the log's syncs made no-ops ran at 0.49-0.56 of bare net/http at 64
// clients and 0.47-0.49 at 8, against 0.39 and 0.23 with them (BenchmarkIngest in
// tunnel/); on a machine twice as fast, 0.55 and 0.54-0.56 against 0.43-0.47 and 0.28.
// Even with no sync at all, then, the listener stays under 0.6 at 64 clients: what it
// lacks there is the CPU of verifying, classifying and storing an event (46 µs a request
// against bare's 27), not the sync. So the log syncs one batch at a time
// (logger.overlapSyncs says why not two), every event waiting then goes in the next,
// nothing sleeps to gather a batch (a sleep rounds up to a millisecond there), and the
// program gives the runtime a P for each goroutine that may wait in a sync
// (tunnel.TuneProcs). Under load a sync waits for a core more than for the disk: at 64
// clients one took 0.8-1.3 ms, 0.45-0.8 of it on a run queue
// (/proc/thread-self/schedstat), while the disk was busy 27% of the time. Tried there
// and dropped: the sync through io_uring with an eventfd, so no thread waits (twice the
// latency per batch, rate unchanged); a higher priority or a 0.1 ms slice for the
// syncing thread (a third less waiting, rate unchanged); yielding before the sync or
// after answering a batch (slower at 8 clients).
package store

import (
	"bytes"
	cryptorand "crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/dexra/dexra-tui/payloads"
)

// Options configure Open.
type Options struct {
	Timeout   time.Duration // lock wait; default 1s
	Retention int           // keep newest N events; 0 = default 1,000,000; <0 = keep all
	// OnPruneError is told when background pruning fails; nil keeps the first such
	// error for Close to return.
	OnPruneError func(error)
	// ReadOnly opens the history without writing or removing anything: Append and
	// AddAttempt fail. Events the log holds beyond the history (a crash) are read
	// into memory and served as if applied (readonly.go); a damaged or foreign log is
	// refused as in any Open; a history of schema 2 or 3 gives ErrRecoveryNeeded.
	ReadOnly bool
	// Warn is told, in one line for a person, what Open did on its own: a write cut
	// short by a crash (never acknowledged) that it dropped from the log. nil: silent.
	Warn func(string)
	// OnCommitState is told when commits start failing (a full disk: Append then fails
	// until they heal, retried every second or so) and when they heal; see Health.
	OnCommitState func(Health)
}

// Defaults for Options.
const (
	DefaultTimeout   = time.Second
	DefaultRetention = 1_000_000
)

// Store is the history: one bbolt file, owned exclusively by this process.
type Store struct {
	db        *bolt.DB
	path      string
	id        []byte // the history ID (layout.go), which its log carries too
	readOnly  bool
	retention int // <0: keep all
	writes    *committer
	log       *logger
	warn      func(string)
	// tail, read-only: the events the log holds beyond the history (readonly.go).
	tail []*payloads.Event
	// roDedup, read-only: the dedup table, built at the first Dedup (dedup.go).
	roDedupOnce sync.Once
	roDedup     *dedupTable
	roDedupErr  error

	onPruneError func(error)
	pruneKick    chan struct{}
	stop         chan struct{}
	wg           sync.WaitGroup
	closeOnce    sync.Once
	closeErr     error
	pruneMu      sync.Mutex
	pruneErr     error
}

// Open opens (creating if needed, unless opts.ReadOnly) the history at path and
// applies what its log holds beyond it. Another process holding it gives an error
// wrapping ErrLocked after opts.Timeout; a damaged or foreign file, or a log that is
// damaged or belongs to another history, gives one wrapping ErrCorrupt, and neither
// file is modified. Nothing is written to an existing history that needs nothing.
func Open(path string, opts Options) (*Store, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Retention == 0 {
		opts.Retention = DefaultRetention
	}
	if opts.ReadOnly {
		if info, err := os.Stat(path); err != nil || info.Size() == 0 {
			if err == nil {
				err = os.ErrNotExist
			}
			return nil, fmt.Errorf("open history %s: no history there yet (nothing was received into it): %w", path, err)
		}
	} else if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open history %s: create its directory: %w", path, err)
	}
	if info, err := os.Stat(path); err == nil && info.Size() > 0 {
		damage, err := checkBoltFile(path)
		if err != nil {
			return nil, fmt.Errorf("open history %s: %w", path, err)
		}
		if damage != nil {
			return nil, corruptError(path, damage)
		}
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}

	db, err := openBolt(path, opts)
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, &openError{
			msg:  fmt.Sprintf("history %s is in use by another dexra-tui process (a listener or the console); stop it or pass --db", path),
			kind: ErrLocked,
		}
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch), errors.Is(err, ErrCorrupt):
		return nil, corruptError(path, err)
	case err != nil:
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	s := &Store{
		db:           db,
		path:         path,
		readOnly:     opts.ReadOnly,
		retention:    opts.Retention,
		warn:         opts.Warn,
		onPruneError: opts.OnPruneError,
		pruneKick:    make(chan struct{}, 1),
		stop:         make(chan struct{}),
	}
	if err := s.openFaultSafe(opts); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// openBolt opens the bbolt file; a fault or panic on a damaged page (bbolt reads the
// freelist) is an ErrCorrupt error.
func openBolt(path string, opts Options) (db *bolt.DB, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer recoverCorrupt(&err)
	return bolt.Open(path, 0o600, &bolt.Options{
		Timeout:      opts.Timeout,
		ReadOnly:     opts.ReadOnly,
		FreelistType: bolt.FreelistMapType, // O(1) page allocation in a large, pruned file
		PageSize:     newHistoryPageSize,   // for a new file only: an existing one keeps its own
	})
}

// newHistoryPageSize is the bbolt page size of new histories. A body is stored whole
// in its leaf, so a page holds a whole number of them: 4 KiB pages hold four ~920 B
// bodies (10% of each page empty), 16 KiB pages seventeen (4%), and the page and
// branch headers count a quarter as often (BenchmarkHistoryBytes in tunnel/).
const newHistoryPageSize = 16 << 10

// openFaultSafe is open with a fault on a mapped page (an I/O error) a panic that the
// reads' recoverCorrupt turns into ErrCorrupt, not a crash, as in every later read.
func (s *Store) openFaultSafe(opts Options) error {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	return s.open(opts)
}

// open reads the schema and the log (both before anything is written, so a log that
// does not belong to this history leaves both files untouched), then, unless
// read-only, brings the history up to date and starts the log.
func (s *Store) open(opts Options) error {
	st, err := s.readSchema()
	if err != nil {
		return err
	}
	logged, err := s.readLog(st)
	if err != nil {
		return err
	}
	if s.readOnly {
		switch {
		case st.version != schemaVersion:
			return &openError{
				msg: fmt.Sprintf("history %s was written by an older dexra-tui (schema version %d) and is upgraded in place (nothing is lost) the next time a listener or the console opens it: run `dexra-tui listen` once",
					s.path, st.version),
				kind: ErrRecoveryNeeded,
			}
		}
		s.id = st.id
		if s.tail, err = tailEvents(logged); err != nil {
			return s.logRefused(fmt.Sprintf("it is damaged: %v", err))
		}
		return nil
	}
	switch {
	case st.fresh:
		if st.id, err = s.createSchema(); err != nil {
			return err
		}
	case st.version == 2:
		if st, err = s.migrate(st, logged); err != nil {
			return err
		}
		logged = nil
	case st.version != schemaVersion:
		if st, err = s.migrate3(st); err != nil {
			return err
		}
	}
	s.id = st.id
	dedup, err := s.loadDedupTable()
	if err != nil {
		return err
	}
	total, err := s.replayLog(logged, st.total, dedup)
	if err != nil {
		return err
	}
	wal, err := openWAL(walPath(s.path), s.id)
	if err != nil {
		return err
	}
	last, err := s.lastSeq()
	if err != nil {
		wal.close()
		return fmt.Errorf("open history %s: %w", s.path, err)
	}
	s.writes = newCommitter(s.db)
	s.log = newLogger(s.db, wal, s.writes, last, dedup, opts.OnCommitState, func(total uint64) {
		if s.overRetention(total) {
			s.kickPruner()
		}
	})
	s.wg.Add(1)
	go s.pruneLoop()
	if s.overRetention(total) {
		s.kickPruner()
	}
	return nil
}

func corruptError(path string, cause error) error {
	return &openError{
		msg:   fmt.Sprintf("history %s is not a readable dexra-tui history and was left untouched; run `dexra-tui doctor --db %s` to see what is damaged, move it aside or pass --db", path, path),
		kind:  ErrCorrupt,
		cause: cause,
	}
}

// schemaState is what Open found in the history file.
type schemaState struct {
	fresh   bool // no buckets yet: a new history
	version uint64
	id      []byte // nil before schema 3
	last    uint64 // the newest seq stored
	total   uint64
}

// readSchema checks the schema version and buckets, read-only.
func (s *Store) readSchema() (st schemaState, err error) {
	err = s.db.View(func(tx *bolt.Tx) (err error) {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer recoverCorrupt(&err)
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			foreign := false
			_ = tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
				foreign = true
				return nil
			})
			if foreign {
				return corruptError(s.path, errors.New("a bbolt file of another program (no dexra-tui schema version)"))
			}
			if s.readOnly {
				return fmt.Errorf("open history %s: no history there yet: %w", s.path, os.ErrNotExist)
			}
			st.fresh = true
			return nil
		}
		v := meta.Get(schemaKey)
		if v == nil {
			return corruptError(s.path, errors.New("schema version key is missing"))
		}
		switch st.version = u64(v); {
		case st.version > schemaVersion:
			return fmt.Errorf("history %s was written by a newer dexra-tui (schema version %d, this build reads up to %d); upgrade dexra-tui or pass --db: %w",
				s.path, st.version, schemaVersion, ErrSchemaTooNew)
		case st.version < 2:
			return &openError{
				msg: fmt.Sprintf("history %s was written by an older dexra-tui (schema version %d, this build reads 2 to %d) and was left untouched; move it aside or pass --db",
					s.path, st.version, schemaVersion),
				kind: ErrCorrupt,
			}
		case st.version >= 3:
			if st.id = bytes.Clone(meta.Get(idKey)); len(st.id) != historyIDLen {
				return corruptError(s.path, errors.New("the history ID is missing"))
			}
		}
		for _, name := range bucketsOf(st.version) {
			if tx.Bucket(name) == nil {
				return corruptError(s.path, fmt.Errorf("bucket %s is missing", name))
			}
		}
		st.last = tx.Bucket(bucketEvents).Sequence()
		st.total = u64(meta.Get(totalKey))
		return nil
	})
	if err != nil {
		var oe *openError
		if errors.As(err, &oe) || errors.Is(err, ErrSchemaTooNew) || errors.Is(err, os.ErrNotExist) {
			return st, err
		}
		return st, corruptError(s.path, err)
	}
	return st, nil
}

// createSchema makes a new history: every bucket, in one write transaction, with the
// schema version and a new history ID.
func (s *Store) createSchema() (id []byte, err error) {
	id = make([]byte, historyIDLen)
	if _, err := cryptorand.Read(id); err != nil {
		return nil, fmt.Errorf("open history %s: make its ID: %w", s.path, err)
	}
	err = s.db.Update(func(tx *bolt.Tx) (err error) {
		defer recoverCorrupt(&err)
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		meta := tx.Bucket(bucketMeta)
		if err := meta.Put(schemaKey, seqKey(schemaVersion)); err != nil {
			return err
		}
		return meta.Put(idKey, id)
	})
	if err != nil {
		return nil, fmt.Errorf("open history %s: %w", s.path, err)
	}
	return id, nil
}

// commit runs fn in a transaction shared with other writers, after every event
// logged before, and returns once that transaction is on disk.
func (s *Store) commit(fn writeFn) error {
	if s.readOnly {
		return errReadOnly
	}
	return s.writes.do(fn)
}

var errReadOnly = errors.New("the history was opened read-only")

// lastSeq is the seq of the newest event the history file holds.
func (s *Store) lastSeq() (seq uint64, err error) {
	err = s.db.View(func(tx *bolt.Tx) (err error) {
		defer recoverCorrupt(&err)
		seq = tx.Bucket(bucketEvents).Sequence()
		return nil
	})
	return seq, err
}

// Path is the history file.
func (s *Store) Path() string { return s.path }

// Close stops the pruner (after its current transaction) and closes the file. It
// returns a pruning error that no OnPruneError callback received.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		if s.readOnly {
			if err := s.db.Close(); err != nil {
				s.closeErr = fmt.Errorf("close history %s: %w", s.path, err)
			}
			return
		}
		close(s.stop)
		s.wg.Wait()
		s.log.close()    // events already queued are logged first,
		s.writes.close() // then applied with the writes queued before them
		err := s.closeLog()
		err = errors.Join(err, s.db.Close())
		s.pruneMu.Lock()
		pruneErr := s.pruneErr
		s.pruneMu.Unlock()
		s.closeErr = errors.Join(pruneErr, err)
		if s.closeErr != nil {
			s.closeErr = fmt.Errorf("close history %s: %w", s.path, s.closeErr)
		}
	})
	return s.closeErr
}

// recoverCorrupt turns a bbolt panic on a damaged page into an ErrCorrupt error.
func recoverCorrupt(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: %v", ErrCorrupt, r)
	}
}
