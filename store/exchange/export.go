package exchange

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

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
			if err := w.Write(red.eventShared(ev)); err != nil {
				return n, err
			}
			n++
			report()
		}
		return n, nil
	}
	stop := make(chan struct{})
	prepare := redactPage(red)
	jw, lines := w.(*JSONLWriter)
	if lines {
		prepare = encodePage(red)
	}
	var pages <-chan pageResult
	if query == "" {
		pages = readWindows(h, prepare, stop)
	} else {
		pages = readPages(h, query, prepare, stop)
	}
	defer func() {
		close(stop)
		for range pages { // until every read has ended: h may be closed after Export
		}
	}()
	for r := range pages {
		if r.err != nil {
			return n, fmt.Errorf("listing events: %w", r.err)
		}
		if lines {
			err := jw.writeLines(*r.lines)
			lineBuffers.Put(r.lines)
			if err != nil {
				return n, err
			}
			n += r.n
			if r.encodeErr != nil {
				return n, r.encodeErr
			}
			report()
			continue
		}
		for _, ev := range r.events {
			if err := w.Write(ev); err != nil {
				return n, err
			}
			n++
		}
		report()
	}
	return n, nil
}

// pageResult is a page of an export's events, in order, redacted (events), or for
// jsonl already encoded (lines, n of them, then encodeErr if one failed), or why it
// could not be read (err).
type pageResult struct {
	events    []*payloads.Event
	lines     *[]byte
	n         int
	encodeErr error
	err       error
}

// preparer makes a page read into a pageResult on the goroutine that read it, so
// redacting and encoding run on as many cores as reading does.
type preparer func(events []*payloads.Event, err error) pageResult

func redactPage(red *Redactor) preparer {
	return func(events []*payloads.Event, err error) pageResult {
		out := make([]*payloads.Event, len(events)) // the Source's slice is left as it is
		for i, ev := range events {
			out[i] = red.eventShared(ev)
		}
		return pageResult{events: out, err: err}
	}
}

// lineBuffers hold encoded pages between the reader that encodes and the writer.
var lineBuffers = sync.Pool{New: func() any { return new([]byte) }}

func encodePage(red *Redactor) preparer {
	return func(events []*payloads.Event, err error) pageResult {
		r := pageResult{lines: lineBuffers.Get().(*[]byte), err: err}
		var names []string
		*r.lines, r.n, r.encodeErr = appendLines((*r.lines)[:0], events, red, &names)
		return r
	}
}

// appendLines appends the jsonl lines of events, redacted, to b and counts them; the
// first that cannot be encoded stops it with the lines before it appended.
func appendLines(b []byte, events []*payloads.Event, red *Redactor, names *[]string) ([]byte, int, error) {
	for i, ev := range events {
		if red != nil {
			ev = red.eventShared(ev)
		}
		line, err := appendRecord(b, ev, names)
		if err != nil {
			return b, i, fmt.Errorf("encode event %s: %w", ev.ID, err)
		}
		b = append(line, '\n')
	}
	return b, len(events), nil
}

// readPages sends the query's matches, oldest first, a page at a time, until the last
// page, an error or stop. The next page is read while this one is written: reading and
// encoding each take about half the time, and the machine has more than one core.
func readPages(h Source, query string, prepare preparer, stop <-chan struct{}) <-chan pageResult {
	pages := make(chan pageResult, 2)
	go func() {
		defer close(pages)
		readFrom(h, query, 0, prepare, sender(pages, stop))
	}()
	return pages
}

// sender sends on pages until stop is closed (then at once); it reports whether it sent.
func sender(pages chan<- pageResult, stop <-chan struct{}) func(pageResult) bool {
	return func(r pageResult) bool {
		select {
		case <-stop:
			return false
		default:
		}
		select {
		case pages <- r:
			return true
		case <-stop:
			return false
		}
	}
}

// readFrom sends the query's matches after cursor, a page at a time, until the last
// page, an error or a refused send.
func readFrom(h Source, query string, cursor uint64, prepare preparer, send func(pageResult) bool) {
	for {
		page, err := h.List(store.ListOptions{Query: query, Cursor: cursor, Limit: int(exportWindow), OldestFirst: true, WithBody: true})
		if !send(prepare(page.Events, err)) || err != nil || page.Next == 0 {
			return
		}
		cursor = page.Next
	}
}

// exportReaders is how many windows of the history an unfiltered export reads at
// once: reading a page (decoding every header, copying every body) takes longer than
// writing it, so one reader keeps the writer waiting.
var exportReaders = min(runtime.GOMAXPROCS(0), 2)

// exportWindow is how many seqs a page of an export spans (ExportPage; tests make it
// small).
var exportWindow uint64 = ExportPage

// readWindows is readPages of every event, read by exportReaders goroutines at once.
// After the first page, page k is the window of seqs (base+(k-1)*exportWindow,
// base+k*exportWindow], known before the page before it is read, because seqs are
// given in arrival order and only the oldest are removed (pruning). A page read past
// its window's end found a gap: it is cut at the end, and the rest is read a page
// after another (readFrom), so a gap costs a few pages' time and never an event.
func readWindows(h Source, prepare preparer, stop <-chan struct{}) <-chan pageResult {
	if exportReaders < 2 {
		return readPages(h, "", prepare, stop)
	}
	pages := make(chan pageResult, 1)
	go func() {
		defer close(pages)
		send := sender(pages, stop)
		first, err := h.List(store.ListOptions{Limit: int(exportWindow), OldestFirst: true, WithBody: true})
		if !send(prepare(first.Events, err)) || err != nil || first.Next == 0 {
			return
		}
		type result struct {
			pageResult
			last, gap bool // no event follows the window; the page went past its end
		}
		type window struct {
			from uint64 // exclusive
			read chan result
		}
		var readers sync.WaitGroup
		defer readers.Wait()
		done := make(chan struct{})
		defer close(done)
		windows := make(chan window, exportReaders) // in order, being read or read
		jobs := make(chan window)
		for range exportReaders {
			readers.Go(func() {
				for w := range jobs {
					page, err := h.List(store.ListOptions{Cursor: w.from, Limit: int(exportWindow), OldestFirst: true, WithBody: true})
					events := page.Events
					for len(events) > 0 && events[len(events)-1].Seq > w.from+exportWindow {
						events = events[:len(events)-1]
					}
					gap := len(events) < len(page.Events)
					w.read <- result{prepare(events, err), page.Next == 0 && !gap, gap}
				}
			})
		}
		readers.Go(func() {
			defer close(jobs)
			for from := first.Next; ; from += exportWindow {
				w := window{from: from, read: make(chan result, 1)}
				select {
				case windows <- w:
				case <-done:
					return
				}
				select {
				case jobs <- w:
				case <-done:
					return
				}
			}
		})
		for w := range windows {
			r := <-w.read
			if !send(r.pageResult) || r.err != nil || r.last {
				return
			}
			if r.gap {
				readFrom(h, "", w.from+exportWindow, prepare, send)
				return
			}
		}
	}()
	return pages
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
