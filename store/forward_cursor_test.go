package store

import (
	"path/filepath"
	"testing"
)

func TestForwardCursorsSurviveAReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	st, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := st.ForwardCursor("http://a"); ok || err != nil {
		t.Fatalf("a new history has a cursor: %v %v", ok, err)
	}
	if err := st.SetForwardCursors(map[string]uint64{"http://a": 7, "/x=http://b": 9}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if st, err = Open(path, Options{}); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for target, want := range map[string]uint64{"http://a": 7, "/x=http://b": 9} {
		if got, ok, err := st.ForwardCursor(target); !ok || got != want || err != nil {
			t.Errorf("%s: %d %v %v, want %d", target, got, ok, err, want)
		}
	}
}
