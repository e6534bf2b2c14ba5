package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// The log (history.db.wal, beside the history) is what makes an event durable: Append
// returns once the event's record is in the log and the log is synced, one sync for
// every event waiting at that moment. bbolt costs two syncs and a rewrite of every
// page a commit touches, so it gets the events behind the answer, in large
// transactions (commit.go). Open applies what the log holds beyond the history.
//
// A record is: length(4) crc32c(4) of what follows, lap(8), seq(8), then the event's
// stored record, body and attempts as uvarint-length-prefixed byte strings. Records
// are written from the start of the file again once the history holds all of them,
// so the file stays small; each such lap has a new random number. A reader stops at
// the first record that is damaged (a write cut short by a crash: never acknowledged),
// of another lap (leftovers, even ones that look whole, such as a record quoted in an
// old body), or whose seq does not follow.

const (
	walHeaderLen = 8
	// walRewindSize is how long the log may grow while the history lags; past it the
	// logger waits for the history to catch up and starts the file again.
	walRewindSize = 32 << 20
	// walMaxRecord bounds one record when reading, against a damaged length field.
	walMaxRecord = 1 << 30
	// walFillChunk is how far ahead of the records the file is filled with zeros. A
	// sync after writing into blocks the file already has costs about half the time
	// and CPU of one that must first allocate them (a filesystem journal commit), so
	// the allocation happens once per chunk, and never again after a rewind.
	walFillChunk = 1 << 20
)

var crc32c = crc32.MakeTable(crc32.Castagnoli)

// walPath is the log of the history at path.
func walPath(path string) string { return path + ".wal" }

// walFile is the log's write side: one owner (the logger goroutine) at a time.
type walFile struct {
	f      *os.File
	path   string
	lap    uint64 // random, new at every rewind
	off    int64  // where the next batch goes
	filled int64  // the file's bytes written so far (zeros ahead of off)
	buf    []byte
	zeros  []byte
}

// loggedEvent is an event with everything the history decides (seq, duplicate-of)
// decided: what the log holds, and what the history applies.
type loggedEvent struct {
	seq      uint64
	id       string
	record   []byte // the events bucket value (codec.go)
	body     []byte
	attempts [][]byte
	values   [len(indexes)]string // index values, KeyDup's included
	dedupKey []byte               // stored form (dedupKey); nil: none
	dupOf    string
}

// openWAL opens the log for writing, empty: call it once the history holds what the
// log held (recoverLog).
func openWAL(path string) (*walFile, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open history log %s: %w", path, err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		f.Close()
		return nil, fmt.Errorf("open history log %s: %w", path, err)
	}
	return &walFile{f: f, path: path, lap: rand.Uint64()}, nil
}

// appendRecord adds e's record, of lap, to buf.
func appendRecord(buf []byte, lap uint64, e *loggedEvent) []byte {
	start := len(buf)
	buf = append(buf, make([]byte, walHeaderLen)...)
	buf = binary.BigEndian.AppendUint64(buf, lap)
	buf = binary.BigEndian.AppendUint64(buf, e.seq)
	buf = appendBytes(buf, e.record)
	buf = appendBytes(buf, e.body)
	buf = binary.AppendUvarint(buf, uint64(len(e.attempts)))
	for _, a := range e.attempts {
		buf = appendBytes(buf, a)
	}
	payload := buf[start+walHeaderLen:]
	binary.BigEndian.PutUint32(buf[start:], uint32(len(payload)))
	binary.BigEndian.PutUint32(buf[start+4:], crc32.Checksum(payload, crc32c))
	return buf
}

func appendBytes(buf, b []byte) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(b)))
	return append(buf, b...)
}

// write appends the records of batch to the file (not synced: see sync).
func (w *walFile) write(batch []*loggedEvent) error {
	w.buf = w.buf[:0]
	for _, e := range batch {
		w.buf = appendRecord(w.buf, w.lap, e)
	}
	if err := w.fillAhead(w.off + int64(len(w.buf))); err != nil {
		return err
	}
	if _, err := w.f.WriteAt(w.buf, w.off); err != nil {
		return fmt.Errorf("write history log %s: %w", w.path, err)
	}
	w.off += int64(len(w.buf))
	if cap(w.buf) > 1<<20 {
		w.buf = nil // one large batch should not pin its buffer
	}
	return nil
}

// fillAhead makes sure the file holds written bytes up to end, then walFillChunk
// more (see walFillChunk). The next sync makes them durable with the records.
func (w *walFile) fillAhead(end int64) error {
	if end <= w.filled {
		return nil
	}
	if w.zeros == nil {
		w.zeros = make([]byte, walFillChunk)
	}
	for target := end + walFillChunk; w.filled < target; {
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
func (w *walFile) sync() error {
	if err := syncData(w.f); err != nil {
		return fmt.Errorf("sync history log %s: %w", w.path, err)
	}
	return nil
}

// rewind makes the next batch start the file again; call it only once the history
// holds every record written so far.
func (w *walFile) rewind() { w.off, w.lap = 0, rand.Uint64() }

func (w *walFile) close() error { return w.f.Close() }

// readWAL returns the run of records the log at path holds: from its first record,
// while each is whole and its seq follows the one before. A missing file holds none.
func readWAL(path string) ([]*loggedEvent, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read history log %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("read history log %s: %w", path, err)
	}
	return decodeWAL(data), nil
}

// decodeWAL is readWAL on the file's bytes.
func decodeWAL(data []byte) []*loggedEvent {
	var out []*loggedEvent
	var lap uint64
	for len(data) >= walHeaderLen {
		n := binary.BigEndian.Uint32(data)
		sum := binary.BigEndian.Uint32(data[4:])
		if n > walMaxRecord || uint64(n) > uint64(len(data)-walHeaderLen) {
			break
		}
		payload := data[walHeaderLen : walHeaderLen+int(n)]
		if crc32.Checksum(payload, crc32c) != sum {
			break
		}
		recLap, e, ok := decodeRecordPayload(payload)
		if !ok || (len(out) > 0 && (recLap != lap || e.seq != out[len(out)-1].seq+1)) {
			break
		}
		lap = recLap
		out = append(out, e)
		data = data[walHeaderLen+int(n):]
	}
	return out
}

func decodeRecordPayload(p []byte) (lap uint64, e *loggedEvent, ok bool) {
	if len(p) < 16 {
		return 0, nil, false
	}
	lap = binary.BigEndian.Uint64(p)
	e = &loggedEvent{seq: binary.BigEndian.Uint64(p[8:])}
	p = p[16:]
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
