//go:build linux

// Mounts a small tmpfs and sets RLIMIT_FSIZE: Linux only.

package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
)

// diskFull runs the full-disk scenario on a history at path: appends until commits
// fail (fill must have made that happen), sees appends refused and the failure told
// once, frees space (free), and sees appends taken again without reopening, every
// acknowledged event kept, across a reopen too.
func diskFull(t *testing.T, path string, fill, free func(), wantFailure string) {
	retryFirst, retryMax = 20*time.Millisecond, 100*time.Millisecond
	t.Cleanup(func() { retryFirst, retryMax = 250*time.Millisecond, time.Second })
	var mu sync.Mutex
	var states []Health
	s, err := Open(path, Options{Retention: -1, OnCommitState: func(h Health) {
		mu.Lock()
		states = append(states, h)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close() }()
	var acked []*payloads.Event
	appendOne := func(i int) error {
		ev := sampleEvent(i)
		ev.Body = []byte(strings.Repeat(fmt.Sprintf("%08d", i), 64)) // 512 bytes, incompressible enough
		err := s.Append(ev)
		if err == nil {
			acked = append(acked, ev)
		}
		return err
	}
	fill()
	i := 0
	var failure error
	for ; i < 200_000 && failure == nil; i++ {
		failure = appendOne(i)
		if failure == nil && i%64 == 0 {
			s.log.waitApplied() // let the history grow into the full disk too
		}
	}
	if failure == nil {
		t.Fatal("200,000 appends on a full disk all succeeded")
	}
	t.Logf("first failure after %d events: %v", len(acked), failure)
	if !strings.Contains(failure.Error(), wantFailure) {
		t.Fatalf("first failure %q, want one from %q", failure, wantFailure)
	}
	if !s.Health().Failing {
		t.Fatalf("Health after a failed commit: %+v", s.Health())
	}
	// A retry may heal on its own when the pages a failed commit held come free, room
	// inside the file (likelier with large pages): then fill it again, a few times.
	for attempt := 0; ; attempt++ {
		for range 5 {
			if err := appendOne(i); err == nil {
				t.Fatal("an append succeeded while commits fail and the disk is still full")
			}
			i++
		}
		time.Sleep(300 * time.Millisecond) // retries run meanwhile, and must not pretend
		h := s.Health()
		if h.Failing && h.Retries > 0 && h.Refused >= 5 {
			break
		}
		if h.Failing || attempt == 5 {
			t.Fatalf("Health while the disk stays full: %+v", h)
		}
		t.Logf("commits healed within the file's free pages (%+v): filling it again", h)
		for failure = nil; failure == nil && i < 400_000; i++ {
			failure = appendOne(i)
		}
		if failure == nil {
			t.Fatal("appends on a full disk all succeeded")
		}
	}
	free()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := appendOne(i)
		i++
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("appends still fail 10s after space came back: %v (%v)", err, s.Health())
		}
		time.Sleep(20 * time.Millisecond)
	}
	for range 50 {
		if err := appendOne(i); err != nil {
			t.Fatalf("append after healing: %v", err)
		}
		i++
	}
	if h := s.Health(); h.Failing {
		t.Fatalf("Health after healing: %v", h)
	}
	mu.Lock()
	if len(states) < 2 || !states[0].Failing || states[0].Err == nil || states[len(states)-1].Failing || states[len(states)-1].Refused < 5 {
		t.Errorf("commit states told: %+v; want the failure first, then the heal with the refused count", states)
	}
	t.Logf("states: %v", states)
	mu.Unlock()
	for _, ev := range acked {
		if got, err := s.Get(ev.ID); err != nil || got.Seq != ev.Seq {
			t.Fatalf("acknowledged event %d after healing: %v", ev.Seq, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	st, _ := r.Stats()
	if st.Total != len(acked) {
		t.Fatalf("after reopening: %d events, %d acknowledged", st.Total, len(acked))
	}
	for _, ev := range acked {
		if got, err := r.Get(ev.ID); err != nil || got.Seq != ev.Seq || string(got.Body) != string(ev.Body) {
			t.Fatalf("acknowledged event %d after reopening: %v", ev.Seq, err)
		}
	}
	if rep, err := Check(path); err != nil || !rep.OK() {
		t.Fatalf("Check after a full disk: %v %v", err, rep.Problems)
	}
}

// TestFullDiskHeals: on a 4 MiB tmpfs filled up by another file, so that the history
// fails first (its log has room filled ahead) or the log does (no room at all).
func TestFullDiskHeals(t *testing.T) {
	for _, c := range []struct {
		name   string
		filler int
		fails  string
	}{
		{"history", 2<<20 + 512<<10, "apply logged events to the history"},
		{"log", 4<<20 - 128<<10, "history log"},
	} {
		t.Run(c.name, func(t *testing.T) {
			mnt := filepath.Join(t.TempDir(), "fs")
			if err := os.Mkdir(mnt, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=4m"); err != nil {
				t.Skipf("cannot mount a tmpfs here (%v); TestFileSizeLimitHeals covers the same with RLIMIT_FSIZE", err)
			}
			t.Cleanup(func() { syscall.Unmount(mnt, syscall.MNT_DETACH) })
			filler := filepath.Join(mnt, "filler")
			diskFull(t, filepath.Join(mnt, "history.db"), func() {
				f, err := os.Create(filler)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				f.Write(make([]byte, c.filler)) // as much as fits
			}, func() {
				if err := os.Remove(filler); err != nil {
					t.Fatal(err)
				}
			}, c.fails)
		})
	}
}

// TestFileSizeLimitHeals: the same with a file-size limit (RLIMIT_FSIZE, SIGXFSZ
// ignored: writes past it fail with EFBIG), in a child process so no other file of
// the tests is limited; raising the limit is the space coming back.
func TestFileSizeLimitHeals(t *testing.T) {
	limit := os.Getenv("DEXRA_FSIZE_CHILD")
	if limit == "" {
		// 2 MiB: the history reaches it first; 512 KiB: the log's first room filled ahead.
		for _, l := range []string{"2097152", "524288"} {
			c := startChild(t, "^TestFileSizeLimitHeals$", "DEXRA_FSIZE_CHILD="+l)
			out, _ := io.ReadAll(c.out)
			if err := c.cmd.Wait(); err != nil || !strings.Contains(string(out), "PASS") {
				t.Fatalf("the child with a file-size limit of %s failed: %v\n%s", l, err, out)
			}
		}
		return
	}
	var cur uint64
	fmt.Sscan(limit, &cur)
	fails := map[uint64]string{2 << 20: "apply logged events to the history", 512 << 10: "history log"}[cur]
	signal.Ignore(syscall.SIGXFSZ)
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	diskFull(t, filepath.Join(t.TempDir(), "history.db"), func() {
		lim := syscall.Rlimit{Cur: cur, Max: old.Max}
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
			t.Fatal(err)
		}
	}, func() {
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
			t.Fatal(err)
		}
	}, fails)
}

// TestLogSyncFailureHeals: a sync that fails after its records were written leaves
// them unacknowledged: the log takes them back (their seqs go to the next events),
// zeroes them when it heals, and a crash after that finds a sound log with every
// acknowledged event and none of the refused ones.
func TestLogSyncFailureHeals(t *testing.T) {
	retryFirst, retryMax = 20*time.Millisecond, 100*time.Millisecond
	t.Cleanup(func() { retryFirst, retryMax = 250*time.Millisecond, time.Second })
	s := openTest(t, Options{})
	acked := appendAll(t, s, 3)
	logged, release := logOnly(t, s, 3, 2) // the log is not rewound: the refused records land past these
	acked = append(acked, logged...)
	full := syscall.ENOSPC
	failure := error(full)
	s.log.wal.failSync.Store(&failure)
	var refused []*payloads.Event
	for i := range 3 {
		ev := sampleEvent(10 + i)
		if err := s.Append(ev); err == nil {
			t.Fatal("Append succeeded while syncs fail")
		}
		refused = append(refused, ev)
	}
	s.log.wal.failSync.Store(nil)
	deadline := time.Now().Add(5 * time.Second)
	for i := 20; ; i++ {
		ev := sampleEvent(i)
		err := s.Append(ev)
		if err == nil {
			acked = append(acked, ev)
			if len(acked) == 8 {
				break
			}
			continue
		}
		if time.Now().After(deadline) {
			t.Fatalf("appends still fail after syncs work again: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for i, ev := range acked {
		if ev.Seq != uint64(i+1) {
			t.Fatalf("acknowledged event %d has seq %d: refused events kept their seqs", i, ev.Seq)
		}
	}
	path := crashCopy(t, s)
	release()
	r, err := Open(path, Options{Warn: func(w string) { t.Errorf("warned %q", w) }})
	if err != nil {
		t.Fatalf("open after healing and a crash: %v", err)
	}
	defer r.Close()
	for _, ev := range acked {
		if got, err := r.Get(ev.ID); err != nil || got.Seq != ev.Seq {
			t.Fatalf("acknowledged event %d: %v", ev.Seq, err)
		}
	}
	for _, ev := range refused {
		if _, err := r.Get(ev.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("refused event %s is in the history: %v", ev.ID, err)
		}
	}
	checkConsistency(t, r)
}
