package store

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/dexra/dexra-tui/payloads"
)

func TestIDsWithPrefixFindsByAnyCase(t *testing.T) {
	st, err := Open(filepath.Join(t.TempDir(), "h.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, id := range []string{"01JAAAAAAA0000000000000001", "01JAAAAAAB0000000000000002", "01JBBBBBBB0000000000000003"} {
		if err := st.Append(&payloads.Event{ID: id, Method: "POST", Path: "/"}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.IDsWithPrefix("01jaaaaaa", 10)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"01JAAAAAAA0000000000000001", "01JAAAAAAB0000000000000002"}) {
		t.Fatalf("got %v", got)
	}
	if got, _ := st.IDsWithPrefix("01JA", 1); len(got) != 1 {
		t.Fatalf("limit: got %v", got)
	}
	if got, _ := st.IDsWithPrefix("01JC", 10); len(got) != 0 {
		t.Fatalf("no match: got %v", got)
	}
}
