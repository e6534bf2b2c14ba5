package tunnel

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads/sig"
)

func TestListenerShutdownLetsAnInFlightUploadFinish(t *testing.T) {
	tl := badInputListener(t, Config{})
	body := dexatelDelivery(20, 4000)
	pr, pw := io.Pipe()
	req, _ := http.NewRequest(http.MethodPost, tl.URL+"/dexatel", pr)
	req.ContentLength = int64(len(body))
	req.Header.Set("X-Dexatel-Signature", signDexatel(testSecret, body))
	answered := make(chan *http.Response, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("in-flight upload failed: %v", err)
			close(answered)
			return
		}
		answered <- resp
	}()
	half := len(body) / 2
	if _, err := pw.Write(body[:half]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the server is now inside the handler, reading

	shutdownDone := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		shutdownDone <- tl.L.Shutdown(ctx)
	}()
	select {
	case err := <-shutdownDone:
		t.Fatalf("Shutdown returned (%v) while a request was in flight", err)
	case <-time.After(300 * time.Millisecond):
	}
	if _, err := http.Post(tl.URL+"/", "application/json", nil); err == nil {
		t.Fatal("a new request was accepted during shutdown")
	}

	if _, err := pw.Write(body[half:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	resp := <-answered
	if resp == nil {
		t.FailNow()
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("in-flight upload answered %d", resp.StatusCode)
	}
	if err := <-shutdownDone; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if ev := tl.stored(t, resp.Header.Get(EventIDHeader)); ev.Signature.Status != sig.Pass {
		t.Fatalf("in-flight event verdict %+v", ev.Signature)
	}
}
