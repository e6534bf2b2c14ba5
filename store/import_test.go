package store

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
)

// TestAppendBatchKeepsOrderAndReportsDuplicates: seqs follow the batch's order, an ID
// already stored (or twice in the batch) fails alone, the rest is stored durably.
func TestAppendBatchKeepsOrderAndReportsDuplicates(t *testing.T) {
	path := t.TempDir() + "/h.db"
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	first := &payloads.Event{ID: payloads.NewID(at), Received: at, Method: "POST", Path: "/a", Body: []byte("x")}
	if err := s.Append(first); err != nil {
		t.Fatal(err)
	}
	var batch []*payloads.Event
	for i := range 3000 {
		ev := &payloads.Event{Received: at.Add(time.Duration(i+1) * time.Millisecond), Method: "POST", Path: fmt.Sprintf("/b/%d", i), Body: []byte{byte(i)}}
		batch = append(batch, ev)
	}
	batch[10] = &payloads.Event{ID: first.ID, Received: at, Method: "POST", Path: "/dup"}
	batch[20] = &payloads.Event{ID: "01JZZZZZZZZZZZZZZZZZZZZZZZ", Received: at, Method: "POST", Path: "/twice"}
	batch[21] = &payloads.Event{ID: "01JZZZZZZZZZZZZZZZZZZZZZZZ", Received: at, Method: "POST", Path: "/twice-again"}
	errs := s.AppendBatch(batch)
	for i, err := range errs {
		dup := i == 10 || i == 21
		if dup != errors.Is(err, ErrDuplicateID) || (!dup && err != nil) {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	page, err := s.List(ListOptions{OldestFirst: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != 1+len(batch)-2 {
		t.Fatalf("%d events stored", len(page.Events))
	}
	want := []*payloads.Event{first}
	for i, ev := range batch {
		if i != 10 && i != 21 {
			want = append(want, ev)
		}
	}
	for i, ev := range page.Events {
		if ev.ID != want[i].ID || ev.Seq != uint64(i+1) {
			t.Fatalf("position %d: %s seq %d, want %s seq %d", i, ev.ID, ev.Seq, want[i].ID, i+1)
		}
	}
}
