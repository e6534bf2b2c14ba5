package tunnel

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/dexra/dexra-tui/store"
)

func TestControlFindsIDsByPrefixLikeTheStore(t *testing.T) {
	st, c, _ := controlFixture(t)
	page, err := st.List(store.ListOptions{Limit: 1})
	if err != nil || len(page.Events) != 1 {
		t.Fatal(page, err)
	}
	prefix := page.Events[0].ID[:8]
	direct, err := st.IDsWithPrefix(prefix, 10)
	if err != nil {
		t.Fatal(err)
	}
	remote, err := c.IDsWithPrefix(prefix, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(direct) == 0 || !slices.Equal(direct, remote) {
		t.Fatalf("direct %v, over the socket %v", direct, remote)
	}
}

func TestControlTellsWhereTheListenerIs(t *testing.T) {
	st, c, _ := controlFixture(t)
	if c.ListenURL() != "" {
		t.Fatalf("no listener set, got %q", c.ListenURL())
	}
	sock := filepath.Join(t.TempDir(), "other.sock")
	cs, err := ServeControl(sock, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	cs.SetListenURL("http://127.0.0.1:5101")
	c2, err := DialControl(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if c2.ListenURL() != "http://127.0.0.1:5101" {
		t.Fatalf("got %q", c2.ListenURL())
	}
}

// Without a forwarder in the holding process, a retry request says so.
func TestControlRetryForwardsWithoutAForwarderIsUnsupported(t *testing.T) {
	_, c, _ := controlFixture(t)
	if _, _, err := c.RetryForwards(); !errors.Is(err, ErrControlUnsupported) {
		t.Fatalf("got %v", err)
	}
}
