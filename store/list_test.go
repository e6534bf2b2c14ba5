package store

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/dexra/dexra-tui/payloads"
)

// pageAll pages through a query with the given page size and returns the seqs in
// order, checking every page's size and Next.
func pageAll(t *testing.T, s *Store, o ListOptions) []uint64 {
	t.Helper()
	var seqs []uint64
	for pages := 0; ; pages++ {
		if pages > 10_000 {
			t.Fatal("paging does not end")
		}
		page, err := s.List(o)
		if err != nil {
			t.Fatal(err)
		}
		if page.Next != 0 && len(page.Events) != o.Limit {
			t.Fatalf("a page of %d events (limit %d) has Next %d", len(page.Events), o.Limit, page.Next)
		}
		if page.Next != 0 && o.Limit > 0 && len(page.Events) == 0 {
			t.Fatal("an empty page with a Next cursor")
		}
		seqs = append(seqs, seqsOf(page.Events)...)
		if page.Next == 0 {
			return seqs
		}
		o.Cursor = page.Next
	}
}

func seqRange(from, to uint64) []uint64 { // inclusive, either direction
	var out []uint64
	if from <= to {
		for s := from; s <= to; s++ {
			out = append(out, s)
		}
	} else {
		for s := from; s >= to; s-- {
			out = append(out, s)
		}
	}
	return out
}

func TestListPagesBothDirections(t *testing.T) {
	s := openTest(t, Options{})
	if page, err := s.List(ListOptions{Limit: 10}); err != nil || len(page.Events) != 0 || page.Next != 0 {
		t.Fatalf("empty history: %+v %v", page, err)
	}
	bulkAppend(t, s, 0, 25, sampleEvent)

	first, _ := s.List(ListOptions{Limit: 10})
	if got := seqsOf(first.Events); !reflect.DeepEqual(got, seqRange(25, 16)) || first.Next == 0 {
		t.Fatalf("first newest page %v next %d", got, first.Next)
	}
	second, _ := s.List(ListOptions{Limit: 10, Cursor: first.Next})
	if got := seqsOf(second.Events); !reflect.DeepEqual(got, seqRange(15, 6)) {
		t.Fatalf("second newest page %v", got)
	}
	third, _ := s.List(ListOptions{Limit: 10, Cursor: second.Next})
	if got := seqsOf(third.Events); !reflect.DeepEqual(got, seqRange(5, 1)) || third.Next != 0 {
		t.Fatalf("last newest page %v next %d", got, third.Next)
	}

	for limit := 1; limit <= 26; limit++ {
		if got := pageAll(t, s, ListOptions{Limit: limit}); !reflect.DeepEqual(got, seqRange(25, 1)) {
			t.Fatalf("newest first, limit %d: %v", limit, got)
		}
		if got := pageAll(t, s, ListOptions{Limit: limit, OldestFirst: true}); !reflect.DeepEqual(got, seqRange(1, 25)) {
			t.Fatalf("oldest first, limit %d: %v", limit, got)
		}
	}
	// A page that ends exactly at the last event says there is no more.
	if page, _ := s.List(ListOptions{Limit: 5, Cursor: 6}); page.Next != 0 || len(page.Events) != 5 {
		t.Fatalf("page ending at seq 1: %d events, next %d", len(page.Events), page.Next)
	}
	// Cursors are plain seqs: continue after any event.
	if page, _ := s.List(ListOptions{Limit: 3, Cursor: 20, OldestFirst: true}); !reflect.DeepEqual(seqsOf(page.Events), []uint64{21, 22, 23}) {
		t.Fatalf("oldest first after 20: %v", seqsOf(page.Events))
	}
	if page, _ := s.List(ListOptions{}); len(page.Events) != 25 || page.Next != 0 {
		t.Fatalf("limit 0 gives %d events, next %d", len(page.Events), page.Next)
	}
	if page, _ := s.List(ListOptions{Cursor: 1}); len(page.Events) != 0 {
		t.Fatal("nothing is older than seq 1")
	}
	if page, _ := s.List(ListOptions{Cursor: ^uint64(0), OldestFirst: true}); len(page.Events) != 0 {
		t.Fatal("nothing is newer than the largest cursor")
	}
}

