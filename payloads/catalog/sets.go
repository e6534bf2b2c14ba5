package catalog

import (
	"encoding/json"
	"fmt"
	"sort"
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

// applySets applies dotted-path assignments in path order, so "data" is set before
// "data.x" whatever order the map gives.
func applySets(root *object, sets map[string]string) error {
	paths := make([]string, 0, len(sets))
	for p := range sets {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if err := setPath(root, p, sets[p]); err != nil {
			return fmt.Errorf("set %s: %w", p, err)
		}
	}
	return nil
}

// setPath assigns raw (JSON when it parses as JSON, else a string) at a dotted path,
// creating missing objects on the way.
func setPath(root *object, path, raw string) error {
	keys, err := splitPath(path)
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
	val, err := setValue(raw)
	if err != nil {
		return err
	}
	cur.set(keys[len(keys)-1], val)
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

func setValue(raw string) (any, error) {
	if !json.Valid([]byte(raw)) {
		return raw, nil
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
