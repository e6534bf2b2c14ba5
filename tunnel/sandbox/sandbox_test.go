package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/tunnel"
)

// recipients are valid test recipients per channel.
var recipients = map[string]string{
	"whatsapp": "+15551234567", "sms": "+447700900123", "viber": "+380501234567",
	"email": "dev@example.com", "telegram": "123456789",
}

func messageOf(channel, typ, to string) tunnel.Message {
	m := tunnel.Message{Channel: channel, RecipientID: to, MessageType: typ}
	switch typ {
	case "text":
		m.Text = "Your code is 123456"
	case "media":
		m.MediaURL, m.Caption = "https://example.com/receipt.png", "Your receipt"
	case "button":
		m.Text, m.Buttons = "Confirm the booking?", []tunnel.Button{{ID: "yes", Title: "Yes"}, {ID: "no", Title: "No"}}
	case "template":
		m.Template = &tunnel.Template{Name: "order_shipped", Language: "en_US", Parameters: map[string]string{"order": "A-1"}}
	}
	return m
}

func TestEveryTypeOnEveryChannelGetsVerifiedStatusWebhooks(t *testing.T) {
	lp := startLoop(t, Config{Seed: 1})
	type sent struct {
		channel string
		res     *tunnel.SendResult
	}
	var all []sent
	for _, ch := range tunnel.Channels {
		for _, typ := range tunnel.MessageTypes {
			res, err := lp.Client.Send(context.Background(), messageOf(ch, typ, recipients[ch]))
			if err != nil {
				t.Fatalf("%s %s: %v", ch, typ, err)
			}
			if res.MessageID == "" || res.MessageStatus != "queued" || res.Status != 200 || res.Recorded != nil {
				t.Fatalf("%s %s: %+v", ch, typ, res)
			}
			all = append(all, sent{ch, res})
		}
	}
	lp.drain(t)
	for _, s := range all {
		got := lp.inbound(t, s.res.MessageID)
		var statuses []string
		for _, ev := range got {
			if ev.Signature.Status != sig.Pass || ev.Source != "dexatel" || ev.Type != "delivery" || ev.Correlation != s.res.MessageID {
				t.Fatalf("%s: webhook %s: %s/%s sig %+v corr %q", s.channel, ev.ID, ev.Source, ev.Type, ev.Signature, ev.Correlation)
			}
			statuses = append(statuses, tunnel.StatusOf(ev.Body))
		}
		if want := ChannelStatuses[s.channel]; !slices.Equal(statuses, want) {
			t.Fatalf("%s %s: statuses %v, want %v", s.channel, s.res.MessageID, statuses, want)
		}
		// The sent message is linked too: the outbound event, by the same key.
		out, err := lp.Store.Get(s.res.Event.ID)
		if err != nil || out.Direction != payloads.Outbound || out.Correlation != s.res.MessageID || len(out.Attempts) != 1 || out.Attempts[0].Status != 200 {
			t.Fatalf("outbound event: %v %+v", err, out)
		}
	}
}

