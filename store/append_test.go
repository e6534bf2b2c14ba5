package store

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
)

func TestAppendAssignsSeqAndGetReturnsEvent(t *testing.T) {
	s := openTest(t, Options{})
	evs := appendAll(t, s, 3)
	for i, ev := range evs {
		if ev.Seq != uint64(i+1) {
			t.Fatalf("event %d got seq %d", i, ev.Seq)
		}
	}
	want := evs[1]
	got, err := s.Get(want.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Body, want.Body) {
		t.Errorf("body %q, want %q", got.Body, want.Body)
	}
	if !got.Received.Equal(want.Received) {
		t.Errorf("received %v, want %v", got.Received, want.Received)
	}
	got.Received = want.Received // time zone pointers differ after decoding
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Get =\n%+v\nwant\n%+v", got, want)
	}
	if _, err := s.Get("01NOSUCHEVENT"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get(unknown) = %v, want ErrNotFound", err)
	}
}

func TestAppendFillsMissingIDAndTime(t *testing.T) {
	s := openTest(t, Options{})
	ev := &payloads.Event{Method: "POST", Path: "/x"}
	if err := s.Append(ev); err != nil {
		t.Fatal(err)
	}
	if ev.ID == "" || ev.Received.IsZero() {
		t.Fatalf("Append left ID %q received %v", ev.ID, ev.Received)
	}
	if _, err := s.Get(ev.ID); err != nil {
		t.Fatal(err)
	}
}

func TestAppendRejectsDuplicateID(t *testing.T) {
	s := openTest(t, Options{})
	ev := sampleEvent(1)
	if err := s.Append(ev); err != nil {
		t.Fatal(err)
	}
	again := sampleEvent(2)
	again.ID = ev.ID
	if err := s.Append(again); !errors.Is(err, ErrDuplicateID) {
		t.Fatalf("Append(same ID) = %v, want ErrDuplicateID", err)
	}
	checkConsistency(t, s)
}

