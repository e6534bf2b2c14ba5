package catalog

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// ParseSet splits a command-line "a.b=v" into its path and value.
func ParseSet(arg string) (path, value string, err error) {
	path, value, ok := strings.Cut(arg, "=")
	if !ok {
		return "", "", fmt.Errorf("parse set %q: want path=value", arg)
	}
	if _, err := splitPath(path); err != nil {
		return "", "", fmt.Errorf("parse set %q: %w", arg, err)
	}
	return path, value, nil
}

// Set assigns Value at a dotted Path of a sample. Value keeps the sample's type there:
// a string field stays a string (a phone number or an id of digits is not turned into
// a number), a number or boolean field takes a number or boolean. Where the sample has
// no value, or an object or array, Value is JSON when it parses as JSON, else a string.
// JSON forces Value to be read as JSON (--set-json).
type Set struct {
	Path, Value string
	JSON        bool
}

// SetError is a Set that does not fit the sample or body (a value that is not JSON, or
// not of the type found at its path): the caller's input is wrong, not the sample.
type SetError struct {
	Set Set
	Err error
}

func (e *SetError) Error() string { return "set " + e.Set.Path + ": " + e.Err.Error() }

func (e *SetError) Unwrap() error { return e.Err }

// applySets applies the assignments in path order, so "data" is set before "data.x"
// whatever order they were given in; a later one of the same path wins.
func applySets(root *object, sets []Set) error {
	sorted := slices.Clone(sets)
	slices.SortStableFunc(sorted, func(a, b Set) int { return strings.Compare(a.Path, b.Path) })
	for _, set := range sorted {
		if err := setPath(root, set); err != nil {
			return &SetError{Set: set, Err: err}
		}
	}
	return nil
}

// setPath assigns set at its dotted path, creating missing objects on the way.
func setPath(root *object, set Set) error {
	keys, err := splitPath(set.Path)
	if err != nil {
		return err
	}
	cur := root
	for i, k := range keys[:len(keys)-1] {
		v, ok := cur.get(k)
		if !ok {
			next := obj()
			cur.set(k, next)
			cur = next
			continue
		}
		next, isObj := v.(*object)
		if !isObj {
			return fmt.Errorf("%s is %s, not an object", strings.Join(keys[:i+1], "."), kindOf(v))
		}
		cur = next
	}
	last := keys[len(keys)-1]
	old, _ := cur.get(last)
	val, err := setValue(set, old)
	if err != nil {
		return err
	}
	cur.set(last, val)
	return nil
}

func splitPath(path string) ([]string, error) {
	if path == "" {
		return nil, fmt.Errorf("empty path")
	}
	keys := strings.Split(path, ".")
	for _, k := range keys {
		if k == "" {
			return nil, fmt.Errorf("empty key in path %q", path)
		}
	}
	return keys, nil
}

// setValue is the value set assigns where the sample holds old (nil: nothing).
func setValue(set Set, old any) (any, error) {
	raw := set.Value
	if set.JSON {
		if !json.Valid([]byte(raw)) {
			return nil, fmt.Errorf("value %q is not JSON (use --set for a string)", raw)
		}
		return decodeJSONValue(raw)
	}
	switch old.(type) {
	case string:
		return raw, nil
	case json.Number, bool:
		v, err := decodeJSONValue(raw)
		if err != nil || kindOf(v) != kindOf(old) {
			return nil, fmt.Errorf("the sample has %s here and %q is not one (use --set-json to set another type)", kindOf(old), raw)
		}
		return v, nil
	}
	if !json.Valid([]byte(raw)) {
		return raw, nil
	}
	return decodeJSONValue(raw)
}

func decodeJSONValue(raw string) (any, error) {
	if !json.Valid([]byte(raw)) {
		return nil, fmt.Errorf("value %q is not JSON", raw)
	}
	v, err := decodeOrdered([]byte(raw))
	if err != nil {
		return nil, fmt.Errorf("decode value: %w", err)
	}
	return v, nil
}

func kindOf(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("a %T", v)
}
