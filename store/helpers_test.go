package store

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
)

// openTest opens a fresh history in t's temp dir and closes it at the end.
func openTest(t testing.TB, opts Options) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "history.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

var testEpoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// sampleEvent is event number i of a deterministic, varied history:
// sources dexatel 60% / dexra 25% / conversa 15%; signature fail every 20th, missing
// every 50th, unchecked every 70th; every 10th redelivers the previous dedup key;
// three events per correlation key.
func sampleEvent(i int) *payloads.Event {
	received := testEpoch.Add(time.Duration(i) * time.Millisecond)
	ev := &payloads.Event{
		ID:        payloads.NewID(received),
		Received:  received,
		Direction: payloads.Inbound,
		Method:    http.MethodPost,
		Status:    200,
	}
	var status, text string
	switch {
	case i%20 < 12:
		ev.Source, ev.Path = "dexatel", "/dexatel"
		if i%5 == 0 {
			ev.Type, text = "message", "hello from sms"
		} else {
			ev.Type, status = "delivery", []string{"delivered", "sent", "failed"}[i%3]
		}
	case i%20 < 17:
		ev.Source, ev.Path = "dexra", "/dexra/hooks"
		ev.Type = []string{"message_in", "conversation_created", "user_updated"}[i%3]
		text = "inbound chat"
	default:
		ev.Source, ev.Path = "conversa", "/conversa"
		ev.Type = []string{"conversation.created", "payment.paid"}[i%2]
	}
	ev.Signature = sig.Verdict{Scheme: ev.Source, Status: sig.Pass, SecretIndex: 0}
	switch {
	case i%20 == 7:
		ev.Signature = sig.Verdict{Scheme: ev.Source, Status: sig.Fail, Reason: "mismatch", SecretIndex: -1}
	case i%50 == 3:
		ev.Signature = sig.Verdict{Scheme: ev.Source, Status: sig.Missing, Reason: "header missing", SecretIndex: -1}
	case i%70 == 5:
		ev.Signature = sig.Verdict{} // never checked: the empty status counts as unchecked
	}
	key := i
	if i%10 == 9 {
		key = i - 1 // a redelivery
	}
	ev.DedupKey = fmt.Sprintf("evt-%08d", key)
	ev.Correlation = fmt.Sprintf("msg-%08d", i/3)
	ev.Body = []byte(fmt.Sprintf(
		`{"data":{"id":"evt-%08d","account_id":"4ca07d94-5f0e-4d8b-9c1a-0e2b7d1f3a55","message_id":"msg-%08d","status":%q,"text":%q,"channel":"sms","from":"+15550100%03d","to":"+15550199%03d","created_at":"%s"}}`,
		key, i/3, status, text, i%1000, (i*7)%1000, received.Format(time.RFC3339Nano)))
	ev.Size = len(ev.Body)
	ev.BodyKind = payloads.BodyJSON
	ev.Headers = http.Header{
		"Content-Type":        {"application/json"},
		"User-Agent":          {"Dexatel-Webhooks/1.0"},
		"X-Dexatel-Signature": {fmt.Sprintf("%064x", i)},
		"X-Request-Id":        {fmt.Sprintf("req-%d", i)},
	}
	ev.Summary = status + " " + text
	return ev
}

// appendAll appends events 0..n-1 of sampleEvent and returns them as stored.
func appendAll(t testing.TB, s *Store, n int) []*payloads.Event {
	t.Helper()
	out := make([]*payloads.Event, n)
	for i := range n {
		ev := sampleEvent(i)
		if err := s.Append(ev); err != nil {
			t.Fatal(err)
		}
		out[i] = ev
	}
	return out
}