func TestAppendDedup(t *testing.T) {
	s := openTest(t, Options{})
	var evs []*payloads.Event
	for i := range 3 {
		ev := sampleEvent(i)
		ev.DedupKey = "evt-same"
		ev.DuplicateOf = "caller's guess is ignored"
		if err := s.Append(ev); err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	other := sampleEvent(10)
	other.DedupKey = "evt-other"
	if err := s.Append(other); err != nil {
		t.Fatal(err)
	}
	if evs[0].DuplicateOf != "" || evs[1].DuplicateOf != evs[0].ID || evs[2].DuplicateOf != evs[0].ID || other.DuplicateOf != "" {
		t.Fatalf("DuplicateOf: %q %q %q %q", evs[0].DuplicateOf, evs[1].DuplicateOf, evs[2].DuplicateOf, other.DuplicateOf)
	}
	stored, _ := s.Get(evs[2].ID)
	if stored.DuplicateOf != evs[0].ID {
		t.Errorf("stored DuplicateOf %q", stored.DuplicateOf)
	}
	for key, want := range map[string]DedupInfo{
		"evt-same":  {FirstID: evs[0].ID, Count: 3},
		"evt-other": {FirstID: other.ID, Count: 1},
		"evt-none":  {},
		"":          {},
	} {
		got, err := s.Dedup(key)
		if err != nil || got != want {
			t.Errorf("Dedup(%q) = %+v, %v; want %+v", key, got, err, want)
		}
	}
	// A dedup key longer than an index value is stored hashed and still counted.
	long := string(bytes.Repeat([]byte("k"), 3*maxIndexValue))
	for i := range 2 {
		ev := sampleEvent(20 + i)
		ev.DedupKey = long
		if err := s.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := s.Dedup(long); got.Count != 2 {
		t.Errorf("long dedup key count %d", got.Count)
	}
	// Long keys that differ only at the end stay apart.
	twin := long[:len(long)-1] + "x"
	if err := s.Append(func() *payloads.Event { ev := sampleEvent(30); ev.DedupKey = twin; return ev }()); err != nil {
		t.Fatal(err)
	}
	if a, b := mustDedup(t, s, long), mustDedup(t, s, twin); a.Count != 2 || b.Count != 1 || b.FirstID == a.FirstID {
		t.Errorf("long keys differing at the end: %+v and %+v", a, b)
	}
	checkConsistency(t, s)
	checkConsistency(t, s)
}

func TestAppendRedactsSecretHeaders(t *testing.T) {
	s := openTest(t, Options{})
	const token, apiKey = "tg-secret-token-5f1e9c", "Bearer dx_live_key_77aa"
	ev := sampleEvent(0)
	ev.Headers.Set("X-Telegram-Bot-Api-Secret-Token", token)
	ev.Headers["authorization"] = []string{apiKey} // not canonical: still a secret
	if err := s.Append(ev); err != nil {
		t.Fatal(err)
	}
	if ev.Headers.Get("X-Telegram-Bot-Api-Secret-Token") != token || ev.Headers["authorization"][0] != apiKey {
		t.Fatal("Append changed the caller's headers (the live request may still need them)")
	}
	got, err := s.Get(ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v := got.Headers.Get("X-Telegram-Bot-Api-Secret-Token"); v != Redacted {
		t.Errorf("stored token header %q", v)
	}
	if v := got.Headers["authorization"]; len(v) != 1 || v[0] != Redacted {
		t.Errorf("stored authorization %q", v)
	}
	if v := got.Headers.Get("X-Dexatel-Signature"); v != ev.Headers.Get("X-Dexatel-Signature") {
		t.Errorf("a signature header was changed: %q", v)
	}
	s.Close()
	raw, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{token, apiKey} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("the history file contains the secret %q", secret)
		}
	}
}

func TestAddAttempt(t *testing.T) {
	s := openTest(t, Options{Retention: 2})
	evs := appendAll(t, s, 2)
	a1 := payloads.Attempt{
		Target: "http://localhost:3000", Mode: "forward", At: testEpoch, Status: 200, Latency: 3 * time.Millisecond,
		ResponseHeaders: http.Header{"Content-Type": {"text/plain"}, "Authorization": {"Bearer app-token"}},
		ResponseBody:    []byte("ok from the app"),
	}
	a2 := payloads.Attempt{Target: "http://localhost:3000", Mode: "resign", At: testEpoch.Add(time.Second), Error: "connection refused"}
	for _, a := range []payloads.Attempt{a1, a2} {
		if err := s.AddAttempt(evs[0].ID, a); err != nil {
			t.Fatal(err)
		}
	}
	if a1.ResponseHeaders.Get("Authorization") != "Bearer app-token" {
		t.Fatal("AddAttempt changed the caller's attempt")
	}
	got, err := s.Get(evs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Attempts) != 2 || got.Attempts[0].Status != 200 || got.Attempts[1].Error != "connection refused" {
		t.Fatalf("attempts %+v", got.Attempts)
	}
	if string(got.Attempts[0].ResponseBody) != "ok from the app" || got.Attempts[1].ResponseBody != nil {
		t.Errorf("response bodies %q %q", got.Attempts[0].ResponseBody, got.Attempts[1].ResponseBody)
	}
	if v := got.Attempts[0].ResponseHeaders.Get("Authorization"); v != Redacted {
		t.Errorf("stored response Authorization %q", v)
	}
	if !bytes.Equal(got.Body, evs[0].Body) {
		t.Error("AddAttempt lost the body")
	}
	// Pages carry the attempts but not the app's response bodies, unless asked.
	page, _ := s.List(ListOptions{Limit: 1, OldestFirst: true})
	if len(page.Events[0].Attempts) != 2 || page.Events[0].Attempts[0].ResponseBody != nil {
		t.Errorf("List attempts %+v", page.Events[0].Attempts)
	}
	page, _ = s.List(ListOptions{Limit: 1, OldestFirst: true, WithBody: true})
	if string(page.Events[0].Attempts[0].ResponseBody) != "ok from the app" {
		t.Errorf("List WithBody response body %q", page.Events[0].Attempts[0].ResponseBody)
	}
	if err := s.AddAttempt("01NOSUCHEVENT", a1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("AddAttempt(unknown) = %v", err)
	}
	checkConsistency(t, s)

	// An event appended with attempts (an import) keeps their bodies apart too; pruning
	// the event removes its response bodies.
	imported := sampleEvent(5)
	imported.Attempts = []payloads.Attempt{a2, a1}
	if err := s.Append(imported); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(imported.ID); len(got.Attempts) != 2 || string(got.Attempts[1].ResponseBody) != "ok from the app" {
		t.Fatalf("imported attempts %+v", got.Attempts)
	}
	// A later attempt comes after them, and recording it leaves the event's record as
	// it was: attempts are appended apart from it.
	record := func() (v []byte) {
		settledDB(t, s).View(func(tx *bolt.Tx) error {
			v = bytes.Clone(tx.Bucket(bucketEvents).Get(seqKey(imported.Seq)))
			return nil
		})
		return v
	}
	before := record()
	a3 := payloads.Attempt{Target: "http://localhost:4000", Mode: "captured", At: testEpoch.Add(time.Minute), Status: 503}
	if err := s.AddAttempt(imported.ID, a3); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(imported.ID); len(got.Attempts) != 3 || got.Attempts[2].Target != a3.Target || got.Attempts[0].Error != a2.Error {
		t.Fatalf("attempts after a third %+v", got.Attempts)
	}
	sameBytes(t, before, record(), "the event's record after AddAttempt")
	waitTotal(t, s, 2)
	checkConsistency(t, s)
}

func TestStatsCounters(t *testing.T) {
	s := openTest(t, Options{})
	st, err := s.Stats()
	if err != nil || st != (Stats{}) {
		t.Fatalf("empty history stats %+v %v", st, err)
	}
	bulkAppend(t, s, 0, 200, sampleEvent)
	ev := sampleEvent(1000)
	ev.Signature = sig.Verdict{Status: sig.Fail}
	if err := s.Append(ev); err != nil {
		t.Fatal(err)
	}
	failing := 1
	for i := range 200 {
		if sampleEvent(i).Signature.Status == sig.Fail {
			failing++
		}
	}
	st, _ = s.Stats()
	if st.Total != 201 || st.Failing != failing || st.LastSeq != 201 {
		t.Fatalf("stats %+v, want total 201, failing %d, last seq 201", st, failing)
	}
}

func TestConcurrentAppend(t *testing.T) {
	s := openTest(t, Options{})
	const workers, each = 8, 60
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	seqs := make(chan uint64, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				ev := sampleEvent(w*each + i)
				ev.DedupKey = fmt.Sprintf("shared-%d", i%7) // redeliveries across goroutines
				if err := s.Append(ev); err != nil {
					errs <- err
					return
				}
				seqs <- ev.Seq
			}
		}()
	}
	wg.Wait()
	close(errs)
	close(seqs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[uint64]bool{}
	for seq := range seqs {
		if seen[seq] || seq == 0 || seq > workers*each {
			t.Fatalf("seq %d duplicated or out of range", seq)
		}
		seen[seq] = true
	}
	st, _ := s.Stats()
	if st.Total != workers*each {
		t.Fatalf("total %d", st.Total)
	}
	total := 0
	for k := range 7 {
		info, err := s.Dedup(fmt.Sprintf("shared-%d", k))
		if err != nil {
			t.Fatal(err)
		}
		total += info.Count
		first, err := s.Get(info.FirstID)
		if err != nil || first.DuplicateOf != "" {
			t.Fatalf("first of shared-%d: %+v %v", k, first, err)
		}
	}
	if total != workers*each {
		t.Fatalf("dedup counts add up to %d", total)
	}
	page, _ := s.List(ListOptions{Query: "dup:no"})
	if len(page.Events) != 7 {
		t.Fatalf("%d events are not duplicates, want 7", len(page.Events))
	}
	checkConsistency(t, s)
}

