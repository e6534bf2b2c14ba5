// Package store keeps the history: bbolt, indexes, paging, retention, export/import.
package store

import (
	"errors"
	"time"

	"github.com/dexra/dexra-tui/payloads"
)

// placeholder below: replaced by the store implementation.

var (
	ErrNotFound = errors.New("event not found")
	ErrLocked   = errors.New("history is in use by another dexra-tui process")
	ErrCorrupt  = errors.New("history file is corrupt")
)

type Options struct {
	Timeout   time.Duration // lock wait; default 1s
	Retention int           // keep newest N events; 0 = default 1,000,000; <0 = keep all
}

type ListOptions struct {
	Query       string // filter language
	Cursor      uint64 // exclusive seq to continue after; 0 = start at the newest (or oldest)
	Limit       int    // 0 = all
	OldestFirst bool
	WithBody    bool // fill Event.Body (otherwise nil unless needed)
}

type Page struct {
	Events []*payloads.Event
	Next   uint64 // cursor for the next page; 0 = no more
}

type Stats struct {
	Total   int
	Failing int // signature status fail
	LastSeq uint64
}

// Reader is what the read commands and the console need; *Store and the control
// socket client both provide it.
type Reader interface {
	List(ListOptions) (Page, error)
	Get(id string) (*payloads.Event, error)
	Stats() (Stats, error)
	// Dedup says which event first carried key and how many events carry it.
	Dedup(key string) (DedupInfo, error)
}

type DedupInfo struct {
	FirstID string
	Count   int
}

type Store struct{}

func Open(path string, opts Options) (*Store, error)            { return nil, errors.New("unimplemented") }
func (s *Store) Close() error                                   { return nil }
func (s *Store) Path() string                                   { return "" }
func (s *Store) Append(ev *payloads.Event) error                { return nil }
func (s *Store) Get(id string) (*payloads.Event, error)         { return nil, ErrNotFound }
func (s *Store) List(o ListOptions) (Page, error)               { return Page{}, nil }
func (s *Store) Stats() (Stats, error)                          { return Stats{}, nil }
func (s *Store) Dedup(key string) (DedupInfo, error)            { return DedupInfo{}, nil }
func (s *Store) AddAttempt(id string, a payloads.Attempt) error { return nil }

type Filter struct{}

func ParseFilter(q string) (*Filter, error)     { return &Filter{}, nil }
func (f *Filter) Match(ev *payloads.Event) bool { return true }
