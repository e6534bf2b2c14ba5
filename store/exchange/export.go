package exchange

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
)

// EventWriter is one export format's writer.
type EventWriter interface {
	Write(*payloads.Event) error
	Close() error
}

// NewWriter is format's writer over out (fixtures write the directory path instead);
// host is where curl, http and hurl exports send by default, version names the
// creator in HAR. For http, path (the file written, "" for a stream) places the
// exact body files beside it.
func NewWriter(format Format, out io.Writer, path, host, version string) (EventWriter, error) {
	switch format {
	case JSONL:
		return NewJSONLWriter(out), nil
	case HAR:
		return NewHARWriter(out, version), nil
	case Curl:
		return NewCurlWriter(out, host), nil
	case HTTPFile:
		var dir, ref string
		if path != "" {
			ref = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)) + ".bodies"
			dir = filepath.Join(filepath.Dir(path), ref)
		}
		return NewHTTPFileWriter(out, host, dir, ref), nil
	case Hurl:
		return NewHurlWriter(out), nil
	case Fixtures:
		return NewFixtureDirWriter(path)
	}
	return nil, fmt.Errorf("export: format %s has no writer", format)
}

// Source is what an export reads: events by ID, or a filter's matches page by page.
type Source interface {
	Get(id string) (*payloads.Event, error)
	List(store.ListOptions) (store.Page, error)
}

// ExportPage is how many events an export reads at a time.
const ExportPage = 1000

// Export writes the events named (or, without IDs, the query's matches, oldest
// first), redacted, to w and counts them; progress (may be nil) hears the count after
// each page or ID.
func Export(h Source, ids []string, query string, red *Redactor, w EventWriter, progress func(written int)) (int, error) {
	n := 0
	report := func() {
		if progress != nil {
			progress(n)
		}
	}
	if len(ids) > 0 {
		for _, id := range ids {
			ev, err := h.Get(id)
			if err != nil {
				return n, err
			}
			if err := w.Write(red.Event(ev)); err != nil {
				return n, err
			}
			n++
			report()
		}
		return n, nil
	}
	// The next page is read while this one is written: reading and encoding each take
	// about half the time, and the machine has more than one core.
	type result struct {
		page store.Page
		err  error
	}
	pages := make(chan result, 2)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(pages)
		var cursor uint64
		for {
			page, err := h.List(store.ListOptions{Query: query, Cursor: cursor, Limit: ExportPage, OldestFirst: true, WithBody: true})
			select {
			case pages <- result{page, err}:
			case <-stop:
				return
			}
			if err != nil || page.Next == 0 {
				return
			}
			cursor = page.Next
		}
	}()
	for r := range pages {
		if r.err != nil {
			return n, fmt.Errorf("listing events: %w", r.err)
		}
		for _, ev := range r.page.Events {
			if err := w.Write(red.Event(ev)); err != nil {
				return n, err
			}
			n++
		}
		report()
	}
	return n, nil
}

// CreateFile is where a one-file export goes: a temporary file beside path, renamed
// over it by finish(true) (a failed export leaves no half file); finish(false) removes it.
func CreateFile(path string) (io.Writer, func(ok bool) error, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("export: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return nil, nil, fmt.Errorf("export: %w", err)
	}
	return tmp, func(ok bool) error {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
			return nil
		}
		err := tmp.Chmod(0o644)
		if err == nil {
			err = tmp.Close()
		} else {
			tmp.Close()
		}
		if err == nil {
			err = os.Rename(tmp.Name(), path)
		}
		if err != nil {
			os.Remove(tmp.Name())
			return fmt.Errorf("writing %s: %w", path, err)
		}
		return nil
	}, nil
}
