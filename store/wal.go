package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync/atomic"
)

// The log (history.db.wal, beside the history) is what makes an event durable: Append
// returns once the event's record is in the log and the log is synced, one sync for
// every event waiting at that moment. bbolt costs two syncs and a rewrite of every
// page a commit touches, so it gets the events behind the answer, in large
// transactions (commit.go). Open applies what the log holds beyond the history.
//
// The file starts with a header: magic "dexrawal"(8) version(4) historyID(16)
// crc32c(4) of the 28 bytes before. The history ID is random, made when the history
// is created and kept in its meta bucket too, so a log beside the wrong history (a
// copy, a restore) is refused instead of merged or dropped.
//
// A record is: length(4) crc32c(4) of the length and what follows, lap(8), seq(8),
// uvarint(seq - h), then the event's stored record, body and attempts as
// uvarint-length-prefixed byte strings; h, the batch's "horizon", is the first seq not
// yet acknowledged when its batch was written. Each batch (one write, one sync) is
// followed by an end mark, 8 zero bytes, which the next batch overwrites. Records
// are written from just past the header again once the history holds all of them, so
// the file stays small; each such lap has a new random number, and what is left of
// earlier laps lies behind the end mark.
//
// Reading takes the run of records from the header on while each is whole, of one
// lap, and its seq follows. Where the run stops decides what happened:
//   - at an end mark: a clean end;
//   - at other bytes, with no whole record of the lap past them that a later batch
//     wrote and the history lacks: a write cut short by a crash (never acknowledged:
//     its sync did not return). The whole records before it are kept, the rest is
//     dropped, and Open says so (Options.Warn);
//   - otherwise the log is damaged: records were acknowledged past the bad bytes.
//     Open refuses, changing neither file, and says what to do (doctor, salvage).
//
// A record "a later batch wrote" is one whose horizon is past the first seq the
// history lacks: its batch was written after the sync of the one holding the bad
// bytes returned, so those were acknowledged. The logger can write the next batch
// while the previous one's sync runs (logger.overlapSyncs; off, as one sync at a time
// measured faster where a sync costs much CPU); a batch's horizon then precedes its
// first seq, and whole records of such a batch, or of the same batch past a torn one
// (a power cut writes pages in any order), are not proof. Batches are acknowledged in
// order, and when a sync fails the batch and the one written after it are taken back
// together. With overlap, damage to the last two batches (acknowledged, not yet in
// the history) looks like a torn write; without, only the last one's. The history
// takes them within a commit (milliseconds), after which no log damage can lose
// them. Leftovers of earlier laps hold only seqs the history has (a lap starts once
// the history holds all the log), so they are never taken for either.

const (
	walHeaderLen = 32
	walVersion   = 1
	recHeaderLen = 8 // length(4) crc32c(4)
	walEndMark   = 8
	historyIDLen = 16
	// walMaxRecord bounds one record when reading, against a damaged length field.
	walMaxRecord = 1 << 30
	// walMinPayload is the shortest record payload: lap, seq, batch delta and three
	// empty lengths.
	walMinPayload = 16 + 4
	// walFillChunk is how far ahead of the records the file is filled with zeros. A
	// sync after writing into blocks the file already has costs about half the time
	// and CPU of one that must first allocate them (a filesystem journal commit), so
	// the allocation happens once per chunk, and never again after a rewind.
	walFillChunk = 1 << 20
)

var walMagic = []byte("dexrawal")

// walRewindSize is how long the log may grow while the history lags; past it the
// logger waits for the history to catch up and starts the file again (tests shorten it).
var walRewindSize int64 = 32 << 20

var crc32c = crc32.MakeTable(crc32.Castagnoli)

// walPath is the log of the history at path.
func walPath(path string) string { return path + ".wal" }