func TestListBodies(t *testing.T) {
	s := openTest(t, Options{})
	evs := appendAll(t, s, 3)
	page, _ := s.List(ListOptions{})
	for _, ev := range page.Events {
		if ev.Body != nil {
			t.Fatal("List without WithBody returned a body")
		}
	}
	page, _ = s.List(ListOptions{WithBody: true, OldestFirst: true})
	for i, ev := range page.Events {
		if string(ev.Body) != string(evs[i].Body) {
			t.Fatalf("event %d body %q", i, ev.Body)
		}
	}
	page, _ = s.List(ListOptions{Query: "hello"}) // a body search loads bodies but need not return them
	if len(page.Events) == 0 || page.Events[0].Body != nil {
		t.Fatalf("body search: %d events, body %q", len(page.Events), page.Events[0].Body)
	}
}

func TestListRejectsBadQuery(t *testing.T) {
	s := openTest(t, Options{})
	if _, err := s.List(ListOptions{Query: "colour:red"}); err == nil || !strings.Contains(err.Error(), "unknown key") {
		t.Fatalf("List(bad query) = %v", err)
	}
}

// TestListFiltersAgreeWithMatch: for every key, negation and mix, the indexed List
// returns exactly the events a brute-force Filter.Match over the history returns, in
// both directions and across pages.
func TestListFiltersAgreeWithMatch(t *testing.T) {
	s := openTest(t, Options{})
	const n = 600
	bulkAppend(t, s, 0, n, sampleEvent)
	// Long index values (payload-derived) are truncated in the index, and still match.
	long := sampleEvent(n)
	long.Type = strings.Repeat("t", maxIndexValue) + "-tail"
	long.Correlation = strings.Repeat("c", maxIndexValue+10)
	if err := s.Append(long); err != nil {
		t.Fatal(err)
	}
	similar := sampleEvent(n + 1)
	similar.Type = strings.Repeat("t", maxIndexValue) + "-other"
	if err := s.Append(similar); err != nil {
		t.Fatal(err)
	}
	all := make([]*payloads.Event, 0, n+2)
	err := settledDB(t, s).View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketEvents).ForEach(func(k, _ []byte) error {
			ev, err := loadEvent(tx, seqOf(k), true)
			all = append(all, ev)
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	queries := []string{
		"type:delivery", "type:DELIVERY", "-type:delivery", "type:message_in",
		"source:dexra", "-source:dexatel", "source:Conversa",
		"sig:pass", "sig:fail", "sig:missing", "sig:unchecked", "-sig:pass",
		"path:hooks", "-path:/dexatel",
		"dup:yes", "dup:no", "-dup:yes",
		"corr:msg-00000042", "-corr:msg-00000042", "corr:nothing",
		"delivered", "-delivered", `"hello from sms"`, "HOOKS",
		"type:delivery sig:fail", "source:conversa -type:conversation.created dup:yes",
		"sig:fail failed", "type:delivery -sig:pass -failed", "type:absent",
		"type:" + long.Type, "corr:" + long.Correlation, "type:" + strings.Repeat("t", maxIndexValue),
	}
	for _, q := range queries {
		f, err := ParseFilter(q)
		if err != nil {
			t.Fatal(err)
		}
		var want []uint64
		for _, ev := range all {
			if f.Match(ev) {
				want = append(want, ev.Seq)
			}
		}
		if q == "corr:nothing" || q == "type:absent" || q == "type:"+strings.Repeat("t", maxIndexValue) {
			if len(want) != 0 {
				t.Fatalf("%q should match nothing", q)
			}
		} else if len(want) == 0 || len(want) == len(all) {
			t.Fatalf("fixture does not exercise %q (%d of %d match)", q, len(want), len(all))
		}
		for _, limit := range []int{0, 3, 50} {
			got := pageAll(t, s, ListOptions{Query: q, Limit: limit, OldestFirst: true})
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%q oldest first, limit %d: got %d events %v, want %d %v", q, limit, len(got), head(got), len(want), head(want))
			}
			desc := slices.Clone(want)
			slices.Reverse(desc)
			got = pageAll(t, s, ListOptions{Query: q, Limit: limit})
			if !reflect.DeepEqual(got, desc) {
				t.Fatalf("%q newest first, limit %d: got %d events, want %d", q, limit, len(got), len(desc))
			}
		}
	}
}

