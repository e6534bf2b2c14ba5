package catalog

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

//go:embed schemas/*.json
var schemaFS embed.FS

// schemaBase is the $id prefix every embedded schema declares.
const schemaBase = "https://github.com/dexra/dexra-tui/payloads/catalog/schemas/"

// maxListed caps Unknown, Missing and Errors so a hostile body cannot bloat the history.
const maxListed = 50

// SchemaJSON returns the embedded JSON Schema of the type (nil if it has none).
func (e EventType) SchemaJSON() []byte {
	b, err := schemaFS.ReadFile("schemas/" + e.Name() + ".json")
	if err != nil {
		return nil
	}
	return b
}

var (
	compileOnce sync.Once
	compiled    map[string]*jsonschema.Schema
	compileErr  error
)

// schemas compiles every catalog schema once.
func schemas() (map[string]*jsonschema.Schema, error) {
	compileOnce.Do(func() { compiled, compileErr = compileAll() })
	return compiled, compileErr
}

func compileAll() (map[string]*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.AssertFormat() // the Dexatel seed says "string (uuid)": hold it to that
	out := make(map[string]*jsonschema.Schema, len(registry))
	for _, e := range registry {
		raw := e.SchemaJSON()
		if raw == nil {
			return nil, fmt.Errorf("compile schema %s: no embedded schema file", e.Name())
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("compile schema %s: %w", e.Name(), err)
		}
		url := schemaBase + e.Name() + ".json"
		if err := c.AddResource(url, doc); err != nil {
			return nil, fmt.Errorf("compile schema %s: %w", e.Name(), err)
		}
		sch, err := c.Compile(url)
		if err != nil {
			return nil, fmt.Errorf("compile schema %s: %w", e.Name(), err)
		}
		out[e.Name()] = sch
	}
	return out, nil
}

// Check validates body against the catalog schema of source.typ. Documented shapes
// report validator errors and Valid=false; undocumented ones report unknown and
// missing fields as hints only.
func Check(source, typ string, body []byte) Result { return check(source, typ, parse(body)) }

func check(source, typ string, b *parsedBody) Result {
	e, ok := lookup(source, typ)
	if !ok {
		return Result{Note: "no catalog schema for " + labelOf(source, typ)}
	}
	all, err := schemas()
	if err != nil {
		return Result{Note: "catalog schemas unavailable: " + err.Error()}
	}
	sch := all[e.Name()]
	res := Result{Checked: true, Documented: e.Documented, Valid: true}
	inst, ok := b.json()
	if !ok {
		res.Valid = false
		res.Errors = []string{"body is not JSON"}
		res.Note = e.Note
		return res
	}
	var w walk
	w.fields(sch, inst, "")
	sort.Strings(w.unknown)
	sort.Strings(w.missing)
	res.Unknown, res.Missing = capList(w.unknown), capList(w.missing)
	verr := sch.Validate(inst)
	switch {
	case e.Documented && verr != nil:
		res.Valid = false
		res.Errors = capList(leafErrors(verr, true))
		res.Note = "does not match the shape documented by " + e.Seed
	case !e.Documented:
		res.Note = e.Note
		// Missing fields are already listed; other differences (types, formats) become a hint.
		if hints := leafErrors(verr, false); len(hints) > 0 {
			res.Note += "; hint: " + first(hints)
		}
	}
	return res
}

func labelOf(source, typ string) string {
	if source == "" {
		source = "unknown"
	}
	if typ == "" {
		return source
	}
	return source + "." + typ
}

// leafErrors flattens a validation error tree to one "at '/ptr': reason" line per cause;
// withRequired=false leaves out missing-property causes.
func leafErrors(err error, withRequired bool) []string {
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []string{err.Error()}
	}
	var out []string
	var visit func(*jsonschema.ValidationError)
	visit = func(v *jsonschema.ValidationError) {
		if _, isRequired := v.ErrorKind.(*kind.Required); isRequired && !withRequired {
			return
		}
		if ap, ok := v.ErrorKind.(*kind.AdditionalProperties); ok {
			sort.Strings(ap.Properties) // the validator lists them in map order
		}
		if len(v.Causes) == 0 {
			leaf := jsonschema.ValidationError{SchemaURL: v.SchemaURL, InstanceLocation: v.InstanceLocation, ErrorKind: v.ErrorKind}
			out = append(out, leaf.Error())
			return
		}
		for _, c := range v.Causes {
			visit(c)
		}
	}
	visit(ve)
	sort.Strings(out)
	return dedupSorted(out)
}

func dedupSorted(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	if len(s) == 1 {
		return s[0]
	}
	return fmt.Sprintf("%s (and %d more)", s[0], len(s)-1)
}

func capList(s []string) []string {
	if len(s) <= maxListed {
		return s
	}
	out := append([]string(nil), s[:maxListed]...)
	return append(out, fmt.Sprintf("… %d more", len(s)-maxListed))
}

// walk compares an instance with a schema's declared properties and required lists.
type walk struct {
	unknown, missing []string
}

func (w *walk) fields(sch *jsonschema.Schema, v any, ptr string) {
	for sch != nil && sch.Ref != nil {
		sch = sch.Ref
	}
	if sch == nil {
		return
	}
	switch n := v.(type) {
	case map[string]any:
		for _, k := range sch.Required {
			if _, ok := n[k]; !ok {
				w.missing = append(w.missing, ptr+"/"+escapePointer(k))
			}
		}
		keys := make([]string, 0, len(n))
		for k := range n {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := ptr + "/" + escapePointer(k)
			if sub, ok := sch.Properties[k]; ok {
				w.fields(sub, n[k], p)
				continue
			}
			if declaresOnly(sch) && !matchesPattern(sch, k) {
				w.unknown = append(w.unknown, p)
			}
		}
	case []any:
		items := sch.Items2020
		if items == nil {
			items, _ = sch.Items.(*jsonschema.Schema)
		}
		if items == nil {
			return
		}
		for i, it := range n {
			w.fields(items, it, fmt.Sprintf("%s/%d", ptr, i))
		}
	}
}

// declaresOnly says whether the schema lists its properties (so others are unknown)
// rather than accepting any key through an additionalProperties schema.
func declaresOnly(sch *jsonschema.Schema) bool {
	if sch.Properties == nil {
		return false
	}
	_, open := sch.AdditionalProperties.(*jsonschema.Schema)
	return !open
}

func matchesPattern(sch *jsonschema.Schema, k string) bool {
	for re := range sch.PatternProperties {
		if re.MatchString(k) {
			return true
		}
	}
	return false
}

// escapePointer escapes one JSON Pointer token (RFC 6901).
func escapePointer(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}
