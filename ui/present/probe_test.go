package present

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
)

func probeBig(size int) []byte {
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

func TestProbe(t *testing.T) {
	body := probeBig(4 << 20)
	ev := &payloads.Event{Method: "POST", Path: "/x", Headers: http.Header{"Content-Type": {"application/json"}}, Body: body}
	payloads.Analyze(ev, payloads.VerifyConfig{})
	t.Logf("source %q type %q kind %v", ev.Source, ev.Type, ev.BodyKind)
	for name, f := range map[string]func(){
		"schema": func() { Schema(ev) }, "raw": func() { Raw(ev) }, "body": func() { Body(ev, 60) }, "headers": func() { Headers(ev) },
		"valid": func() { payloads.KindOf(body) },
	} {
		s := time.Now()
		f()
		t.Logf("%s %v", name, time.Since(s))
	}
}
