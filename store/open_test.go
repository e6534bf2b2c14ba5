package store

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestOpenCreatesPrivateDirAndFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "dexra-tui", "history.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Path() != path {
		t.Errorf("Path() = %q, want %q", s.Path(), path)
	}
	for p, want := range map[string]os.FileMode{filepath.Dir(path): 0o700, path: 0o600} {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("%s mode %v, want %v", p, got, want)
		}
	}
	if s.db.NoSync {
		t.Error("NoSync must be off: an acknowledged event has to be on disk")
	}
}

func TestReopenKeepsEventsAndSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	evs := appendAll(t, s, 5)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st, err := s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Total != 5 || st.LastSeq != 5 {
		t.Fatalf("after reopen: %+v", st)
	}
	got, err := s.Get(evs[2].ID)
	if err != nil || string(got.Body) != string(evs[2].Body) {
		t.Fatalf("Get after reopen: %v", err)
	}
	ev := sampleEvent(100)
	if err := s.Append(ev); err != nil || ev.Seq != 6 {
		t.Fatalf("append after reopen: seq %d, %v", ev.Seq, err)
	}
	err = settledDB(t, s).View(func(tx *bolt.Tx) error {
		if v := u64(tx.Bucket(bucketMeta).Get(schemaKey)); v != schemaVersion {
			return fmt.Errorf("schema version %d", v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	appendAll(t, s, 2)
	err = settledDB(t, s).Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(schemaKey, seqKey(schemaVersion+1))
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	before, _ := os.ReadFile(path)

	_, err = Open(path, Options{})
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open = %v, want ErrSchemaTooNew", err)
	}
	for _, want := range []string{path, "newer dexra-tui", fmt.Sprintf("schema version %d", schemaVersion+1)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	after, _ := os.ReadFile(path)
	sameBytes(t, before, after, "history of a newer schema")
}

// TestOlderSchemaRefused: a history of a layout before schema 2 is refused, named as such,
// and left as it was.
func TestOlderSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	appendAll(t, s, 2)
	err = settledDB(t, s).Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(schemaKey, seqKey(1))
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	before, _ := os.ReadFile(path)

	_, err = Open(path, Options{})
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open = %v, want ErrCorrupt", err)
	}
	for _, want := range []string{path, "older dexra-tui", "schema version 1", "left untouched"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	after, _ := os.ReadFile(path)
	sameBytes(t, before, after, "history of an older schema")
}

func TestForeignBoltFileRefused(t *testing.T) {
	for name, opts := range map[string]*bolt.Options{
		"default":           nil,
		"unsynced freelist": {NoFreelistSync: true}, // bbolt rewrites these on open
	} {
		t.Run(name, func(t *testing.T) { testForeignBoltFile(t, opts) })
	}
}

func testForeignBoltFile(t *testing.T, opts *bolt.Options) {
	path := filepath.Join(t.TempDir(), "other.db")
	db, err := bolt.Open(path, 0o600, opts)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("their-data"))
		if err != nil {
			return err
		}
		return b.Put([]byte("k"), []byte("v"))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	before, _ := os.ReadFile(path)
	_, err = Open(path, Options{})
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Open(foreign bbolt file) = %v, want ErrCorrupt naming the file", err)
	}
	after, _ := os.ReadFile(path)
	sameBytes(t, before, after, "foreign bbolt file")
}

func TestEmptyFileBecomesHistory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	appendAll(t, s, 1)
}

func TestCorruptFileRefusedAndUntouched(t *testing.T) {
	dir := t.TempDir()
	random := make([]byte, 64<<10)
	rand.Read(random)

	// A real history, then cut short: its meta pages are intact, its data is not.
	real := filepath.Join(dir, "real.db")
	s, err := Open(real, Options{})
	if err != nil {
		t.Fatal(err)
	}
	bulkAppend(t, s, 0, 300, sampleEvent)
	s.Close()
	full, err := os.ReadFile(real)
	if err != nil {
		t.Fatal(err)
	}

	page := newHistoryPageSize // bbolt's page size for a new file
	zeroMeta := append([]byte(nil), full...)
	clear(zeroMeta[:2*page])

	for name, content := range map[string][]byte{
		"random bytes":           random,
		"random, 3 bytes":        random[:3],
		"truncated to 3 pages":   full[:3*page],
		"truncated to half":      full[:len(full)/2],
		"meta pages overwritten": zeroMeta,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".db")
			if err := os.WriteFile(path, content, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := Open(path, Options{})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded on a damaged file")
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open = %v, want ErrCorrupt", err)
			}
			for _, want := range []string{path, "left untouched", "--db"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			sameBytes(t, content, after, "damaged file")
		})
	}
}

func TestCheckBoltFileAcceptsHealthyHistory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	bulkAppend(t, s, 0, 300, sampleEvent)
	s.Close()
	if damage, err := checkBoltFile(path); damage != nil || err != nil {
		t.Fatalf("healthy history rejected: %v %v", damage, err)
	}
}

const lockedMessage = "is in use by another dexra-tui process (a listener or the console); stop it or pass --db"

func TestSecondOpenInProcessFailsFast(t *testing.T) {
	s := openTest(t, Options{})
	start := time.Now()
	_, err := Open(s.Path(), Options{})
	elapsed := time.Since(start)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open = %v, want ErrLocked", err)
	}
	if want := "history " + s.Path() + " " + lockedMessage; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if elapsed > 1500*time.Millisecond {
		t.Errorf("second Open took %v, want about 1s", elapsed)
	}
	// The first store is still usable.
	appendAll(t, s, 1)
}

// TestSecondOpenAcrossProcesses: a child process holds the history; this one fails fast.
func TestSecondOpenAcrossProcesses(t *testing.T) {
	if path := os.Getenv("DEXRA_TUI_TEST_HOLD"); path != "" {
		s, err := Open(path, Options{})
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("holding")
		time.Sleep(30 * time.Second) // killed by the parent long before
		s.Close()
		os.Exit(0)
	}
	path := filepath.Join(t.TempDir(), "history.db")
	child := startChild(t, "^TestSecondOpenAcrossProcesses$", "DEXRA_TUI_TEST_HOLD="+path)
	line, err := child.out.ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "holding" {
		t.Fatalf("child: %q %v", line, err)
	}
	start := time.Now()
	_, err = Open(path, Options{Timeout: 300 * time.Millisecond})
	elapsed := time.Since(start)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Open while a child holds it = %v, want ErrLocked naming the file", err)
	}
	if elapsed > time.Second {
		t.Errorf("Open took %v with a 300ms timeout", elapsed)
	}
	// Once the holder is gone the history opens.
	child.kill()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open after the holder exited: %v", err)
	}
	s.Close()
}

func TestOpenDirectoryIsNotCalledCorrupt(t *testing.T) {
	path := t.TempDir() // a directory where the history file should be
	_, err := Open(path, Options{})
	if err == nil || errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("Open(directory) = %v", err)
	}
}
