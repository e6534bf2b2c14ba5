package payloads

import "github.com/dexra/dexra-tui/payloads/catalog"

// rejectedNote is the schema check of an event whose body the listener refused.
const rejectedNote = "not checked: body rejected"

// CheckSchema checks ev's body against the current catalog's schema of its source and
// type. It is not stored with the event: it is a pure function of those three, so it
// is computed where it is shown and never goes stale when the catalog changes. A
// refused event has no body to check and says so.
func CheckSchema(ev *Event) catalog.Result {
	if ev.Rejected != "" {
		return catalog.Result{Note: rejectedNote}
	}
	return catalog.Check(ev.Source, ev.Type, ev.Body)
}