// walFile is the log's write side: one owner (the logger goroutine) at a time.
type walFile struct {
	f *os.File
	// f2 is a second open file description of the log, for the sync of a batch that
	// overlaps the previous one's: Linux reports a failed writeback once per
	// description, so on a shared one the later sync may take the earlier's error.
	f2     *os.File
	path   string
	lap    uint64 // random, new at every rewind
	off    int64  // where the next batch goes
	filled int64  // the file's bytes written so far (zeros ahead of off)
	// dirty is how far past off a failed write may have put bytes; heal zeroes them.
	dirty int64
	buf   []byte
	zeros []byte
	// failSync, in tests, makes syncs fail as a failing disk would.
	failSync atomic.Pointer[error]
	// afterSync, in tests (set before any append), runs after each sync and may fail it.
	afterSync func() error
	// syncFile, in tests (set before any append), replaces syncData (models the kernel).
	syncFile func(*os.File) error
}

// loggedEvent is an event with everything the history decides (seq, duplicate-of)
// decided: what the log holds, and what the history applies.
type loggedEvent struct {
	seq        uint64
	batchFirst uint64 // the first seq of the batch the log wrote it in
	id         string
	record     []byte // the events bucket value (codec.go)
	body       []byte
	attempts   [][]byte
	values     [len(indexes)]string // index values, KeyDup's included
	dedupKey   []byte               // stored form (dedupKey); nil: none
	dupOf      string
	carrier    carrierNote // its dedup table entry (dedup.go), when dedupKey is set
}

// walHeader is the log's first bytes for the history with the given ID.
func walHeader(id []byte) []byte {
	h := make([]byte, 0, walHeaderLen)
	h = append(h, walMagic...)
	h = binary.BigEndian.AppendUint32(h, walVersion)
	h = append(h, id...)
	return binary.BigEndian.AppendUint32(h, crc32.Checksum(h, crc32c))
}

// openWAL starts the log of the history with the given ID, empty: call it once the
// history holds what the log held (readLog, replayLog).
func openWAL(path string, id []byte) (*walFile, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open history log %s: %w", path, err)
	}
	w := &walFile{f: f, path: path, lap: rand.Uint64(), off: walHeaderLen}
	start := append(walHeader(id), make([]byte, walEndMark)...)
	if _, err := f.WriteAt(start, 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("open history log %s: write its header: %w", path, err)
	}
	w.filled = int64(len(start))
	if w.f2, err = os.OpenFile(path, os.O_RDWR, 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("open history log %s: %w", path, err)
	}
	if err := w.sync(); err != nil {
		w.close()
		return nil, err
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		w.close()
		return nil, fmt.Errorf("open history log %s: %w", path, err)
	}
	return w, nil
}

// appendRecord adds e's record, of lap, to buf.
func appendRecord(buf []byte, lap uint64, e *loggedEvent) []byte {
	start := len(buf)
	buf = append(buf, make([]byte, recHeaderLen)...)
	buf = binary.BigEndian.AppendUint64(buf, lap)
	buf = binary.BigEndian.AppendUint64(buf, e.seq)
	buf = binary.AppendUvarint(buf, e.seq-e.batchFirst)
	buf = appendBytes(buf, e.record)
	buf = appendBytes(buf, e.body)
	buf = binary.AppendUvarint(buf, uint64(len(e.attempts)))
	for _, a := range e.attempts {
		buf = appendBytes(buf, a)
	}
	binary.BigEndian.PutUint32(buf[start:], uint32(len(buf)-start-recHeaderLen))
	binary.BigEndian.PutUint32(buf[start+4:], recordSum(buf[start:start+4], buf[start+recHeaderLen:]))
	return buf
}

// recordSum is a log record's checksum: its length field and its payload.
func recordSum(length, payload []byte) uint32 {
	return crc32.Update(crc32.Checksum(length, crc32c), crc32c, payload)
}

func appendBytes(buf, b []byte) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(b)))
	return append(buf, b...)
}

