package store

import (
	"bytes"
	cryptorand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// A history of schema 2 (no history ID, no checksums) is upgraded in place by the
// first writing Open, and nothing is lost:
//  1. its log, of the schema 2 format (no header, records from byte 0, each checksum
//     over the payload only, no batch delta), is read with the same refusals as a
//     current one (a whole record the history lacks past the run's end is damage),
//     and its events are applied in format 3, their checksums made from the log's
//     bytes, which its own checksum covered;
//  2. every event record still in format 2 is rewritten in format 3 with its
//     attempts, a chunk per transaction: a crash midway leaves a history whose next
//     Open carries on (an event's format byte says whether it is done);
//  3. the schema 2 log is removed (the history holds all it held) and then, in one
//     last transaction, the dedup carriers are listed as schema 4 keeps them, and the
//     new history ID and schema version 4 are written.
//
// A history of schema 3 is upgraded to 4 in one transaction: every stored event with
// a dedup key is listed in the carrier lists (dedup.go), in seq order, the dedup
// bucket is removed and the version written. A crash before its commit leaves schema
// 3 untouched; its log (of the current format) is applied afterwards, as at any Open.
//
// A read-only Open of a schema 2 or 3 history is refused with ErrRecoveryNeeded.

// formatLegacy is the event record format of schema 2: format(1) then the head.
const formatLegacy = 2

// migrateBatch bounds the events one upgrade transaction rewrites (a var: tests
// upgrade in several).
var migrateBatch = 1000

// migrate upgrades a schema 2 history (st) whose log holds logged (readLog).
func (s *Store) migrate(st schemaState, logged []*loggedEvent) (schemaState, error) {
	fail := func(err error) (schemaState, error) {
		return st, fmt.Errorf("upgrade history %s from schema 2 (nothing was lost; the next open carries on): %w", s.path, err)
	}
	total, err := s.replayLog(logged, st.total, nil)
	if err != nil {
		return fail(err)
	}
	for from := uint64(1); ; {
		next, done, err := s.migrateChunk(from)
		if err != nil {
			return fail(err)
		}
		if done {
			break
		}
		from = next
	}
	log := walPath(s.path)
	if err := os.Remove(log); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fail(err)
	}
	if err := syncDir(filepath.Dir(log)); err != nil {
		return fail(err)
	}
	id := make([]byte, historyIDLen)
	if _, err := cryptorand.Read(id); err != nil {
		return fail(err)
	}
	damaged := 0
	err = s.db.Update(func(tx *bolt.Tx) (err error) {
		defer recoverCorrupt(&err)
		if damaged, err = listAllCarriers(tx); err != nil {
			return err
		}
		meta := tx.Bucket(bucketMeta)
		if err := meta.Put(idKey, id); err != nil {
			return err
		}
		st.last = tx.Bucket(bucketEvents).Sequence()
		return meta.Put(schemaKey, seqKey(schemaVersion))
	})
	if err != nil {
		return fail(err)
	}
	st.version, st.id, st.total = schemaVersion, id, total
	if s.warn != nil {
		s.warn(fmt.Sprintf("history %s: upgraded in place from schema 2 to %d (%d events, %d of them from its log); nothing was lost", s.path, schemaVersion, total, len(logged)))
		warnDamagedCarriers(s, damaged)
	}
	return st, nil
}

// migrate3 upgrades a schema 3 history (st) to 4 (see the comment above).
func (s *Store) migrate3(st schemaState) (schemaState, error) {
	damaged := 0
	err := s.db.Update(func(tx *bolt.Tx) (err error) {
		defer recoverCorrupt(&err)
		if damaged, err = listAllCarriers(tx); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(schemaKey, seqKey(schemaVersion))
	})
	if err != nil {
		return st, fmt.Errorf("upgrade history %s from schema 3 (nothing was changed; the next open tries again): %w", s.path, err)
	}
	st.version = schemaVersion
	if s.warn != nil {
		s.warn(fmt.Sprintf("history %s: upgraded in place from schema 3 to %d (%d events); nothing was lost", s.path, schemaVersion, st.total))
		warnDamagedCarriers(s, damaged)
	}
	return st, nil
}

// warnDamagedCarriers says that the upgrade left damaged event records out of the
// dedup carrier lists, and what to do.
func warnDamagedCarriers(s *Store, damaged int) {
	if damaged > 0 {
		s.warn(fmt.Sprintf("history %s: %d event records are damaged (unreadable, as before the upgrade) and their dedup keys were not listed; run `dexra-tui doctor --db %s`", s.path, damaged, s.path))
	}
}

