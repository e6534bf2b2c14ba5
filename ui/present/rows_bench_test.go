package present

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/dexra/dexra-tui/payloads"
)

// bigJSONBody is a 4 MiB JSON body of many small records, as a bulk webhook carries.
func bigJSONBody(size int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"data":{"event":"message","items":[`)
	for i := 0; b.Len() < size-200; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"text":"hello world number %d","ok":true,"n":null}`, i, i)
	}
	b.WriteString(`]}}`)
	return b.Bytes()
}

func BenchmarkBodyRows(b *testing.B) {
	body := bigJSONBody(4 << 20)
	for _, c := range []struct {
		name string
		f    func() Lazy
	}{
		{"json", func() Lazy { return BodyRows(&payloads.Event{Body: body, BodyKind: payloads.BodyJSON}, 60) }},
		{"text", func() Lazy { return BodyRows(&payloads.Event{Body: body, BodyKind: payloads.BodyText}, 60) }},
		{"raw", func() Lazy { return RawRows(&payloads.Event{Body: body}, 60) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				c.f()
			}
		})
	}
}