func TestSentMessageIsStoredWithTheKeyRedacted(t *testing.T) {
	lp := startLoop(t, Config{Seed: 2})
	res, err := lp.Client.Send(context.Background(), messageOf("sms", "text", "+15551234567"))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := lp.Store.Get(res.Event.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := ev.Headers.Get("Authorization"); got != "[redacted]" {
		t.Fatalf("stored Authorization = %q", got)
	}
	if ev.Headers.Get(tunnel.IdempotencyHeader) != res.IdempotencyKey || ev.DedupKey == "" {
		t.Fatalf("idempotency key not kept: %v %q", ev.Headers, ev.DedupKey)
	}
	if res.Event.Headers.Get("Authorization") != "[redacted]" {
		t.Fatalf("returned event carries the key: %v", res.Event.Headers)
	}
	dump := fmt.Sprintf("%+v %s %s", ev, ev.Body, ev.Attempts[0].ResponseBody)
	if strings.Contains(dump, testKey) {
		t.Fatalf("the API key reached the history: %s", dump)
	}
	if ev.Direction != payloads.Outbound || ev.Attempts[0].Latency <= 0 || !bytes.Contains(ev.Attempts[0].ResponseBody, []byte(res.MessageID)) {
		t.Fatalf("answer not recorded: %+v", ev.Attempts)
	}
}

func TestInvalidRequestsNameTheField(t *testing.T) {
	lp := startLoop(t, Config{Seed: 3})
	lp.Client.Attempts = 1
	for _, c := range []struct {
		m     tunnel.Message
		field string
		why   string
	}{
		{messageOf("fax", "text", "+15551234567"), "channel", "unknown channel"},
		{messageOf("whatsapp", "text", "5551234567"), "recipient_id", "E.164"},
		{messageOf("sms", "text", "+1555"), "recipient_id", "E.164"},
		{messageOf("email", "text", "not-an-address"), "recipient_id", "email address"},
		{messageOf("telegram", "text", "@someone"), "recipient_id", "numeric Telegram chat id"},
		{messageOf("sms", "carrier-pigeon", "+15551234567"), "message_type", "unknown type"},
		{tunnel.Message{Channel: "sms", RecipientID: "+15551234567", MessageType: "text"}, "text", "required"},
		{tunnel.Message{Channel: "sms", RecipientID: "+15551234567", MessageType: "media", MediaURL: "ftp://x"}, "media_url", "http(s) URL"},
		{tunnel.Message{Channel: "viber", RecipientID: "+15551234567", MessageType: "button", Text: "Pick"}, "buttons", "want 1 to 3"},
		{tunnel.Message{Channel: "viber", RecipientID: "+15551234567", MessageType: "button", Text: "Pick",
			Buttons: []tunnel.Button{{ID: "a", Title: "A"}, {ID: "a", Title: "B"}}}, "buttons[1].id", "earlier button"},
		{tunnel.Message{Channel: "whatsapp", RecipientID: "+15551234567", MessageType: "template"}, "template.name", "required"},
		{tunnel.Message{Channel: "whatsapp", RecipientID: "+15551234567", MessageType: "template",
			Template: &tunnel.Template{Name: "hello"}}, "template.language", "required"},
	} {
		_, err := lp.Client.Send(context.Background(), c.m)
		var apiErr *tunnel.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != 422 || apiErr.Field != c.field || !strings.Contains(apiErr.Message, c.why) {
			t.Errorf("%+v: got %v, want 422 on %s (%s)", c.m, err, c.field, c.why)
			continue
		}
		if !strings.Contains(err.Error(), "field "+c.field) {
			t.Errorf("error text does not name the field: %v", err)
		}
	}
	// Raw bodies: an unknown field, a mistyped one, not JSON.
	for body, want := range map[string]string{
		`{"channel":"sms","recipient_id":"+15551234567","message_type":"text","text":"hi","colour":"red"}`: "field colour: unknown field",
		`{"channel":"sms","recipient_id":15551234567,"message_type":"text","text":"hi"}`:                   "field recipient_id: wrong type",
		`not json`: "400 Bad Request: body is not a JSON object",
	} {
		if _, err := lp.Client.Post(context.Background(), []byte(body)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", body, err, want)
		}
	}
	if n := len(lp.Sandbox.messages); n != 0 {
		t.Fatalf("invalid requests made %d messages", n)
	}
}

func TestWrongKeyGets401WithTheHint(t *testing.T) {
	lp := startLoop(t, Config{Seed: 4})
	lp.Client.Key = "sk_wrong_key_0000000000"
	res, err := lp.Client.Send(context.Background(), messageOf("sms", "text", "+15551234567"))
	var apiErr *tunnel.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 401 || !strings.Contains(err.Error(), "check the API key") || !strings.Contains(err.Error(), "scope") {
		t.Fatalf("got %v", err)
	}
	if res.Tries != 1 {
		t.Fatalf("a 401 was retried: %d tries", res.Tries)
	}
	if strings.Contains(err.Error(), lp.Client.Key) {
		t.Fatalf("the error prints the key: %v", err)
	}
	ev, gerr := lp.Store.Get(res.Event.ID)
	if gerr != nil || ev.Status != 401 || ev.Correlation != "" {
		t.Fatalf("failed send not recorded as such: %v %+v", gerr, ev)
	}
}

func TestRateLimitBurstIsRetriedWithOneIdempotencyKeyAndMakesOneMessage(t *testing.T) {
	url, st := startListener(t)
	sb, err := New(Config{Seed: 5, Key: testKey, Secret: testSecret, WebhookURL: url, StepDelay: 5 * time.Millisecond,
		RateLimit: 1, BurstLength: 2, RetryAfter: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	var mu sync.Mutex
	var keys []string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys = append(keys, r.Header.Get(tunnel.IdempotencyHeader))
		mu.Unlock()
		sb.ServeHTTP(w, r)
	}))
	defer api.Close()
	client := &tunnel.Client{BaseURL: api.URL, Key: testKey, Recorder: st, Backoff: func(int) time.Duration { return time.Millisecond }}
	start := time.Now()
	res, err := client.Send(context.Background(), messageOf("whatsapp", "text", "+15551234567"))
	if err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 2*time.Second {
		t.Fatalf("Retry-After: 1 not honoured: two 429s took %s", waited)
	}
	if res.Tries != 3 || len(keys) != 3 || keys[0] == "" || keys[0] != keys[1] || keys[1] != keys[2] {
		t.Fatalf("tries %d, keys %q", res.Tries, keys)
	}
	if len(sb.messages) != 1 {
		t.Fatalf("%d messages made", len(sb.messages))
	}
	ev, _ := st.Get(res.Event.ID)
	var got []int
	for _, a := range ev.Attempts {
		got = append(got, a.Status)
	}
	if !slices.Equal(got, []int{429, 429, 200}) {
		t.Fatalf("recorded tries %v", got)
	}
}

