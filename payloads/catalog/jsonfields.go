package catalog

import "math"

// strAt is str(v, path...) for v decoded from body, which must be valid JSON, read from
// the body without decoding more than the answer: the listener asks for a few fields of
// every event (Classify, Derive) and needs no tree for them.
func strAt(body []byte, longs *longStrings, path ...string) string {
	pos, ok := rawValueAt(body, longs, rootAt(body), path...)
	if !ok {
		return ""
	}
	return strValue(body, pos)
}

// rootAt is where the value of valid JSON body starts.
func rootAt(body []byte) int {
	d := jsonDecoder{data: body}
	d.skipSpace()
	return d.pos
}

// rawValueAt finds the value at path from the one at pos in valid JSON, as at() does.
func rawValueAt(body []byte, longs *longStrings, pos int, path ...string) (int, bool) {
	d := jsonDecoder{data: body, pos: pos, skip: true, longs: longs}
	for _, k := range path {
		if !d.enter(k) {
			return 0, false
		}
	}
	return d.pos, true
}

// strValue is str's answer for the value at pos of valid JSON: its text when it is a
// string or a number.
func strValue(body []byte, pos int) string {
	d := jsonDecoder{data: body, pos: pos, exact: true}
	switch c := body[pos]; {
	case c == '"':
		s, _ := d.string()
		return s
	case c == '-' || '0' <= c && c <= '9':
		d.skip = true
		d.number()
		return string(body[pos:d.pos])
	}
	return ""
}

// enter moves d from the value at pos to its member k as at() finds it: an object's
// last k, or an array's element k.
func (d *jsonDecoder) enter(k string) bool {
	switch d.data[d.pos] {
	case '{':
		d.pos++
		d.skipSpace()
		if d.data[d.pos] == '}' {
			return false
		}
		found := -1
		for {
			match := d.keyIs(k)
			d.skipSpace()
			d.pos++ // ':'
			d.skipSpace()
			if match {
				found = d.pos // a later equal key replaces it, as in the decoded map
			}
			d.value()
			d.skipSpace()
			if d.data[d.pos] == ',' {
				d.pos++
				d.skipSpace()
				continue
			}
			break // '}'
		}
		if found < 0 {
			return false
		}
		d.pos = found
		return true
	case '[':
		i, ok := index(k, math.MaxInt)
		if !ok {
			return false
		}
		d.pos++
		d.skipSpace()
		if d.data[d.pos] == ']' {
			return false
		}
		for n := 0; n < i; n++ {
			d.value()
			d.skipSpace()
			if d.data[d.pos] != ',' {
				return false // fewer than i+1 elements
			}
			d.pos++
			d.skipSpace()
		}
		return true
	}
	return false
}

// keyIs reads the object key at pos and reports whether it decodes to k.
func (d *jsonDecoder) keyIs(k string) bool {
	start := d.pos + 1
	if end := plainRun(d.data, start); end < len(d.data) && d.data[end] == '"' {
		d.pos = end + 1
		return string(d.data[start:end]) == k
	}
	d.skip, d.exact = false, true
	key, _ := d.string()
	d.skip, d.exact = true, false
	return key == k
}

// minLongString is the length from which the validating pass notes where a string ends.
const minLongString = 128

// longStrings are where the body's first long strings start and end, noted by the pass
// that validates it, so the reads of single fields that follow jump over them instead
// of scanning a long text once per field.
type longStrings struct {
	n     int
	spans [8]struct{ start, end int }
}

func (l *longStrings) add(start, end int) {
	if end-start >= minLongString && l.n < len(l.spans) {
		l.spans[l.n].start, l.spans[l.n].end = start, end
		l.n++
	}
}

// end is where the string starting at start ends, if it is one of l.
func (l *longStrings) end(start int) (int, bool) {
	for _, s := range l.spans[:l.n] {
		if s.start == start {
			return s.end, true
		}
	}
	return 0, false
}