func head(s []uint64) []uint64 { return s[:min(len(s), 8)] }

// scanned runs a List through listTx and counts the candidates it examined; it fails
// the test if it decoded the JSON of more events than it returned.
func scanned(t *testing.T, s *Store, o ListOptions) (Page, int) {
	t.Helper()
	f, err := ParseFilter(o.Query)
	if err != nil {
		t.Fatal(err)
	}
	var page Page
	before, restBefore := decodeCount.Load(), restDecodeCount.Load()
	err = s.view(func(tx *bolt.Tx) error {
		var err error
		page, err = listTx(tx, f, o)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if decoded := int(restDecodeCount.Load() - restBefore); decoded != len(page.Events) {
		t.Errorf("%+v: decoded %d records for %d events", o, decoded, len(page.Events))
	}
	return page, int(decodeCount.Load() - before)
}

// TestListWorkDependsOnPageNotHistory: an unfiltered page and an index-backed page
// decode about a page's worth of events, however many are stored.
func TestListWorkDependsOnPageNotHistory(t *testing.T) {
	s := openTest(t, Options{})
	rare := func(i int) *payloads.Event {
		ev := sampleEvent(i)
		if i < 10 {
			ev.Type = "rare" // the ten oldest events
		}
		return ev
	}
	bulkAppend(t, s, 0, 5000, rare)

	if page, n := scanned(t, s, ListOptions{Limit: 20}); len(page.Events) != 20 || n != 20 {
		t.Errorf("newest page of 20 decoded %d events", n)
	}
	if page, n := scanned(t, s, ListOptions{Limit: 20, OldestFirst: true, Cursor: 2000}); len(page.Events) != 20 || n != 20 {
		t.Errorf("oldest-first page of 20 decoded %d events", n)
	}
	// The rare type is oldest: a scan of the events would decode all 5000.
	if page, n := scanned(t, s, ListOptions{Query: "type:rare", Limit: 5}); len(page.Events) != 5 || n != 6 {
		t.Errorf("type:rare page of 5 decoded %d events (want 5 and one to find Next)", n)
	}
	// The planner starts from the smaller index: sig:fail (5%) rather than dexatel (60%).
	failing := 0
	for i := range 5000 {
		if rare(i).Signature.Status == "fail" {
			failing++
		}
	}
	if page, n := scanned(t, s, ListOptions{Query: "source:dexatel sig:fail"}); n != failing || len(page.Events) == 0 {
		t.Errorf("source:dexatel sig:fail decoded %d events, want the %d failing ones", n, failing)
	}
	if _, n := scanned(t, s, ListOptions{Query: "type:nothing source:dexatel"}); n != 0 {
		t.Errorf("a type no event has decoded %d events", n)
	}
	// The correlation index keeps no counters: the planner counts its few entries and
	// still prefers it to a counted index of thousands.
	if page, n := scanned(t, s, ListOptions{Query: "source:dexatel corr:msg-00000300"}); n != 3 || len(page.Events) == 0 {
		t.Errorf("source:dexatel corr:msg-00000300 decoded %d events, want the 3 of that message", n)
	}
	if _, n := scanned(t, s, ListOptions{Query: "corr:msg-nothing source:dexatel"}); n != 0 {
		t.Errorf("a correlation no event has decoded %d events", n)
	}
	// Unindexed terms examine every candidate, but path: and bare words are decided
	// on raw bytes (scan.go): only the events whose path matches are decoded.
	if page, n := scanned(t, s, ListOptions{Query: "path:/dexra -sig:pass"}); n != 1250 || len(page.Events) == 0 {
		t.Errorf("path:/dexra -sig:pass decoded %d of 5000 events, want the 1250 under /dexra/hooks", n)
	}
	if page, n := scanned(t, s, ListOptions{Query: "zqxjkv"}); n != 0 || len(page.Events) != 0 {
		t.Errorf("a word no event has decoded %d events (and listed %d)", n, len(page.Events))
	}
}