func TestLostAnswerIsRetriedToTheSameMessage(t *testing.T) {
	lp := startLoop(t, Config{Seed: 6, FailureRate: 1})
	res, err := lp.Client.Send(context.Background(), messageOf("sms", "text", "+15551234567"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Tries != 2 || len(lp.Sandbox.messages) != 1 || lp.Sandbox.messages[res.MessageID] == nil {
		t.Fatalf("tries %d, messages %d, id %s", res.Tries, len(lp.Sandbox.messages), res.MessageID)
	}
}

func TestIdempotencyKeyReusedWithAnotherBodyIsRefused(t *testing.T) {
	sb, api := startSandbox(t, Config{Key: testKey})
	post := func(body string) int {
		req, _ := http.NewRequest("POST", api+"/v1/send-message", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testKey)
		req.Header.Set(tunnel.IdempotencyHeader, "k1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	a := `{"channel":"sms","recipient_id":"+15551234567","message_type":"text","text":"a"}`
	if post(a) != 200 || post(a) != 200 || post(strings.Replace(a, `"a"`, `"b"`, 1)) != 422 || len(sb.messages) != 1 {
		t.Fatalf("idempotency: %d messages", len(sb.messages))
	}
}

func TestDuplicatesAndOutOfOrderStatusesWhenAsked(t *testing.T) {
	lp := startLoop(t, Config{Seed: 7, Duplicates: 1, Reorder: 1})
	res, err := lp.Client.Send(context.Background(), messageOf("whatsapp", "text", "+15551234567"))
	if err != nil {
		t.Fatal(err)
	}
	lp.drain(t)
	got := lp.inbound(t, res.MessageID)
	var arrivals []string
	for i, ev := range got {
		st := tunnel.StatusOf(ev.Body)
		dup := ev.DuplicateOf != ""
		if dup != (i%2 == 1) || (dup && ev.DuplicateOf != got[i-1].ID) {
			t.Fatalf("arrival %d (%s): duplicate_of %q", i, st, ev.DuplicateOf)
		}
		if !dup {
			arrivals = append(arrivals, st)
		}
	}
	if !slices.Equal(arrivals, []string{"delivered", "sent", "read"}) {
		t.Fatalf("arrival order %v, want delivered before sent", arrivals)
	}
	var flagged []Delivery
	for _, d := range lp.Sandbox.Deliveries() {
		if d.OutOfOrder || d.Duplicate {
			flagged = append(flagged, d)
		}
	}
	if len(flagged) != 4 || !flagged[0].OutOfOrder || flagged[0].Status != "delivered" {
		t.Fatalf("sandbox records %+v", flagged)
	}
}

func TestFailingRecipientsFail(t *testing.T) {
	lp := startLoop(t, Config{Seed: 8})
	for to, want := range map[string][]string{"+15005550001": {"failed"}, "+15005550002": {"sent", "undelivered"}} {
		res, err := lp.Client.Send(context.Background(), messageOf("sms", "text", to))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err = tunnel.WaitForStatus(ctx, lp.Store, res.MessageID, "delivered", 10*time.Millisecond)
		cancel()
		if !errors.Is(err, tunnel.ErrMessageFailed) {
			t.Fatalf("%s: wait delivered: %v", to, err)
		}
		lp.drain(t)
		var statuses []string
		for _, ev := range lp.inbound(t, res.MessageID) {
			statuses = append(statuses, tunnel.StatusOf(ev.Body))
		}
		if !slices.Equal(statuses, want) {
			t.Fatalf("%s: %v, want %v", to, statuses, want)
		}
	}
}

func TestWaitForStatusSeesDelivered(t *testing.T) {
	lp := startLoop(t, Config{Seed: 9})
	res, err := lp.Client.Send(context.Background(), messageOf("email", "text", "dev@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := tunnel.WaitForStatus(ctx, lp.Store, res.MessageID, "delivered", 10*time.Millisecond)
	if err != nil || st.Status != "delivered" || st.Event.Correlation != res.MessageID {
		t.Fatalf("%+v %v", st, err)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if _, err := tunnel.WaitForStatus(short, lp.Store, res.MessageID, "read", 10*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("email has no read receipts, wait read: %v", err)
	}
}

func TestWebhookNotAnswered2xxIsRetriedAndEveryTryRecorded(t *testing.T) {
	app, calls := webhookTarget(t, 500, 503)
	sb, api := startSandbox(t, Config{Seed: 10, Key: testKey, Secret: testSecret, WebhookURL: app.URL,
		StepDelay: time.Millisecond, WebhookBackoff: time.Millisecond})
	client := &tunnel.Client{BaseURL: api, Key: testKey}
	if _, err := client.Send(context.Background(), messageOf("sms", "text", "+15551234567")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := sb.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	var tries []string
	for _, d := range sb.Deliveries() {
		tries = append(tries, fmt.Sprintf("%s#%d:%d:%v", d.Status, d.Try, d.HTTPStatus, d.Final))
	}
	want := []string{"sent#1:500:false", "sent#2:503:false", "sent#3:200:true", "delivered#1:200:true"}
	if !slices.Equal(tries, want) || calls.Load() != 4 {
		t.Fatalf("tries %v (%d calls), want %v", tries, calls.Load(), want)
	}
}

func TestRepliesInBothFormats(t *testing.T) {
	t.Run("dexatel", func(t *testing.T) {
		lp := startLoop(t, Config{Seed: 11, Replies: 1, ReplyDelay: time.Millisecond})
		if _, err := lp.Client.Send(context.Background(), messageOf("sms", "text", "+15551234567")); err != nil {
			t.Fatal(err)
		}
		lp.drain(t)
		page, _ := lp.Store.List(tunnelQuery("type:message"))
		if len(page.Events) != 1 || page.Events[0].Signature.Status != sig.Pass || !bytes.Contains(page.Events[0].Body, []byte(`"from":"+15551234567"`)) {
			t.Fatalf("reply: %+v", page.Events)
		}
	})
	t.Run("dexra", func(t *testing.T) {
		lp := startLoop(t, Config{Seed: 12, Replies: 1, ReplyDelay: time.Millisecond, Format: FormatDexra})
		for range 2 {
			if _, err := lp.Client.Send(context.Background(), messageOf("telegram", "text", "123456789")); err != nil {
				t.Fatal(err)
			}
			lp.drain(t)
		}
		page, _ := lp.Store.List(tunnelQuery("source:dexra -type:send-message"))
		var types []string
		for _, ev := range page.Events {
			if ev.Signature.Status != sig.Pass || ev.Signature.Scheme != "dexra" {
				t.Fatalf("%s: %+v", ev.Type, ev.Signature)
			}
			types = append(types, ev.Type)
		}
		want := []string{"message_status", "message_status", "conversation_created", "message_in", "message_status", "message_status", "message_in"}
		if !slices.Equal(types, want) {
			t.Fatalf("dexra events %v, want %v", types, want)
		}
	})
}

func TestSeededRunIsRepeatable(t *testing.T) {
	run := func(seed uint64) []string {
		lp := startLoop(t, Config{Seed: seed, Duplicates: 0.4, Reorder: 0.4, RateLimit: 0.3, BurstLength: 1,
			RetryAfter: time.Millisecond, FailureRate: 0.2, Latency: 2 * time.Millisecond})
		var trace []string
		for i := range 8 {
			ch := tunnel.Channels[i%len(tunnel.Channels)]
			res, err := lp.Client.Send(context.Background(), messageOf(ch, "text", recipients[ch]))
			if err != nil {
				t.Fatal(err)
			}
			lp.drain(t)
			var got []string
			for _, ev := range lp.inbound(t, res.MessageID) {
				got = append(got, fmt.Sprintf("%s/dup=%v", tunnel.StatusOf(ev.Body), ev.DuplicateOf != ""))
			}
			trace = append(trace, fmt.Sprintf("%s tries=%d %v", res.MessageID, res.Tries, got))
		}
		return trace
	}
	a, b, c := run(42), run(42), run(43)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("seed 42 twice:\n%v\n%v", strings.Join(a, "\n"), strings.Join(b, "\n"))
	}
	if reflect.DeepEqual(a, c) {
		t.Fatalf("seeds 42 and 43 gave the same run")
	}
	joined := strings.Join(a, "\n")
	if !strings.Contains(joined, "dup=true") || !strings.Contains(joined, "tries=2") {
		t.Fatalf("the seeded run shows no misbehaviour:\n%s", joined)
	}
}

func TestConfigRefusesNonsense(t *testing.T) {
	for _, c := range []Config{
		{Format: "xml"},
		{WebhookURL: "http://127.0.0.1:1"},
		{Duplicates: 1.5},
	} {
		if _, err := New(c); err == nil {
			t.Errorf("New(%+v) accepted", c)
		}
	}
}

func TestALongRunRemembersBoundedMessages(t *testing.T) {
	defer func(n int) { maxKept = n }(maxKept)
	maxKept = 3
	sb, api := startSandbox(t, Config{Key: testKey})
	client := &tunnel.Client{BaseURL: api, Key: testKey}
	var ids []string
	for range 5 {
		res, err := client.Send(context.Background(), messageOf("sms", "text", "+15551234567"))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.MessageID)
	}
	sb.mu.Lock()
	n, k := len(sb.messages), len(sb.idem)
	sb.mu.Unlock()
	if n != 3 || k != 3 {
		t.Fatalf("remembers %d messages, %d keys", n, k)
	}
	get := func(id string) int {
		req, _ := http.NewRequest("GET", api+"/v1/messages/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+testKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if get(ids[0]) != 404 || get(ids[4]) != 200 {
		t.Fatalf("oldest %d, newest %d", get(ids[0]), get(ids[4]))
	}
}

func TestTimelineJoinsTheSendAndItsWebhooks(t *testing.T) {
	lp := startLoop(t, Config{Seed: 7, Duplicates: 1, Reorder: 1})
	res, err := lp.Client.Send(context.Background(), messageOf("whatsapp", "text", "+15551234567"))
	if err != nil {
		t.Fatal(err)
	}
	lp.drain(t)
	tl, err := tunnel.MessageTimeline(lp.Store, res.MessageID)
	if err != nil {
		t.Fatal(err)
	}
	if tl.Sent == nil || tl.Sent.ID != res.Event.ID {
		t.Fatalf("sent event not joined: %+v", tl.Sent)
	}
	var got []string
	for i, e := range tl.Entries {
		s := e.Status
		if e.Duplicate {
			s += "/dup"
		}
		if e.OutOfOrder {
			s += "/late"
		}
		if e.Offset < 0 || (i > 0 && e.Offset < tl.Entries[i-1].Offset) {
			t.Fatalf("offsets %v", tl.Entries)
		}
		got = append(got, s)
	}
	want := []string{"delivered", "delivered/dup", "sent/late", "sent/dup", "read", "read/dup"}
	if !slices.Equal(got, want) {
		t.Fatalf("timeline %v, want %v", got, want)
	}
}
