package catalog

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

var sampleNow = time.Date(2022, 3, 1, 13, 0, 0, 0, time.UTC)

func TestEverySamplePassesItsOwnSchemaAndClassifiesBack(t *testing.T) {
	for _, e := range All() {
		body, err := e.Sample(time.Now(), nil)
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		r := Check(e.Source, e.Type, body)
		if !r.Checked || !r.Valid || len(r.Errors)+len(r.Unknown)+len(r.Missing) > 0 || strings.Contains(r.Note, "hint:") {
			t.Errorf("%s sample does not match its schema: %+v\n%s", e.Name(), r, body)
		}
		src, typ := Classify(e.Path, nil, body)
		if src != e.Source || typ != e.Type {
			t.Errorf("%s sample classifies as %s.%s", e.Name(), src, typ)
		}
		if src, typ := Classify("/", nil, body); src != e.Source || typ != e.Type {
			t.Errorf("%s sample classifies by body alone as %s.%s", e.Name(), src, typ)
		}
		if Summary(e.Source, e.Type, body) == "" {
			t.Errorf("%s sample has no summary", e.Name())
		}
		if e.Type != "message" && Correlation(e.Source, e.Type, body) == "" {
			t.Errorf("%s sample has no correlation key", e.Name())
		}
	}
}

func TestDexatelSampleReproducesTheSeedExample(t *testing.T) {
	ids := []Set{{Path: "data.account_id", Value: "4ca07d94-7b4d-4434-97aa-9ec34772f111"}}
	msg, err := mustFind(t, "dexatel.message").Sample(sampleNow, ids)
	if err != nil {
		t.Fatal(err)
	}
	if string(msg) != seedMessage {
		t.Errorf("message sample with the seed's ids:\n%s\nwant the seed's body:\n%s", msg, seedMessage)
	}
	ids = append(ids, Set{Path: "data.message_id", Value: ids[0].Value})
	del, err := mustFind(t, "dexatel.delivery").Sample(sampleNow, ids)
	if err != nil {
		t.Fatal(err)
	}
	if string(del) != seedDelivery {
		t.Errorf("delivery sample with the seed's ids:\n%s\nwant the seed's body:\n%s", del, seedDelivery)
	}
}

func TestSamplesAreFresh(t *testing.T) {
	for _, e := range All() {
		a, _ := e.Sample(sampleNow, nil)
		b, _ := e.Sample(sampleNow.Add(time.Hour), nil)
		if bytes.Equal(a, b) || DedupKey(e.Source, e.Type, "", nil, a) == DedupKey(e.Source, e.Type, "", nil, b) {
			t.Errorf("%s: two samples must differ in ids and dedup key", e.Name())
		}
		if !bytes.Contains(b, []byte("2022-03-01")) || !bytes.Contains(b, []byte("14:00:00")) {
			t.Errorf("%s: timestamps must come from now:\n%s", e.Name(), b)
		}
	}
}

