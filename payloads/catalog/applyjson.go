package catalog

import (
	"bytes"
	"errors"
	"fmt"
)

// ApplySets returns body (a JSON object) with sets applied as Sample applies them, keys
// kept in their order and written compact. No sets: body as it is, byte for byte.
func ApplySets(body []byte, sets []Set) ([]byte, error) {
	if len(sets) == 0 {
		return body, nil
	}
	doc, err := decodeOrdered(body)
	if err != nil {
		return nil, fmt.Errorf("apply --set: the body is not JSON: %w", err)
	}
	root, ok := doc.(*object)
	if !ok {
		return nil, errors.New("apply --set: the body is not a JSON object")
	}
	if err := applySets(root, sets); err != nil {
		return nil, fmt.Errorf("apply --set: %w", err)
	}
	var buf bytes.Buffer
	if err := encodeCompact(&buf, root); err != nil {
		return nil, fmt.Errorf("apply --set: %w", err)
	}
	return buf.Bytes(), nil
}
