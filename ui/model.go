package ui

import (
	"context"
	"os/exec"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/progress"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/tunnel"
	"github.com/dexra/dexra-tui/tunnel/public"
	"github.com/dexra/dexra-tui/ui/detail"
	"github.com/dexra/dexra-tui/ui/editor"
	"github.com/dexra/dexra-tui/ui/eventlist"
	"github.com/dexra/dexra-tui/ui/menu"
	"github.com/dexra/dexra-tui/ui/picker"
	"github.com/dexra/dexra-tui/ui/theme"
)

// focus is which pane takes navigation keys.
type focus uint8

const (
	focusList focus = iota
	focusDetail
)

// Timings.
const (
	filterDebounce = 120 * time.Millisecond // typing pause before a filter is applied
	toastFor       = 4 * time.Second
	triggerTimeout = 10 * time.Second
	tickEvery      = time.Second
)

// Model is the console's root model.
type Model struct {
	opts   Options
	ctx    context.Context
	keys   KeyMap
	styles *theme.Styles // shared with the components; replaced, never changed in place
	isDark bool

	width, height int
	screen        screen

	list   *eventlist.List
	detail *detail.Detail
	picker *picker.Picker
	menu   *menu.Menu // the small overlay menus (answers, a forward target)
	help   help.Model
	input  textinput.Model

	focus      focus
	showHelp   bool
	helpOffset int  // the help screen's first line shown
	reveal     bool // the secret is shown

	// filter state: what is typed, whether it parses, what is applied
	filtering  bool
	filterErr  error
	filterEdit uint64
	countGen   uint64
	count      int
	countCap   bool
	counting   bool
	countDirty bool
	countErr   error

	stats        store.Stats
	statsErr     error
	listenerErr  error // why the listener stopped on its own; nil while it runs
	statsLoading bool
	statsDirty   bool
	arrivals     arrivals
	now          time.Time
	toast        string
	toastIsError bool
	toastID      uint64
	tickEnabled  bool
	helpDrawn    string
	helpDrawnKey helpKey
	schedule     func(d time.Duration, msg tea.Msg) tea.Cmd

	// forwarding and replay
	editor         *editor.Editor
	execEditor     func(*exec.Cmd, tea.ExecCallback) tea.Cmd
	replay         *replayRun // the run in progress, nil when none
	afterTarget    string     // the key (r, e, R) waiting for a forward target typed in
	replayGen      uint64
	bar            progress.Model
	background     *background // replay runs still going
	health         []tunnel.TargetHealth
	replayed       map[int]payloads.Attempt // the latest replay to each forward target
	failedForwards int
	attemptsSeen   int  // forwards the forwarder had made at the last refresh of the rows
	attemptsDirty  bool // a replay recorded attempts since then

	compose composeState   // c: the compose form and its send (compose.go)
	commits store.Health   // the history's commits (failing: the listener answers 503)
	public  []public.State // the tunnel and relays, tunnel first
	check   *checkPanel    // the handler check's card (H)
	export  *exportRun     // the export in progress (x)
}

// New builds the console's root model.
func New(opts Options) *Model {
	opts.defaults()
	keys := DefaultKeyMap()
	styles := theme.New(true, opts.NoColor)
	m := &Model{
		opts:        opts,
		ctx:         context.Background(),
		keys:        keys,
		styles:      &styles,
		isDark:      true,
		now:         opts.Now(),
		tickEnabled: true,
		schedule: func(d time.Duration, msg tea.Msg) tea.Cmd {
			return tea.Tick(d, func(time.Time) tea.Msg { return msg })
		},
	}
	m.list = eventlist.New(opts.Reader, opts.Location, m.styles, keys.list())
	m.list.SetClock(opts.Now)
	m.list.SetEmptyHint("no events yet: press t for a sample")
	m.list.SetForwarding(opts.Forwarder != nil || len(opts.Replay.Targets) > 0)
	m.detail = detail.New(opts.Reader, opts.Location, m.styles, keys.detail())
	m.detail.SetIDFinder(opts.IDs)
	m.detail.SetForwarding(opts.Forwarder != nil)
	m.picker = picker.New(opts.Catalog, m.styles, keys.picker())
	m.menu = menu.New(m.styles, keys.menu())
	m.help = help.New()
	m.help.Styles = m.styles.Help
	m.input = newFilterInput(m.styles)
	m.editor = editor.New(m.styles, keys.editor())
	m.execEditor = runEditor
	m.bar = newProgressBar(m.styles)
	m.background = &background{}
	m.replayed = map[int]payloads.Attempt{}
	m.check = &checkPanel{}
	return m
}

// Init reads the first page and the counters and asks the terminal for its background.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.list.Init(), m.refreshStats(), m.refreshHealth(), m.refreshCommits(), m.readPublic(), seedRate(m.opts.Reader, m.now), tea.RequestBackgroundColor, m.tick())
}

// tick schedules the next clock tick.
func (m *Model) tick() tea.Cmd {
	if !m.tickEnabled {
		return nil
	}
	return tea.Tick(tickEvery, func(t time.Time) tea.Msg { return tickMsg{now: t} })
}