func TestSampleSets(t *testing.T) {
	e := mustFind(t, "dexatel.delivery")
	body, err := e.Sample(sampleNow, []Set{
		{Path: "data.status", Value: "failed"},                   // not JSON: a string
		{Path: "data.retry", Value: "3"},                         // new, JSON: a number
		{Path: "data.extra.nested", Value: `{"z":1,"a":[true]}`}, // creates "extra", keeps key order
		{Path: "meta", Value: `"quoted"`},                        // JSON string
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"data":{"account_id":"A","message_id":"M","event":"delivery","status":"failed","timestamp":"2022-03-01 13:00:00","extra":{"nested":{"z":1,"a":[true]}},"retry":3},"meta":"quoted"}`
	var got bytes.Buffer
	if err := json.Compact(&got, body); err != nil {
		t.Fatal(err)
	}
	var doc map[string]map[string]any
	_ = json.Unmarshal(body, &doc)
	s := strings.NewReplacer(doc["data"]["account_id"].(string), "A", doc["data"]["message_id"].(string), "M").Replace(got.String())
	if s != want {
		t.Errorf("got  %s\nwant %s", s, want)
	}
	r := Check(e.Source, e.Type, body)
	if r.Valid || strings.Join(r.Unknown, " ") != "/data/extra /data/retry /meta" {
		t.Errorf("extra fields set on a documented type must be reported: %+v", r)
	}
}

func TestSampleSetIntoAnObjectSetEarlier(t *testing.T) {
	body, err := mustFind(t, "dexra.message_in").Sample(sampleNow, []Set{
		{Path: "data.a", Value: "2"},
		{Path: "data", Value: `{"b":1}`},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	_ = json.Compact(&got, body)
	if !strings.Contains(got.String(), `"data":{"b":1,"a":2}`) {
		t.Errorf("parent set first, child added after: %s", got.String())
	}
}

func TestSampleSetErrors(t *testing.T) {
	e := mustFind(t, "dexatel.delivery")
	for path, want := range map[string]string{
		"data.status.code": "data.status is a string, not an object",
		"data..x":          "empty key",
		".x":               "empty key",
		"x.":               "empty key",
		"":                 "empty path",
	} {
		_, err := e.Sample(sampleNow, []Set{{Path: path, Value: "1"}})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("set %q: %v, want an error containing %q", path, err, want)
		}
	}
	if _, err := (EventType{Source: "x", Type: "y"}).Sample(sampleNow, nil); err == nil {
		t.Error("a type outside the catalog has no sample")
	}
}

func TestParseSet(t *testing.T) {
	p, v, err := ParseSet("data.text=a=b")
	if err != nil || p != "data.text" || v != "a=b" {
		t.Errorf("%q %q %v", p, v, err)
	}
	for _, bad := range []string{"novalue", "=x", "a..b=1"} {
		if _, _, err := ParseSet(bad); err == nil {
			t.Errorf("ParseSet(%q) must fail", bad)
		}
	}
}

func mustFind(t *testing.T, name string) EventType {
	t.Helper()
	e, err := Find(name)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// A field keeps the sample's type: digits set on a string stay a string, a number
// field takes only a number, and --set-json sets any JSON.
func TestSampleSetKeepsTheSamplesType(t *testing.T) {
	compact := func(body []byte) string {
		var b bytes.Buffer
		_ = json.Compact(&b, body)
		return b.String()
	}
	e := mustFind(t, "dexatel.delivery")
	body, err := e.Sample(sampleNow, []Set{{Path: "data.message_id", Value: "14155550100"}, {Path: "data.status", Value: "true"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := compact(body); !strings.Contains(got, `"message_id":"14155550100"`) || !strings.Contains(got, `"status":"true"`) {
		t.Errorf("string fields must stay strings: %s", got)
	}
	body, err = e.Sample(sampleNow, []Set{{Path: "data.message_id", Value: "[1,2]", JSON: true}})
	if err != nil {
		t.Fatal(err)
	}
	if got := compact(body); !strings.Contains(got, `"message_id":[1,2]`) {
		t.Errorf("--set-json sets JSON: %s", got)
	}
	if _, err := e.Sample(sampleNow, []Set{{Path: "data.x", Value: "[1,", JSON: true}}); err == nil || !strings.Contains(err.Error(), "not JSON") {
		t.Errorf("invalid --set-json: %v", err)
	}
	conv := mustFind(t, "dexra.conversation_created")
	body, err = conv.Sample(sampleNow, []Set{{Path: "data.customer_lifetime_value", Value: "12"}})
	if err != nil || !strings.Contains(compact(body), `"customer_lifetime_value":12`) {
		t.Errorf("a number field takes a number: %v %s", err, body)
	}
	if _, err := conv.Sample(sampleNow, []Set{{Path: "data.customer_lifetime_value", Value: "lots"}}); err == nil || !strings.Contains(err.Error(), "a number") {
		t.Errorf("a number field refuses a word: %v", err)
	}
}
