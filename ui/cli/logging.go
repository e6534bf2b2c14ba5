package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"

	"github.com/dexra/dexra-tui/ui"
)

// stderrLogger is the headless listener's log: one line per record, level and message
// first, no timestamps (the printed events carry their own).
func stderrLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
		Level: slog.LevelInfo,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
}

// noticeHandler turns log records into console notices: the message and its
// attributes on one line, dropped rather than waited for when the console lags.
type noticeHandler struct {
	out   chan<- ui.Notice
	attrs []slog.Attr
}

func newNoticeLogger(out chan<- ui.Notice) *slog.Logger { return slog.New(&noticeHandler{out: out}) }

func (h *noticeHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h *noticeHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	write := func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	}
	for _, a := range h.attrs {
		write(a)
	}
	r.Attrs(write)
	select {
	case h.out <- ui.Notice{Text: b.String(), IsError: r.Level >= slog.LevelWarn}:
	default:
	}
	return nil
}

func (h *noticeHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &noticeHandler{out: h.out, attrs: append(slices.Clone(h.attrs), attrs...)}
}

func (h *noticeHandler) WithGroup(string) slog.Handler { return h }
