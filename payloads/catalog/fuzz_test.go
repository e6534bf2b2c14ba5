package catalog

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// parseHeaderBlob turns "Name: value" lines into headers, so the fuzzer can vary them.
func parseHeaderBlob(blob string) http.Header {
	h := http.Header{}
	for _, line := range strings.Split(blob, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			h[k] = append(h[k], strings.TrimSpace(v)) // raw keys on purpose: hand-built maps exist
		}
	}
	return h
}

func plainLine(t *testing.T, what, s string, maxRunes int) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("%s %q is not valid UTF-8", what, s)
	}
	for _, r := range s {
		if isControl(r) {
			t.Fatalf("%s %q holds control character %U", what, s, r)
		}
	}
	if n := utf8.RuneCountInString(s); n > maxRunes+1 {
		t.Fatalf("%s has %d runes, cap is %d", what, n, maxRunes)
	}
}

func FuzzClassify(f *testing.F) {
	f.Add("/", "X-Dexatel-Signature: "+seedSignature, []byte(seedDelivery))
	f.Add("/dexatel", "", []byte(seedMessage))
	f.Add("/dexra", "X-Dexra-Signature: x", []byte(`{"event":"message_in","event_id":"e","data":{}}`))
	f.Add("/", "Webhook-Id: msg_1\nWebhook-Signature: v1,x", []byte(`{"id":"evt_1","event":"payment.paid","data":{"amount":1}}`))
	f.Add("/", "X-Hub-Signature-256: sha256=x", []byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"id":"w","text":{"body":"hi"}}]}}]}]}`))
	f.Add("/", "X-Twilio-Signature: x", []byte("MessageSid=SM1&Body=%ZZ&MessageStatus=received"))
	f.Add("/", "X-Slack-Signature: v0=x", []byte("payload=%7B%22type%22%3A1%7D&command=%2Fx"))
	f.Add("/", "X-Telegram-Bot-Api-Secret-Token: s", []byte(`{"update_id":1e400,"message":{"chat":{"id":[]}}}`))
	f.Add("/\x1b]2;x\x07", "x-github-event: \x1b[2J\r\u202e", []byte("\xff\xfe\x00{"))
	f.Add("", "", []byte(strings.Repeat("[", 20000)))
	f.Fuzz(func(t *testing.T, path, headers string, body []byte) {
		h := parseHeaderBlob(headers)
		src, typ := Classify(path, h, body)
		if src == "" {
			t.Fatal("source must never be empty")
		}
		plainLine(t, "type", typ, maxTypeRunes)
		key := DedupKey(src, typ, "", h, body)
		if len(body) > 0 && key == "" {
			t.Fatal("a non-empty body always gets a dedup key")
		}
		plainLine(t, "dedup key", key, 256)
		plainLine(t, "correlation", Correlation(src, typ, body), maxIDLen)
		plainLine(t, "summary", Summary(src, typ, body), maxSummaryRunes)
		deriveMatchesSeparateCalls(t, path, src, typ, h, body)
	})
}

func FuzzCheck(f *testing.F) {
	f.Add("dexatel", "delivery", []byte(seedDelivery))
	f.Add("dexatel", "message", []byte(strings.Replace(seedMessage, `"sms"`, `"fax"`, 1)))
	f.Add("dexra", "user_updated", []byte(`{"event":"user_updated","data":{"tags":[1,{"a":2}]},"x~/y":null}`))
	f.Add("conversa", "payment.paid", []byte(`{"id":"evt","data":{"amount":"1"}}`))
	f.Add("stripe", "x", []byte(`{}`))
	f.Add("dexatel", "delivery", []byte("\xff"))
	f.Fuzz(func(t *testing.T, source, typ string, body []byte) {
		r := Check(source, typ, body)
		_, known := lookup(source, typ)
		if r.Checked != known {
			t.Fatalf("checked=%v for known=%v", r.Checked, known)
		}
		if !r.Checked && (r.Valid || r.Documented) {
			t.Fatalf("an unchecked body is neither valid nor documented: %+v", r)
		}
		if r.Checked && r.Valid != (len(r.Errors) == 0) {
			t.Fatalf("valid iff no errors: %+v", r)
		}
		if r.Checked && !r.Documented && len(r.Errors) > 0 && r.Errors[0] != "body is not JSON" {
			t.Fatalf("undocumented shapes give hints, not errors: %+v", r)
		}
		for _, list := range [][]string{r.Unknown, r.Missing, r.Errors} {
			if len(list) > maxListed+1 {
				t.Fatalf("list not capped: %d", len(list))
			}
			if head := list[:min(len(list), maxListed)]; !slices.IsSorted(head) {
				t.Fatalf("not sorted: %q", head)
			}
		}
	})
}

func FuzzSampleSet(f *testing.F) {
	f.Add(uint8(0), "data.status", "failed")
	f.Add(uint8(1), "data.text", `"quoted"`)
	f.Add(uint8(2), "data", `{"b":{"c":[1,2]}}`)
	f.Add(uint8(3), "data.customer_lifetime_value.x", "1")
	f.Add(uint8(5), "a..b", "x")
	f.Add(uint8(6), "x.y.z", "null")
	f.Add(uint8(7), "\xff.\x00", "\xfe")
	f.Add(uint8(8), "data.amount", "1e999")
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	all := All()
	f.Fuzz(func(t *testing.T, which uint8, path, value string) {
		e := all[int(which)%len(all)]
		old, hadOld := valueAt(t, e, now, path)
		body, err := e.Sample(now, []Set{{Path: path, Value: value}})
		if err != nil {
			if !setMustFail(t, e, path) && !typedFieldRefuses(old, value) {
				t.Fatalf("set %q=%q failed: %v", path, value, err)
			}
			return
		}
		var doc any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("sample is not JSON: %v\n%s", err, body)
		}
		keys := strings.Split(path, ".")
		for i, k := range keys {
			keys[i] = roundTrip(k).(string) // invalid UTF-8 in a key is encoded as U+FFFD
		}
		got := at(doc, keys...)
		var want any = roundTrip(value)
		if _, isString := old.(string); (!hadOld || !isString) && json.Valid([]byte(value)) {
			d := json.NewDecoder(strings.NewReader(value))
			d.UseNumber()
			_ = d.Decode(&want)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("set %q=%q: read back %#v, want %#v", path, value, got, want)
		}
	})
}

// setMustFail says whether path is malformed or runs through a non-object of the sample.
func setMustFail(t *testing.T, e EventType, path string) bool {
	keys, err := splitPath(path)
	if err != nil {
		return true
	}
	body, err := e.Sample(time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	_ = json.Unmarshal(body, &doc)
	for _, k := range keys[:len(keys)-1] {
		m, ok := doc.(map[string]any)
		if !ok {
			return true
		}
		if doc, ok = m[k]; !ok {
			return false
		}
	}
	_, isObj := doc.(map[string]any)
	return !isObj
}

func roundTrip(s string) any {
	b, _ := json.Marshal(s)
	var out string
	_ = json.Unmarshal(b, &out)
	return out
}

// valueAt is what the sample holds at path, if anything.
func valueAt(t *testing.T, e EventType, now time.Time, path string) (any, bool) {
	body, err := e.Sample(now, nil)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	_ = dec.Decode(&doc)
	for _, k := range strings.Split(path, ".") {
		m, ok := doc.(map[string]any)
		if !ok {
			return nil, false
		}
		if doc, ok = m[k]; !ok {
			return nil, false
		}
	}
	return doc, true
}

// typedFieldRefuses: a number or boolean field of the sample takes only its own kind.
func typedFieldRefuses(old any, value string) bool {
	switch old.(type) {
	case json.Number, bool:
		var v any
		d := json.NewDecoder(strings.NewReader(value))
		d.UseNumber()
		if !json.Valid([]byte(value)) || d.Decode(&v) != nil {
			return true
		}
		return kindOf(v) != kindOf(old)
	}
	return false
}
