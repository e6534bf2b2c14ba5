package exchange

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
)

// seqSource is a Source over events with the given seqs, listing as the store does
// oldest first (Cursor exclusive, Next exact); failAt makes the List at that cursor fail.
type seqSource struct {
	events   []*payloads.Event
	failAt   uint64
	fail     bool
	listed   atomic.Int64 // events returned, to see what gaps cost
	inFlight atomic.Int64
}

func newSeqSource(seqs []uint64) *seqSource {
	s := &seqSource{}
	for _, q := range seqs {
		s.events = append(s.events, &payloads.Event{Seq: q, ID: fmt.Sprintf("e%d", q), Method: "POST", Path: "/", Summary: fmt.Sprintf("about e%d", q)})
	}
	return s
}

func (s *seqSource) Get(string) (*payloads.Event, error) { return nil, store.ErrNotFound }

func (s *seqSource) List(o store.ListOptions) (store.Page, error) {
	s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	if !o.OldestFirst || o.Query != "" || !o.WithBody || o.Limit <= 0 {
		return store.Page{}, fmt.Errorf("unexpected options %+v", o)
	}
	if s.fail && o.Cursor == s.failAt {
		return store.Page{}, errors.New("disk on fire")
	}
	i, _ := slices.BinarySearchFunc(s.events, o.Cursor+1, func(e *payloads.Event, q uint64) int { return int(e.Seq) - int(q) })
	end := min(len(s.events), i+o.Limit)
	page := store.Page{}
	for _, e := range s.events[i:end] {
		c := *e
		page.Events = append(page.Events, &c)
	}
	if end < len(s.events) {
		page.Next = s.events[end].Seq - 1
	}
	s.listed.Add(int64(len(page.Events)))
	return page, nil
}

type idWriter struct {
	ids     []string
	failAt  int
	written int
}

func (w *idWriter) Write(ev *payloads.Event) error {
	if w.failAt > 0 && w.written == w.failAt {
		return errors.New("disk full")
	}
	w.written++
	w.ids = append(w.ids, ev.ID)
	return nil
}

func (w *idWriter) Close() error { return nil }

// withWindows runs fn with windows of n seqs read by two readers.
func withWindows(t *testing.T, n uint64, fn func()) {
	t.Helper()
	w, r := exportWindow, exportReaders
	exportWindow, exportReaders = n, 2
	defer func() { exportWindow, exportReaders = w, r }()
	fn()
}

func seqRange(from, n int) []uint64 {
	var out []uint64
	for i := range n {
		out = append(out, uint64(from+i))
	}
	return out
}

// TestWindowedExportWritesEveryEventInOrder: an unfiltered export read a window at a
// time by several readers writes each event once, oldest first, whatever the gaps in
// the seqs, and reads few events twice.
func TestWindowedExportWritesEveryEventInOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	holey := func(n int, keep float64) []uint64 {
		var out []uint64
		for q := 1; len(out) < n; q++ {
			if rng.Float64() < keep {
				out = append(out, uint64(q))
			}
		}
		return out
	}
	cases := map[string][]uint64{
		"empty": nil, "one": {1}, "window-1": seqRange(1, 6), "window": seqRange(1, 7), "window+1": seqRange(1, 8),
		"many": seqRange(1, 7*9+3), "pruned": seqRange(5000, 100), "holes": holey(200, 0.7),
		"one hole": append(seqRange(1, 30), seqRange(1000, 40)...), "sparse": holey(50, 0.05),
	}
	for name, seqs := range cases {
		t.Run(name, func(t *testing.T) {
			withWindows(t, 7, func() {
				src := newSeqSource(seqs)
				var w idWriter
				n, err := Export(src, nil, "", NewRedactor(), &w, nil)
				if err != nil {
					t.Fatal(err)
				}
				var want []string
				for _, e := range src.events {
					want = append(want, e.ID)
				}
				if n != len(want) || !slices.Equal(w.ids, want) {
					t.Fatalf("wrote %d: %v\nwant %v", n, w.ids, want)
				}
				// A gap costs at most the windows in flight, each a page.
				if extra := src.listed.Load() - int64(len(seqs)); extra > 4*7 {
					t.Errorf("read %d events more than the %d there are", extra, len(seqs))
				}
				if f := src.inFlight.Load(); f != 0 {
					t.Errorf("%d reads still running after Export returned", f)
				}
			})
		})
	}
}

// TestWindowedExportStops: a read error ends the export with it (nothing after the
// failed page is written), a write error ends it too, and either way no read is left
// running when Export returns.
func TestWindowedExportStops(t *testing.T) {
	withWindows(t, 7, func() {
		src := newSeqSource(seqRange(1, 100))
		src.fail, src.failAt = true, 21 // the fourth page
		var w idWriter
		n, err := Export(src, nil, "", NewRedactor(), &w, nil)
		if err == nil || n != 21 || len(w.ids) != 21 || w.ids[20] != "e21" {
			t.Fatalf("read error: wrote %d (%v), err %v", n, w.ids, err)
		}
		if src.inFlight.Load() != 0 {
			t.Error("a read still runs after Export returned")
		}
		src = newSeqSource(seqRange(1, 1000))
		w = idWriter{failAt: 10}
		if _, err := Export(src, nil, "", NewRedactor(), &w, nil); err == nil || err.Error() != "disk full" {
			t.Fatalf("write error: %v", err)
		}
		if src.inFlight.Load() != 0 {
			t.Error("a read still runs after Export returned")
		}
		if src.listed.Load() > 10*7 {
			t.Errorf("read %d events after the writer failed at the 10th", src.listed.Load())
		}
	})
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestWindowedJSONLIsTheEventByEventJSONL: a jsonl export, encoded on the readers'
// goroutines a page at a time, is byte for byte the events written one by one, and a
// failing file ends it with the file's error.
func TestWindowedJSONLIsTheEventByEventJSONL(t *testing.T) {
	withWindows(t, 7, func() {
		seqs := append(seqRange(1, 60), seqRange(200, 45)...)
		var got, want bytes.Buffer
		jw := NewJSONLWriter(&got)
		n, err := Export(newSeqSource(seqs), nil, "", NewRedactor("e7"), jw, nil)
		if err != nil || jw.Close() != nil || n != len(seqs) {
			t.Fatalf("exported %d of %d: %v", n, len(seqs), err)
		}
		ref, red := NewJSONLWriter(&want), NewRedactor("e7")
		for _, ev := range newSeqSource(seqs).events {
			if err := ref.Write(red.Event(ev)); err != nil {
				t.Fatal(err)
			}
		}
		ref.Close()
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("windowed jsonl differs:\n%s\nwant\n%s", got.Bytes(), want.Bytes())
		}
		if !bytes.Contains(got.Bytes(), []byte(`"summary":"about [redacted]"`)) {
			t.Fatal("the configured secret e7 was not redacted")
		}
		big := newSeqSource(seqRange(1, 3000))
		for _, ev := range big.events {
			ev.Body = bytes.Repeat([]byte("x"), 200)
		}
		fw := NewJSONLWriter(failingWriter{})
		if _, err := Export(big, nil, "", NewRedactor(), fw, nil); err == nil || err.Error() != "disk full" {
			t.Fatalf("failing file: %v", err)
		}
		if big.inFlight.Load() != 0 {
			t.Error("a read still runs after Export returned")
		}
	})
}