// checkConsistency recomputes every index entry and counter from the events bucket
// and compares them with what is stored.
func checkConsistency(t testing.TB, s *Store) {
	t.Helper()
	db := settledDB(t, s)
	if s.log != nil { // the dedup table and the history alike: no prune between
		s.log.pruning.RLock()
		defer s.log.pruning.RUnlock()
	}
	err := db.View(func(tx *bolt.Tx) error {
		wantIndex := map[string]bool{} // correlation key, or posting prefix + seq(8)
		wantCounts := map[string]uint64{}
		wantCarriers := map[uint64]uint64{} // seq → dedup key fingerprint
		wantFirst := map[string]string{}    // dedup key → the first ID its events name
		n := uint64(0)
		err := tx.Bucket(bucketEvents).ForEach(func(k, v []byte) error {
			n++
			seq := seqOf(k)
			ev, err := decodeMeta(seq, v)
			if err != nil {
				return err
			}
			if got := tx.Bucket(bucketIDs).Get([]byte(ev.ID)); u64(got) != seq {
				return fmt.Errorf("ids[%s] = %d, want %d", ev.ID, u64(got), seq)
			}
			for _, ix := range indexes {
				v := ix.value(ev)
				switch {
				case ix.kind == corrIndex && v != "":
					wantIndex[string(corrKey(corrHash(v), seq))] = true
				case ix.kind == postingIndex:
					p := ix.postingPrefix(v)
					wantIndex[string(binary.BigEndian.AppendUint64(p, seq))] = true
					wantCounts[string(p)]++
				}
			}
			if ev.DedupKey != "" {
				k := string(dedupKey(ev.DedupKey))
				wantCarriers[seq] = dedupFingerprint([]byte(k))
				first := ev.DuplicateOf
				if first == "" {
					first = ev.ID
				}
				if prev, ok := wantFirst[k]; ok && (prev != first || ev.DuplicateOf == "") {
					return fmt.Errorf("event %s: dedup key %q first %q, an earlier event says %q", ev.ID, ev.DedupKey, first, prev)
				}
				wantFirst[k] = first
			}
			return nil
		})
		if err != nil {
			return err
		}
		if total := u64(tx.Bucket(bucketMeta).Get(totalKey)); total != n {
			return fmt.Errorf("total counter %d, events %d", total, n)
		}
		if ids := tx.Bucket(bucketIDs).Stats().KeyN; uint64(ids) != n {
			return fmt.Errorf("ids bucket has %d keys, events %d", ids, n)
		}
		err = tx.Bucket(bucketBodies).ForEach(func(k, _ []byte) error {
			if tx.Bucket(bucketEvents).Get(k) == nil {
				return fmt.Errorf("body %d without event", seqOf(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		// Attempts: each belongs to a stored event, numbered 0, 1, … without gaps.
		lastSeq, next := uint64(0), 0
		err = tx.Bucket(bucketAttempts).ForEach(func(k, v []byte) error {
			if len(k) != attemptKeyLen {
				return fmt.Errorf("attempt key %x", k)
			}
			seq := u64(k)
			if tx.Bucket(bucketEvents).Get(seqKey(seq)) == nil {
				return fmt.Errorf("attempt %x without event", k)
			}
			if seq != lastSeq {
				lastSeq, next = seq, 0
			}
			if i := int(binary.BigEndian.Uint32(k[8:])); i != next {
				return fmt.Errorf("attempt %d of event %d, want %d", i, seq, next)
			}
			next++
			if _, err := decodeAttempt(v, true); err != nil {
				return err
			}
			return nil
		})
		if err != nil {
			return err
		}
		// The index: posting lists well formed (first seq in the key, ascending, at
		// most postingMax, each past the value's previous list) and, with the
		// correlation keys, naming exactly the events above.
		gotIndex := 0
		lastOf := map[string]uint64{} // posting prefix → its newest seq so far
		err = tx.Bucket(bucketIndex).ForEach(func(k, v []byte) error {
			if k[0] == indexes[4].id {
				gotIndex++
				if len(k) != 1+4+corrHashLen+8 || binary.BigEndian.Uint32(k[1:]) != corrPartition(seqOf(k)) || len(v) != 0 {
					return fmt.Errorf("malformed correlation key %x", k)
				}
				if !wantIndex[string(k)] {
					return fmt.Errorf("stale correlation key %x", k)
				}
				return nil
			}
			n, size := binary.Uvarint(k[1:])
			if size <= 0 || len(k) != 1+size+int(n)+8 {
				return fmt.Errorf("malformed index list key %q", k)
			}
			prefix := k[:len(k)-8]
			list, err := decodePosting(seqOf(k), v, nil)
			if err != nil {
				return err
			}
			if len(list) > postingMax || list[0] <= lastOf[string(prefix)] || !slices.IsSorted(list) {
				return fmt.Errorf("index list %q %v after %d", k, list, lastOf[string(prefix)])
			}
			lastOf[string(prefix)] = list[len(list)-1]
			for _, seq := range list {
				gotIndex++
				if !wantIndex[string(binary.BigEndian.AppendUint64(bytes.Clone(prefix), seq))] {
					return fmt.Errorf("index list %q names seq %d", prefix, seq)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if gotIndex != len(wantIndex) {
			return fmt.Errorf("the index has %d entries, want %d", gotIndex, len(wantIndex))
		}
		gotCounts := 0
		err = tx.Bucket(bucketCounts).ForEach(func(k, v []byte) error {
			gotCounts++
			if wantCounts[string(k)] != u64(v) {
				return fmt.Errorf("count %q = %d, want %d", k, u64(v), wantCounts[string(k)])
			}
			return nil
		})
		if err != nil {
			return err
		}
		if gotCounts != len(wantCounts) {
			return fmt.Errorf("%d counters, want %d", gotCounts, len(wantCounts))
		}
		// The dedup carrier lists name exactly the events with a dedup key, and the
		// table they make is the one the logger keeps.
		listed := map[uint64]uint64{}
		c := tx.Bucket(bucketCarriers).Cursor()
		last := uint64(0)
		for k, v := c.First(); k != nil; k, v = c.Next() {
			list, err := decodeCarriers(u64(k), v, nil)
			if err != nil {
				return err
			}
			if len(list) > carrierListMax || list[0].seq <= last {
				return fmt.Errorf("carrier list %d: %d entries, after %d", u64(k), len(list), last)
			}
			last = list[len(list)-1].seq
			for _, lc := range list {
				listed[lc.seq] = lc.note.fp
			}
		}
		if len(listed) != len(wantCarriers) {
			return fmt.Errorf("%d carriers listed, want %d", len(listed), len(wantCarriers))
		}
		for seq, fp := range wantCarriers {
			if listed[seq] != fp {
				return fmt.Errorf("carrier %d listed with fingerprint %x, want %x", seq, listed[seq], fp)
			}
		}
		rebuilt, err := loadCarriers(tx)
		if err != nil {
			return err
		}
		if s.log != nil {
			s.log.pendingMu.Lock()
			live := *s.log.dedup
			same := reflect.DeepEqual(rebuilt, &live)
			s.log.pendingMu.Unlock()
			if !same {
				return fmt.Errorf("the dedup table rebuilt from the lists (%d keys) differs from the logger's (%d keys)", len(rebuilt.newest), len(live.newest))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("history inconsistent: %v", err)
	}
}

func seqsOf(evs []*payloads.Event) []uint64 {
	out := make([]uint64, len(evs))
	for i, ev := range evs {
		out[i] = ev.Seq
	}
	return out
}

func sameBytes(t testing.TB, a, b []byte, what string) {
	t.Helper()
	if !bytes.Equal(a, b) {
		t.Fatalf("%s changed (%d bytes before, %d after)", what, len(a), len(b))
	}
}

// child is this test binary re-run as another process (the second dexra-tui).
type child struct {
	cmd *exec.Cmd
	out *bufio.Reader
}

// startChild runs the test named by the -test.run pattern run in a child process with
// env added; the child is killed at the end of t at the latest.
func startChild(t testing.TB, run string, env ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run="+run)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, out: bufio.NewReader(out)}
	t.Cleanup(c.kill)
	return c
}

// kill sends SIGKILL and reaps the child; calling it again does nothing.
func (c *child) kill() {
	if c.cmd.ProcessState != nil {
		return
	}
	c.cmd.Process.Kill()
	c.cmd.Wait()
}

// settledDB is s's bbolt file once it holds every event appended so far (Append
// returns when an event is logged; the history takes it just after).
func settledDB(t testing.TB, s *Store) *bolt.DB {
	t.Helper()
	if err := s.log.waitApplied(); err != nil {
		t.Fatal(err)
	}
	return s.db
}
