package store

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dexra/dexra-tui/payloads"
)

// rawMatch is how List decides an event with raw scanning: the raw terms on the path
// and body, then Filter.match for the others.
func rawMatch(f *Filter, ev *payloads.Event) bool {
	if raw := compileRaw(f); raw != nil {
		reject, decided := raw.eval([]byte(ev.Path), ev.Body)
		if reject {
			return false
		}
		return f.match(ev, decided)
	}
	return f.Match(ev)
}

var scanSeeds = []struct{ query, path, body string }{
	{"zqxjkv", "/dexatel", `{"data":{"status":"delivered"}}`},
	{"DELIVERED", "/dexatel", `{"data":{"status":"Delivered"}}`},
	{"-delivered", "/x", `{"status":"deLIVered"}`},
	{"path:/Dexra", "/dexra/hooks", ""},
	{"-path:hooks hooks", "/dexra/hooks", "no"},
	{"kelvin", "/k", "\u212aelvin"},         // KELVIN SIGN lowers to k
	{"istanbul", "/", "\u0130stanbul"},      // capital I with dot lowers to i
	{"path:ki", "/\u212a\u0130", ""},        // both, in the path
	{"xk", "/", "x\u212a"},                  // the rare byte is not k
	{"kk", "/", "\u212a\u212a"},             // only k: no rare byte to rule it out
	{"é", "/", "É"},                         // a word outside ASCII: Match decides
	{"path:\u212a", "/kelvin", ""},          // a query outside ASCII that lowers into it
	{"\u0130stanbul", "/%C4%B0stanbul", ""}, // ... matched by the path's escaped form
	{"-path:\u212a", "/kelvin", ""},
	{"path:/日本語", "/日本語", ""},                         // a path kept unescaped (an imported fixture)
	{"path:/日本語", "/%E6%97%A5%E6%9C%AC%E8%AA%9E", ""}, // the listener's escaped path
	{`"two words"`, "/", "TWO   words two Words"},
	{"a", "", ""}, {"ab", "/a", "b"}, {"zz", "/", "z"},
	{"\ufffd", "/", "\xff"}, {"x", "/", "\xffX"},
	{"type:delivery sig:pass word", "/p", "WORD"},
	{"dir:out out", "/out", ""},
}

// TestRawScanMatchesFilter: deciding on raw bytes gives Filter.Match's answer.
func TestRawScanMatchesFilter(t *testing.T) {
	for _, c := range scanSeeds {
		checkRawMatch(t, c.query, c.path, c.body)
	}
}

func checkRawMatch(t *testing.T, q, path, body string) {
	t.Helper()
	f, err := ParseFilter(q)
	if err != nil {
		return
	}
	ev := &payloads.Event{Path: path, Body: []byte(body), Source: "dexatel", Type: "delivery"}
	if got, want := rawMatch(f, ev), f.Match(ev); got != want {
		t.Fatalf("filter %q on path %q body %q: raw scan says %v, Match %v", q, path, body, got, want)
	}
}

// FuzzRawScan: for any query, path and body, the raw scan decides as Filter.Match.
func FuzzRawScan(f *testing.F) {
	for _, c := range scanSeeds {
		f.Add(c.query, c.path, c.body)
	}
	f.Fuzz(checkRawMatch)
}

// TestListScanMatchesBaseline: List with raw scanning gives the pages List gave before
// (listTxBaseline), for words and paths that match some, all or no events, in both
// orders, a page at a time.
func TestListScanMatchesBaseline(t *testing.T) {
	s := openTest(t, Options{Retention: -1})
	gen := func(i int) *payloads.Event {
		ev := sampleEvent(i)
		switch i % 7 {
		case 1:
			ev.Body = []byte(`{"note":"\u212aelvin İstanbul"}`)
		case 2:
			ev.Body = []byte("{\"note\":\"K\xe2\x84\xaaELVIN \xff bad\"}")
		case 3:
			ev.Path = "/Hooks/\u212aey"
		case 4:
			ev.Body = nil
		}
		return ev
	}
	bulkAppend(t, s, 0, 700, gen)
	queries := []string{"zqxjkv", "kelvin", "hello", "HELLO -sms", "path:/dexra", "path:key", "istanbul",
		"-chat", `"inbound chat"`, "dexatel", "type:message hello", "bad", "é", "dir:in sms", "msg-0000010"}
	for _, q := range queries {
		for _, oldest := range []bool{false, true} {
			for _, limit := range []int{0, 7} {
				o := ListOptions{Query: q, Limit: limit, OldestFirst: oldest}
				for pages := 0; ; pages++ {
					want, err := s.ListBaseline(o)
					if err != nil {
						t.Fatal(err)
					}
					got, err := s.List(o)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("%+v: List gave %d events (next %d), before it gave %d (next %d)", o, len(got.Events), got.Next, len(want.Events), want.Next)
					}
					if want.Next == 0 || pages > 200 {
						break
					}
					o.Cursor = want.Next
				}
			}
		}
	}
}

// TestScanReportsDamageItRejects: a bare-word scan checks every event it reads, kept
// or not: a flipped byte in the record or body of an event the word is not in is an
// ErrCorrupt error naming it, in both orders and as brief listings; a page that ends
// before the damaged event (its batch checked ahead) is served without error.
func TestScanReportsDamageItRejects(t *testing.T) {
	for _, c := range []struct {
		bucket []byte
		at     int
	}{{bucketEvents, 40}, {bucketEvents, 2}, {bucketBodies, 17}} {
		path := filepath.Join(t.TempDir(), "history.db")
		s, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		evs := appendAll(t, s, 600)
		s.Close()
		victim := evs[300]
		flipValue(t, path, c.bucket, seqKey(victim.Seq), c.at)
		r, err := Open(path, Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("event seq %d", victim.Seq)
		queries := []ListOptions{{Query: "zqxjkv"}, {Query: "zqxjkv", OldestFirst: true, Brief: true}}
		if bytes.Equal(c.bucket, bucketEvents) { // path: reads no body
			queries = append(queries, ListOptions{Query: "path:/nowhere"})
		}
		for _, o := range queries {
			if page, err := r.List(o); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), want) {
				t.Errorf("%s %+v: %d events, %v; want ErrCorrupt naming %s", c.bucket, o, len(page.Events), err, want)
			}
		}
		// "sms" is in every body: the newest 5 are found in the first batch.
		if page, err := r.List(ListOptions{Query: "sms", Limit: 5}); err != nil || len(page.Events) != 5 || page.Next == 0 {
			t.Errorf("%s: a page before the damage: %d events, next %d, %v", c.bucket, len(page.Events), page.Next, err)
		}
		r.Close()
	}
}
