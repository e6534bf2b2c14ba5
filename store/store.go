// Package store keeps the history: bbolt, indexes, paging and retention.
package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Options configure Open.
type Options struct {
	Timeout   time.Duration // lock wait; default 1s
	Retention int           // keep newest N events; 0 = default 1,000,000; <0 = keep all
	// OnPruneError is told when background pruning fails; nil keeps the first such
	// error for Close to return.
	OnPruneError func(error)
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
	retention int // <0: keep all
	writes    *committer
	log       *logger

	onPruneError func(error)
	pruneKick    chan struct{}
	stop         chan struct{}
	wg           sync.WaitGroup
	closeOnce    sync.Once
	closeErr     error
	pruneMu      sync.Mutex
	pruneErr     error
}

// Open opens (creating if needed) the history at path. Another process holding it
// gives an error wrapping ErrLocked after opts.Timeout; a damaged or foreign file gives
// one wrapping ErrCorrupt and is never modified.
func Open(path string, opts Options) (*Store, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Retention == 0 {
		opts.Retention = DefaultRetention
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
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

	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:      opts.Timeout,
		FreelistType: bolt.FreelistMapType, // O(1) page allocation in a large, pruned file
	})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, &openError{
			msg:  fmt.Sprintf("history %s is in use by another dexra-tui process (a listener or the console); stop it or pass --db", path),
			kind: ErrLocked,
		}
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return nil, corruptError(path, err)
	case err != nil:
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}

	s := &Store{
		db:           db,
		path:         path,
		retention:    opts.Retention,
		onPruneError: opts.OnPruneError,
		pruneKick:    make(chan struct{}, 1),
		stop:         make(chan struct{}),
	}
	// The log is read before anything is written, so a log that does not belong to
	// this history leaves both files untouched.
	logged, err := s.readLog()
	var total uint64
	if err == nil {
		total, err = s.initSchema()
	}
	if err == nil {
		total, err = s.replayLog(logged, total)
	}
	var wal *walFile
	if err == nil {
		wal, err = openWAL(walPath(path))
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	last, err := s.lastSeq()
	if err != nil {
		wal.close()
		db.Close()
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	s.writes = newCommitter(db)
	s.log = newLogger(db, wal, s.writes, last, func(total uint64) {
		if s.overRetention(total) {
			s.kickPruner()
		}
	})
	s.wg.Add(1)
	go s.pruneLoop()
	if s.overRetention(total) {
		s.kickPruner()
	}
	return s, nil
}

func corruptError(path string, cause error) error {
	return &openError{
		msg:   fmt.Sprintf("history %s is not a readable dexra-tui history and was left untouched; move it aside or pass --db", path),
		kind:  ErrCorrupt,
		cause: cause,
	}
}

// initSchema creates every bucket in one write transaction and checks the schema
// version. It returns the stored event count.
func (s *Store) initSchema() (total uint64, err error) {
	err = s.db.Update(func(tx *bolt.Tx) (err error) {
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
		} else if v := meta.Get(schemaKey); v == nil {
			return corruptError(s.path, errors.New("schema version key is missing"))
		} else if got := u64(v); got > schemaVersion {
			return fmt.Errorf("history %s was written by a newer dexra-tui (schema version %d, this build reads up to %d); upgrade dexra-tui or pass --db: %w",
				s.path, got, schemaVersion, ErrSchemaTooNew)
		} else if got != schemaVersion {
			return &openError{
				msg: fmt.Sprintf("history %s was written by an older dexra-tui (schema version %d, this build reads %d) and was left untouched; move it aside or pass --db",
					s.path, got, schemaVersion),
				kind: ErrCorrupt,
			}
		}
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		meta = tx.Bucket(bucketMeta)
		if meta.Get(schemaKey) == nil {
			if err := meta.Put(schemaKey, seqKey(schemaVersion)); err != nil {
				return err
			}
		}
		total = u64(meta.Get(totalKey))
		return nil
	})
	if err != nil {
		var oe *openError
		if errors.As(err, &oe) {
			return 0, err
		}
		return 0, fmt.Errorf("open history %s: %w", s.path, err)
	}
	return total, nil
}

// commit runs fn in a transaction shared with other writers, after every event
// logged before, and returns once that transaction is on disk.
func (s *Store) commit(fn writeFn) error { return s.writes.do(fn) }

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
