package tunnel

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
)

// crashChildEnv, when set to a history path, makes this test binary a listener child.
const crashChildEnv = "DEXRA_TUI_TEST_LISTENER_CHILD"

func TestMain(m *testing.M) {
	if path := os.Getenv(crashChildEnv); path != "" {
		runListenerChild(path)
		return
	}
	os.Exit(m.Run())
}

// runListenerChild serves a listener on path until killed, after printing "ADDR <addr>".
func runListenerChild(path string) {
	st, err := store.Open(path, store.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: open store:", err)
		os.Exit(3)
	}
	l := NewListener(Config{Addr: "127.0.0.1:0", Verify: payloads.VerifyConfig{Secrets: []string{testSecret}}}, st, NewHub())
	addr, err := l.Listen()
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	fmt.Printf("ADDR %s\n", addr)
	if err := l.Serve(); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
}

func TestListenerLosesNoAcknowledgedEventOnSIGKILL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), crashChildEnv+"="+path)
	var stderr bytes.Buffer
	child.Stderr = &stderr
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer child.Process.Kill()
	addrLine := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		addrLine <- line
	}()
	var addr string
	select {
	case line := <-addrLine:
		addr = strings.TrimSpace(strings.TrimPrefix(line, "ADDR "))
	case <-time.After(10 * time.Second):
		t.Fatalf("child did not start: %s", stderr.String())
	}
	if addr == "" {
		t.Fatalf("child printed no address: %s", stderr.String())
	}

	// 16 clients post as fast as they can until the child dies.
	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
	)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: 5 * time.Second}
	for c := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				body := dexatelDelivery(c*1_000_000+i, 1000)
				req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/crash", bytes.NewReader(body))
				req.Header.Set("X-Dexatel-Signature", signDexatel(testSecret, body))
				resp, err := client.Do(req)
				if err != nil {
					return // the child is gone
				}
				resp.Body.Close()
				if resp.StatusCode/100 == 2 {
					mu.Lock()
					acked = append(acked, resp.Header.Get(EventIDHeader))
					mu.Unlock()
				}
			}
		}()
	}
	// Kill midway: once a good number is acknowledged, with requests still in flight.
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 300 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	if len(acked) < 100 {
		t.Fatalf("only %d requests acknowledged before the kill; child stderr: %s", len(acked), stderr.String())
	}
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatalf("reopen history after SIGKILL: %v", err)
	}
	defer st.Close()
	for _, id := range acked {
		if id == "" {
			t.Fatal("a 2xx answer without an event id")
		}
		if _, err := st.Get(id); err != nil {
			t.Errorf("acknowledged event %s lost: %v", id, err)
		}
	}
	stats, err := st.Stats()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d acknowledged before SIGKILL, %d in the history after it", len(acked), stats.Total)
}