// migrateChunk rewrites up to migrateBatch format 2 events from seq from on, in one
// transaction, and says where the next chunk starts, or that none is left.
func (s *Store) migrateChunk(from uint64) (next uint64, done bool, err error) {
	err = s.db.Update(func(tx *bolt.Tx) (err error) {
		defer recoverCorrupt(&err)
		events, bodies, attempts := tx.Bucket(bucketEvents), tx.Bucket(bucketBodies), tx.Bucket(bucketAttempts)
		type change struct{ key, value []byte }
		var records []change
		c := events.Cursor()
		k, v := c.Seek(seqKey(from))
		for ; k != nil && len(records) < migrateBatch; k, v = c.Next() {
			if len(v) == 0 || v[0] != formatLegacy {
				continue // done already (or applied from the log in format 3)
			}
			records = append(records, change{bytes.Clone(k), upgradeRecord(v, bodies.Get(k))})
		}
		if k == nil {
			done = true
		} else {
			next = u64(k)
		}
		var atts []change
		ac := attempts.Cursor()
		for _, r := range records {
			for ak, av := ac.Seek(r.key); ak != nil && bytes.HasPrefix(ak, r.key); ak, av = ac.Next() {
				atts = append(atts, change{bytes.Clone(ak), sealAttempt(av)})
			}
		}
		events.FillPercent, attempts.FillPercent = 1, denseFill
		for _, r := range records {
			if err := events.Put(r.key, r.value); err != nil {
				return fmt.Errorf("rewrite event %d: %w", u64(r.key), err)
			}
		}
		for _, a := range atts {
			if err := attempts.Put(a.key, a.value); err != nil {
				return fmt.Errorf("rewrite attempt of event %d: %w", u64(a.key), err)
			}
		}
		return nil
	})
	return next, done, err
}

// upgradeRecord is the format 3 form of a format 2 record of an event with body.
func upgradeRecord(v, body []byte) []byte {
	b := make([]byte, recordPrefix, recordPrefix+len(v)-1)
	b[0] = recordFormatV3
	binary.BigEndian.PutUint32(b[5:], bodySum(body))
	b = append(b, v[1:]...)
	binary.BigEndian.PutUint32(b[1:], crc32.Checksum(b[5:], crc32c))
	return b
}

// sealAttempt is the checksummed form of a schema 2 attempt value.
func sealAttempt(v []byte) []byte {
	b := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(v)), crc32.Checksum(v, crc32c))
	return append(b, v...)
}

// decodeLegacyWAL decodes a log of schema 2 (see the comment above) into events in
// format 3. after is the newest seq the history holds.
func decodeLegacyWAL(data []byte, after uint64) (walContents, error) {
	out := walContents{torn: -1}
	if bytes.HasPrefix(data, walMagic) {
		return out, fmt.Errorf("%w: it is the log of a newer history (schema 3) beside one of schema 2", errLogDamaged)
	}
	var lap uint64
	off := 0
	for {
		_, recLap, e, ok := decodeLegacyRecordAt(data[off:])
		if !ok || (len(out.entries) > 0 && (recLap != lap || e.seq != out.entries[len(out.entries)-1].seq+1)) {
			break
		}
		lap = recLap
		out.entries = append(out.entries, e)
		off += recHeaderLen + int(binary.BigEndian.Uint32(data[off:]))
	}
	next := after + 1
	if k := len(out.entries); k > 0 {
		next = max(next, out.entries[k-1].seq+1)
	}
	// As laterBatch, without batches: any whole record the history lacks past the
	// run's end is damage (schema 2 had no end marks to tell a torn write by).
	maxSeq := next + uint64(len(data))/(recHeaderLen+16)
	lapBytes := binary.BigEndian.AppendUint64(nil, lap)
	budget := 4*len(data) + 1<<20
	for at := off + 1; at+recHeaderLen+16 <= len(data); at++ {
		if len(out.entries) > 0 {
			i := bytes.Index(data[at+recHeaderLen:], lapBytes)
			if i < 0 || at+i+recHeaderLen+16 > len(data) {
				break
			}
			at += i
		}
		if seq := binary.BigEndian.Uint64(data[at+16:]); seq < next || seq > maxSeq {
			continue
		}
		if len(out.entries) == 0 {
			if budget -= int(min(binary.BigEndian.Uint32(data[at:]), uint32(len(data)))); budget < 0 {
				return out, fmt.Errorf("%w: the record at byte %d is unreadable, and what follows holds too many look-alike records to tell a torn write from damage", errLogDamaged, off)
			}
		}
		if _, recLap, e, ok := decodeLegacyRecordAt(data[at:]); ok && (len(out.entries) == 0 || recLap == lap) {
			return out, fmt.Errorf("%w: the record at byte %d is unreadable, but a later one (event %d, at byte %d) follows it", errLogDamaged, off, e.seq, at)
		}
	}
	for _, e := range out.entries {
		if len(e.record) == 0 || e.record[0] != formatLegacy {
			return out, fmt.Errorf("%w: event %d is not in the record format of schema 2", errLogDamaged, e.seq)
		}
		e.record = upgradeRecord(e.record, e.body)
		for i, a := range e.attempts {
			e.attempts[i] = sealAttempt(a)
		}
	}
	return out, nil
}

// decodeLegacyRecordAt decodes the schema 2 log record at the start of b.
func decodeLegacyRecordAt(b []byte) (n int, lap uint64, e *loggedEvent, ok bool) {
	if len(b) < recHeaderLen {
		return 0, 0, nil, false
	}
	size := binary.BigEndian.Uint32(b)
	if size > walMaxRecord || uint64(size) > uint64(len(b)-recHeaderLen) {
		return 0, 0, nil, false
	}
	payload := b[recHeaderLen : recHeaderLen+int(size)]
	if crc32.Checksum(payload, crc32c) != binary.BigEndian.Uint32(b[4:]) {
		return 0, 0, nil, false
	}
	lap, e, ok = decodeRecordPayload(payload, false)
	return recHeaderLen + int(size), lap, e, ok
}
