package tunnel

import (
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/store"
)

func TestParseRespond(t *testing.T) {
	good := map[string]Respond{
		"":                                     {Status: 200, Rate: 1},
		"500":                                  {Status: 500, Rate: 1},
		"500,rate=0.3":                         {Status: 500, Rate: 0.3},
		"429":                                  {Status: 429, Rate: 1, RetryAfter: "5"},
		"429,retry-after=30":                   {Status: 429, Rate: 1, RetryAfter: "30"},
		"200,delay=2s":                         {Status: 200, Rate: 1, Delay: 2 * time.Second},
		"timeout":                              {Timeout: true, Rate: 1, Delay: DefaultTimeoutHold},
		"timeout,delay=100ms":                  {Timeout: true, Rate: 1, Delay: 100 * time.Millisecond},
		" 503 , rate=0.5 ":                     {Status: 503, Rate: 0.5, RetryAfter: "5"},
		"TIMEOUT,rate=1":                       {Timeout: true, Rate: 1, Delay: DefaultTimeoutHold},
		"500,delay=1s,rate=0.1":                {Status: 500, Rate: 0.1, Delay: time.Second},
		`201,body={"ok":true,"n":1}`:           {Status: 201, Rate: 1, Body: []byte(`{"ok":true,"n":1}`)},
		"200,header=X-A:b,header=x-a: c,body=": {Status: 200, Rate: 1, Headers: http.Header{"X-A": {"b", "c"}}, Body: []byte{}},
		"500,rate=0.5,body=a,b=c":              {Status: 500, Rate: 0.5, Body: []byte("a,b=c")},
	}
	for spec, want := range good {
		got, err := ParseRespond(spec)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ParseRespond(%q) = %+v, %v; want %+v", spec, got, err, want)
			continue
		}
		back, err := ParseRespond(got.String())
		if err != nil || !reflect.DeepEqual(back, got) {
			t.Errorf("String() of %q = %q does not read back: %+v %v", spec, got.String(), back, err)
		}
	}
	for _, bad := range []string{"abc", "99", "600", "500,rate=0", "500,rate=2", "500,delay=x", "500,foo=1", "500,rate", "429,retry-after=soon", "500,header=X", "500,header=X Y:z", "timeout,body=x"} {
		if _, err := ParseRespond(bad); err == nil {
			t.Errorf("ParseRespond(%q) accepted", bad)
		}
	}
}

func FuzzParseRespond(f *testing.F) {
	for _, s := range []string{"", "500", "500,rate=0.3", "429,retry-after=3", "timeout,delay=1s", "200,delay=5s", "x,y=z", "201,header=A:b,body={}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		r, err := ParseRespond(spec)
		if err != nil {
			return
		}
		back, err := ParseRespond(r.String())
		if err != nil || !reflect.DeepEqual(back, r) {
			t.Fatalf("%q → %+v → %q → %+v, %v", spec, r, r.String(), back, err)
		}
	})
}

func TestResponderRateSplitsRequests(t *testing.T) {
	rs := NewResponder(Respond{Status: 500, Rate: 0.3})
	rolls := []float64{0.1, 0.29, 0.3, 0.9}
	rs.roll = func() float64 { v := rolls[0]; rolls = rolls[1:]; return v }
	var got []int
	for range 4 {
		got = append(got, rs.decide().Status)
	}
	if want := []int{500, 500, 200, 200}; !equalInts(got, want) {
		t.Fatalf("statuses %v, want %v", got, want)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The simulated answer is what the sender gets, and what the event records; the event
// is committed either way.
func TestListenerSimulatedAnswers(t *testing.T) {
	rs := NewResponder(Respond{Status: 200, Rate: 1})
	lt := startListener(t, Config{Responder: rs})

	post := func() *http.Response {
		t.Helper()
		resp, err := http.Post(lt.URL+"/dexatel", "application/json", strings.NewReader(`{"data":{"event":"delivery"}}`))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	if resp := post(); resp.StatusCode != 200 {
		t.Fatalf("normal answer %d", resp.StatusCode)
	}
	rs.Set(mustRespond(t, "429"))
	resp := post()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "5" || resp.Header.Get(EventIDHeader) == "" {
		t.Fatalf("429 answer: %d %v", resp.StatusCode, resp.Header)
	}
	ev, err := lt.Store.Get(resp.Header.Get(EventIDHeader))
	if err != nil || ev.Status != 429 || ev.Simulated != "429" {
		t.Fatalf("recorded %+v %v", ev, err)
	}

	rs.Set(mustRespond(t, `201,header=X-Test:yes,body={"ok":true}`))
	resp, err = http.Post(lt.URL+"/dexatel", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 || string(answer) != `{"ok":true}` || resp.Header.Get("X-Test") != "yes" || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("custom answer: %d %q %v", resp.StatusCode, answer, resp.Header)
	}

	rs.Set(mustRespond(t, "timeout,delay=200ms"))
	client := &http.Client{Timeout: 5 * time.Second}
	start := time.Now()
	_, err = client.Post(lt.URL+"/dexatel", "application/json", strings.NewReader(`{"data":{}}`))
	if err == nil || time.Since(start) < 150*time.Millisecond {
		t.Fatalf("timeout mode must hold then drop the connection: err %v after %s", err, time.Since(start))
	}
	page, _ := lt.Store.List(store.ListOptions{Limit: 1})
	if len(page.Events) != 1 || page.Events[0].Simulated != "timeout,delay=200ms" || page.Events[0].Status != 0 {
		t.Fatalf("timeout event not recorded as such: %+v", page.Events)
	}

	// Shutdown does not wait out a long hold.
	rs.Set(mustRespond(t, "timeout"))
	go client.Post(lt.URL+"/dexatel", "application/json", strings.NewReader(`{}`))
	waitUntil(t, "the held event", func() bool { st, _ := lt.Store.Stats(); return st.Total == 5 })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := lt.L.Shutdown(ctx); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("shutdown waited on a simulated hold: %v", err)
	}
}

func mustRespond(t *testing.T, spec string) Respond {
	t.Helper()
	r, err := ParseRespond(spec)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