// write appends the records of batch, then an end mark, to the file (not synced: see
// sync); horizon is the first seq not acknowledged when it is written. On failure
// the file may hold part of them: heal must run before the next.
func (w *walFile) write(batch []*loggedEvent, horizon uint64) error {
	w.buf = w.buf[:0]
	for _, e := range batch {
		e.batchFirst = horizon
		w.buf = appendRecord(w.buf, w.lap, e)
	}
	w.buf = append(w.buf, make([]byte, walEndMark)...)
	if err := w.fillAhead(w.off + int64(len(w.buf))); err != nil {
		return err
	}
	n, err := w.f.WriteAt(w.buf, w.off)
	if err != nil {
		w.dirty = max(w.dirty, int64(n))
		return fmt.Errorf("write history log %s: %w", w.path, err)
	}
	w.off += int64(len(w.buf) - walEndMark)
	if cap(w.buf) > 1<<20 {
		w.buf = nil // one large batch should not pin its buffer
	}
	return nil
}

// unwriteTo takes back every write from start on (a batch whose sync failed and
// those after it): the next batch goes there, and heal zeroes what they left.
func (w *walFile) unwriteTo(start int64) {
	end := w.off + max(w.dirty, walEndMark)
	w.off, w.dirty = start, end-start
}

// heal makes the log end where the last synced batch ended (zeroing what a failed
// write left past it), makes sure a chunk of room lies ahead, and syncs: once it
// succeeds, the log takes writes again.
func (w *walFile) heal() error {
	if w.zeros == nil {
		w.zeros = make([]byte, walFillChunk)
	}
	for done := int64(0); done < max(w.dirty, walEndMark); {
		n := min(int64(len(w.zeros)), max(w.dirty, walEndMark)-done)
		if _, err := w.f.WriteAt(w.zeros[:n], w.off+done); err != nil {
			return fmt.Errorf("write history log %s: %w", w.path, err)
		}
		done += n
	}
	w.filled = max(w.filled, w.off+max(w.dirty, walEndMark))
	// Room for the next writes must be there again (a chunk), not only these zeros.
	if err := w.fillTo(w.off + walFillChunk); err != nil {
		return err
	}
	// Both descriptions: a writeback error either has not reported yet fails heal.
	if err := w.sync(); err != nil {
		return err
	}
	if err := w.syncOn(w.f2); err != nil {
		return err
	}
	w.dirty = 0
	return nil
}

// fillAhead makes sure the file holds written bytes up to end, then walFillChunk
// more (see walFillChunk). The next sync makes them durable with the records.
func (w *walFile) fillAhead(end int64) error {
	if end <= w.filled {
		return nil
	}
	return w.fillTo(end + walFillChunk)
}

// fillTo writes zeros from the end of what the file holds up to target.
func (w *walFile) fillTo(target int64) error {
	if w.zeros == nil {
		w.zeros = make([]byte, walFillChunk)
	}
	for w.filled < target {
		n := min(int64(len(w.zeros)), target-w.filled)
		if _, err := w.f.WriteAt(w.zeros[:n], w.filled); err != nil {
			return fmt.Errorf("extend history log %s: %w", w.path, err)
		}
		w.filled += n
	}
	return nil
}

// sync makes every record written before it began survive a crash of the process or
// the machine. Any goroutine may call it, also while the next batch is written.
func (w *walFile) sync() error { return w.syncOn(w.f) }

// syncOn is sync through f, w.f or w.f2: two syncs that overlap must use one each.
func (w *walFile) syncOn(f *os.File) error {
	syncFile := syncData
	if w.syncFile != nil {
		syncFile = w.syncFile
	}
	err := syncFile(f)
	if p := w.failSync.Load(); p != nil && err == nil {
		err = *p
	}
	if w.afterSync != nil && err == nil {
		err = w.afterSync()
	}
	if err != nil {
		return fmt.Errorf("sync history log %s: %w", w.path, err)
	}
	return nil
}

// rewind makes the next batch start the file again; call it only once the history
// holds every record written so far.
func (w *walFile) rewind() { w.off, w.lap = walHeaderLen, rand.Uint64() }

func (w *walFile) close() error {
	err := w.f.Close()
	if w.f2 != nil {
		err = errors.Join(err, w.f2.Close())
	}
	return err
}

