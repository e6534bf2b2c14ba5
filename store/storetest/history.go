// Package storetest builds large histories of realistic events for the tests and
// benchmarks of the packages that read them, through the store's exported API, and
// caches them in os.TempDir (a history of 1,000,000 events takes a minute to build).
package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store"
)

// Version names the content Event produces; bump it when that changes so cached
// histories are rebuilt.
const Version = 2 // 2: schema 4, record format 4

// Epoch is when event 0 arrived; event i arrives i milliseconds later.
var Epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

var statuses = [...]string{"delivered", "sent", "failed", "queued", "undelivered"}

// Event is event i of a realistic history: a signed delivery report, inbound message
// or chat event of ~900 B of JSON, with the headers a provider sends, a unique
// message id and a body-hash dedup key; every 20th fails its signature check, every
// 10th redelivers the previous body (a duplicate).
func Event(i int) *payloads.Event {
	key := i
	if i%10 == 9 {
		key = i - 1 // a redelivery of the previous event's body
	}
	at := Epoch.Add(time.Duration(i) * time.Millisecond)
	sent := Epoch.Add(time.Duration(key)*time.Millisecond - 1500*time.Millisecond)
	msg := fmt.Sprintf("6f1c2d3e-%04x-4b5a-9c8d-%012x", key%65536, key)
	source, path, typ := "dexatel", "/webhooks/dexatel", "delivery"
	switch {
	case i%20 >= 17:
		source, path, typ = "conversa", "/webhooks/conversa", []string{"conversation.created", "payment.paid"}[i%2]
	case i%20 >= 12:
		source, path, typ = "dexra", "/dexra/hooks", []string{"message_in", "conversation_created", "user_updated"}[i%3]
	case i%5 == 0:
		typ = "message"
	}
	status := statuses[key%len(statuses)]
	body := fmt.Sprintf(`{"event":%q,"data":{"id":%q,"account_id":"4ca07d94-5f0e-4d8b-9c1a-0e2b7d1f3a55",`+
		`"message_id":%q,"status":%q,"error_code":%d,"channel":"sms","from":"+1555010%04d","to":"+1555019%04d",`+
		`"text":"Your verification code is %06d. It expires in 10 minutes. Do not share it with anyone.",`+
		`"segments":1,"encoding":"GSM-7","price":{"amount":"0.0075","currency":"USD"},`+
		`"carrier":{"name":"Example Wireless","mcc":"310","mnc":"260","country":"US"},`+
		`"created_at":%q,"updated_at":%q,"tags":["otp","signup","web"],`+
		`"metadata":{"campaign":"onboarding-2026-q1","user_id":"u_%010d","locale":"en-US","attempt":%d},`+
		`"callback_url":"https://hooks.example.com/dexatel/status?tenant=acme-prod&region=us-east-1",`+
		`"trace":"00-%032x-%016x-01"}}`,
		typ, fmt.Sprintf("evt_%012d", key), msg, status, (key%7)*1000, key%10000, (key*7)%10000,
		(key*7919)%1_000_000, sent.Format(time.RFC3339Nano), at.Format(time.RFC3339Nano), key*31, key%3+1,
		uint64(key)*0x9e3779b97f4a7c15, uint64(key)*0xbf58476d1ce4e5b9)
	sum := sha256.Sum256([]byte(body))
	ev := &payloads.Event{
		ID: payloads.NewID(at), Received: at, Direction: payloads.Inbound, Method: http.MethodPost,
		Path: path, Host: "dexra-tui.example.test:4242", RemoteAddr: fmt.Sprintf("203.0.113.%d:%d", i%250+1, 40000+i%20000),
		Headers: http.Header{
			"Accept-Encoding":     {"gzip"},
			"Content-Length":      {fmt.Sprint(len(body))},
			"Content-Type":        {"application/json; charset=utf-8"},
			"User-Agent":          {"Dexatel-Webhooks/2.4 (+https://dexatel.com/webhooks)"},
			"X-Dexatel-Signature": {hex.EncodeToString(sum[:])},
			"X-Request-Id":        {fmt.Sprintf("req_%016x", uint64(i)*0x2545f4914f6cdd1d)},
		},
		Body: []byte(body), Size: len(body), BodyKind: payloads.BodyJSON,
		Source: source, Type: typ, Status: http.StatusOK,
		Signature:   sig.Verdict{Scheme: source, Status: sig.Pass},
		DedupKey:    "sha256:" + hex.EncodeToString(sum[:]),
		Correlation: msg,
		Summary:     strings.TrimSpace(status + " " + msg),
	}
	if i%20 == 7 {
		ev.Signature = sig.Verdict{Scheme: source, Status: sig.Fail, Reason: "signature mismatch", SecretIndex: -1}
	}
	return ev
}

// History is the path of a cached history of events Event(0) … Event(n-1), built on
// first use (by Append's durable path, in batches) and reused by later runs.
func History(tb testing.TB, n int) string {
	tb.Helper()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("dexra-tui-realistic-v%d-%d.db", Version, n))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	tmp := filepath.Join(os.TempDir(), fmt.Sprintf("dexra-tui-realistic-v%d-%d.building-%d", Version, n, os.Getpid()))
	defer os.RemoveAll(tmp)
	db := filepath.Join(tmp, "history.db")
	st, err := store.Open(db, store.Options{Retention: -1})
	if err != nil {
		tb.Fatal(err)
	}
	const batch = 10_000
	evs := make([]*payloads.Event, 0, batch)
	for start := 0; start < n; start += batch {
		evs = evs[:0]
		for i := start; i < min(start+batch, n); i++ {
			evs = append(evs, Event(i))
		}
		for _, err := range st.AppendBatch(evs) {
			if err != nil {
				st.Close()
				tb.Fatal(err)
			}
		}
	}
	if err := st.Close(); err != nil {
		tb.Fatal(err)
	}
	// The log beside it carries the history's ID: it moves with it.
	if err := os.Rename(db+".wal", path+".wal"); err != nil && !os.IsNotExist(err) {
		tb.Fatal(err)
	}
	if err := os.Rename(db, path); err != nil {
		tb.Fatal(err)
	}
	return path
}