// TestAcknowledgedAppendsSurviveKill: a child appends and reports each returned seq;
// after SIGKILL every reported event is in the history.
func TestAcknowledgedAppendsSurviveKill(t *testing.T) {
	if path := os.Getenv("DEXRA_TUI_TEST_CRASH"); path != "" {
		s, err := Open(path, Options{})
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; ; i += 4 {
					ev := sampleEvent(i)
					if err := s.Append(ev); err != nil {
						fmt.Println("error:", err)
						os.Exit(1)
					}
					mu.Lock()
					fmt.Println(ev.ID)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	path := t.TempDir() + "/history.db"
	child := startChild(t, "^TestAcknowledgedAppendsSurviveKill$", "DEXRA_TUI_TEST_CRASH="+path)
	var acked []string
	for len(acked) < 300 {
		line, err := child.out.ReadString('\n')
		if err != nil {
			t.Fatalf("child stopped after %d events: %v", len(acked), err)
		}
		if bytes.HasPrefix([]byte(line), []byte("error:")) {
			t.Fatal(line)
		}
		acked = append(acked, line[:len(line)-1])
	}
	child.kill()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, id := range acked {
		if _, err := s.Get(id); err != nil {
			t.Fatalf("acknowledged event lost after SIGKILL: %v", err)
		}
	}
	checkConsistency(t, s)
}

func mustDedup(t *testing.T, s *Store, key string) DedupInfo {
	t.Helper()
	info, err := s.Dedup(key)
	if err != nil {
		t.Fatal(err)
	}
	return info
}