// walContents is what a log holds.
type walContents struct {
	historyID []byte         // nil: no header (an empty file, or a log of schema 2)
	entries   []*loggedEvent // the run of records, from the first
	// torn is where a write cut short by a crash starts (-1: none); what lies from
	// there is dropped.
	torn int64
}

// errLogDamaged wraps every reason a log is refused as damaged.
var errLogDamaged = errors.New("history log is damaged")

// readWAL reads the log at path; a missing file holds nothing. after is the newest
// seq the history holds: records up to it are no proof of damage.
func readWAL(path string, after uint64, legacy bool) (walContents, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return walContents{torn: -1}, nil
	}
	if err != nil {
		return walContents{}, fmt.Errorf("read history log %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return walContents{}, fmt.Errorf("read history log %s: %w", path, err)
	}
	if legacy {
		return decodeLegacyWAL(data, after)
	}
	return decodeWAL(data, after)
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// decodeWAL decodes a log's bytes (see the comment at the top of this file). A
// damaged log gives an error wrapping errLogDamaged that says where.
func decodeWAL(data []byte, after uint64) (walContents, error) {
	out := walContents{torn: -1}
	if allZero(data) {
		return out, nil // created, header not yet synced: nothing was ever acknowledged
	}
	if len(data) < walHeaderLen || !bytes.Equal(data[:len(walMagic)], walMagic) {
		return out, fmt.Errorf("%w: its header is not a dexra-tui log header", errLogDamaged)
	}
	if binary.BigEndian.Uint32(data[28:]) != crc32.Checksum(data[:28], crc32c) {
		return out, fmt.Errorf("%w: its header fails its checksum", errLogDamaged)
	}
	if v := binary.BigEndian.Uint32(data[8:]); v != walVersion {
		return out, fmt.Errorf("%w: log format version %d (this build reads %d): written by a newer dexra-tui?", errLogDamaged, v, walVersion)
	}
	out.historyID = bytes.Clone(data[12:28])
	off := walHeaderLen
	var lap uint64
	clean := false
	for {
		rest := data[off:]
		if len(rest) < walEndMark {
			clean = allZero(rest)
			break
		}
		if allZero(rest[:walEndMark]) {
			clean = true
			break
		}
		n, recLap, e, ok := decodeRecordAt(rest)
		if !ok || (len(out.entries) > 0 && (recLap != lap || e.seq != out.entries[len(out.entries)-1].seq+1)) {
			break
		}
		lap = recLap
		out.entries = append(out.entries, e)
		off += n
	}
	next := after + 1 // the first seq the history lacks
	if k := len(out.entries); k > 0 {
		next = max(next, out.entries[k-1].seq+1)
	}
	from := off + 1
	if clean {
		from = off + walEndMark
	}
	// The run's next seq is one the history holds: its batch was synced (the history
	// applies only synced batches), so any record the history lacks past it was too.
	synced := len(out.entries) > 0 && out.entries[len(out.entries)-1].seq < after
	at, e, complete := laterBatch(data, from, next, lap, len(out.entries) > 0, synced)
	switch {
	case e != nil:
		return out, fmt.Errorf("%w: the record at byte %d is unreadable, but a later write (event %d, at byte %d) follows it, so it was acknowledged",
			errLogDamaged, off, e.seq, at)
	case !complete:
		return out, fmt.Errorf("%w: the record at byte %d is unreadable, and what follows holds too many look-alike records to tell a torn write from damage", errLogDamaged, off)
	}
	if !clean {
		out.torn = int64(off)
	}
	return out, nil
}

// laterBatch finds, at or past from, a whole record (of lap, if lapKnown) holding a
// seq the history lacks (next on) in a batch that starts past next, or that starts at
// next and is that batch's first record (a torn write would have it at the bad bytes),
// or in any batch if synced: proof that the batch holding next was acknowledged. Every record of a lap carries its 8 random
// bytes, so with the lap known only real records are checked; without it (the
// lap's first record is the bad one) any bytes may look like a record header, so
// the checksum work is bounded (complete false: it ran out).
func laterBatch(data []byte, from int, next, lap uint64, lapKnown, synced bool) (at int, e *loggedEvent, complete bool) {
	maxSeq := next + uint64(len(data))/(recHeaderLen+walMinPayload)
	var lapBytes []byte
	if lapKnown {
		lapBytes = binary.BigEndian.AppendUint64(nil, lap)
	}
	budget := 4*len(data) + 1<<20 // bytes of checksum work, with the lap unknown
	for at = from; at+recHeaderLen+walMinPayload <= len(data); at++ {
		if lapKnown {
			i := bytes.Index(data[at+recHeaderLen:], lapBytes)
			if i < 0 {
				return 0, nil, true
			}
			at += i
			if at+recHeaderLen+walMinPayload > len(data) {
				return 0, nil, true
			}
		}
		rec := data[at:]
		n := binary.BigEndian.Uint32(rec)
		if n < walMinPayload || uint64(n) > uint64(len(rec)-recHeaderLen) {
			continue
		}
		seq := binary.BigEndian.Uint64(rec[16:])
		if seq < next || seq > maxSeq {
			continue
		}
		if d, size := binary.Uvarint(rec[24:]); size <= 0 || d >= seq || (!synced && seq-d < next) || (!synced && seq-d == next && d != 0) {
			continue // not of a batch that starts past next: no proof, whole or not
		}
		if !lapKnown {
			if budget -= int(n); budget < 0 {
				return 0, nil, false
			}
		}
		if _, recLap, e, ok := decodeRecordAt(rec); ok && (!lapKnown || recLap == lap) && (synced || e.batchFirst > next || e.seq == next) {
			return at, e, true
		}
	}
	return 0, nil, true
}

// decodeRecordAt decodes the record at the start of b: its length with the header,
// its lap and the event.
func decodeRecordAt(b []byte) (n int, lap uint64, e *loggedEvent, ok bool) {
	if len(b) < recHeaderLen {
		return 0, 0, nil, false
	}
	size := binary.BigEndian.Uint32(b)
	if size > walMaxRecord || uint64(size) > uint64(len(b)-recHeaderLen) {
		return 0, 0, nil, false
	}
	payload := b[recHeaderLen : recHeaderLen+int(size)]
	if recordSum(b[:4], payload) != binary.BigEndian.Uint32(b[4:]) {
		return 0, 0, nil, false
	}
	lap, e, ok = decodeRecordPayload(payload, true)
	return recHeaderLen + int(size), lap, e, ok
}

// decodeRecordPayload decodes a record's payload; batched says it has the batch
// delta (logs of schema 2 do not).
func decodeRecordPayload(p []byte, batched bool) (lap uint64, e *loggedEvent, ok bool) {
	if len(p) < 16 {
		return 0, nil, false
	}
	lap = binary.BigEndian.Uint64(p)
	e = &loggedEvent{seq: binary.BigEndian.Uint64(p[8:])}
	p = p[16:]
	e.batchFirst = e.seq
	if batched {
		d, size := binary.Uvarint(p)
		if size <= 0 || d >= e.seq {
			return 0, nil, false
		}
		e.batchFirst, p = e.seq-d, p[size:]
	}
	if e.record, p, ok = takeBytes(p); !ok {
		return 0, nil, false
	}
	if e.body, p, ok = takeBytes(p); !ok {
		return 0, nil, false
	}
	n, size := binary.Uvarint(p)
	if size <= 0 || n > uint64(len(p)) {
		return 0, nil, false
	}
	p = p[size:]
	for range n {
		var a []byte
		if a, p, ok = takeBytes(p); !ok {
			return 0, nil, false
		}
		e.attempts = append(e.attempts, a)
	}
	if len(p) != 0 || e.seq == 0 {
		return 0, nil, false
	}
	return lap, e, true
}

func takeBytes(p []byte) (b, rest []byte, ok bool) {
	n, size := binary.Uvarint(p)
	if size <= 0 || n > uint64(len(p)-size) {
		return nil, nil, false
	}
	end := size + int(n)
	return p[size:end:end], p[end:], true
}
