package exchange

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
)

// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), the parts an export of
// received requests fills. Custom fields start with "_", as the spec allows.
type harFile struct {
	Log harLog `json:"log"`
}

type harLog struct {
	Version string     `json:"version"`
	Creator harCreator `json:"creator"`
	Entries []harEntry `json:"entries"`
}

type harCreator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type harEntry struct {
	StartedDateTime string      `json:"startedDateTime"`
	Time            float64     `json:"time"`
	Request         harRequest  `json:"request"`
	Response        harResponse `json:"response"`
	Cache           struct{}    `json:"cache"`
	Timings         harTimings  `json:"timings"`
	Comment         string      `json:"comment,omitempty"`
	// Dexra is the rest of the event: verdict, attempts, correlation, exact query.
	Dexra *harDexra `json:"_dexraTui,omitempty"`
}

type harRequest struct {
	Method      string       `json:"method"`
	URL         string       `json:"url"`
	HTTPVersion string       `json:"httpVersion"`
	Cookies     []harCookie  `json:"cookies"`
	Headers     []nameValue  `json:"headers"`
	QueryString []nameValue  `json:"queryString"`
	PostData    *harPostData `json:"postData,omitempty"`
	HeadersSize int          `json:"headersSize"`
	BodySize    int          `json:"bodySize"`
}

type harCookie struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harPostData struct {
	MimeType string         `json:"mimeType"`
	Text     string         `json:"text"`
	Params   []harPostParam `json:"params,omitempty"`
	// Encoding "base64" says Text is the body in base64 (a body that is not UTF-8).
	Encoding string `json:"_encoding,omitempty"`
}

type harPostParam struct {
	Name  string `json:"name"`
	Value string `json:"value,omitempty"`
}

type harResponse struct {
	Status      int         `json:"status"`
	StatusText  string      `json:"statusText"`
	HTTPVersion string      `json:"httpVersion"`
	Cookies     []harCookie `json:"cookies"`
	Headers     []nameValue `json:"headers"`
	Content     harContent  `json:"content"`
	RedirectURL string      `json:"redirectURL"`
	HeadersSize int         `json:"headersSize"`
	BodySize    int         `json:"bodySize"`
}

type harContent struct {
	Size     int    `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text,omitempty"`
}

type harTimings struct {
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

// harDexra keeps what HAR has no field for, so an import is lossless.
type harDexra struct {
	Version         int `json:"version"`
	*payloads.Event     // with the exact header names and values, as HAR's list may be reordered by tools
}

// HARWriter streams a HAR 1.2 file, one entry per event.
type HARWriter struct {
	w     *bufio.Writer
	n     int
	start bool
	ver   string
}

// NewHARWriter writes to w, naming creatorVersion as dexra-tui's version; Close ends the file.
func NewHARWriter(w io.Writer, creatorVersion string) *HARWriter {
	return &HARWriter{w: bufio.NewWriterSize(w, 256<<10), ver: creatorVersion}
}

func (hw *HARWriter) begin() error {
	if hw.start {
		return nil
	}
	hw.start = true
	head, err := json.Marshal(harCreator{Name: "dexra-tui", Version: hw.ver})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(hw.w, "{\"log\":{\"version\":\"1.2\",\"creator\":%s,\"entries\":[\n", head)
	return err
}

// Write adds ev (already redacted) as an entry.
func (hw *HARWriter) Write(ev *payloads.Event) error {
	if err := hw.begin(); err != nil {
		return err
	}
	b, err := marshalNoHTML(harEntryOf(ev))
	if err != nil {
		return fmt.Errorf("encode event %s as HAR: %w", ev.ID, err)
	}
	if hw.n > 0 {
		hw.w.WriteString(",\n")
	}
	hw.n++
	_, err = hw.w.Write(b)
	return err
}

// Close ends the file and flushes it.
func (hw *HARWriter) Close() error {
	if err := hw.begin(); err != nil {
		return err
	}
	hw.w.WriteString("\n]}}\n")
	return hw.w.Flush()
}

func harEntryOf(ev *payloads.Event) harEntry {
	host := ev.Host
	if host == "" {
		host = "localhost"
	}
	e := harEntry{
		StartedDateTime: ev.Received.UTC().Format(time.RFC3339Nano),
		Request: harRequest{
			Method:      ev.Method,
			URL:         "http://" + host + target(ev),
			HTTPVersion: "HTTP/1.1",
			Cookies:     []harCookie{},
			Headers:     []nameValue{},
			QueryString: []nameValue{},
			HeadersSize: -1,
			BodySize:    len(ev.Body),
		},
		Response: harResponse{
			Status:      ev.Status,
			StatusText:  http.StatusText(ev.Status),
			HTTPVersion: "HTTP/1.1",
			Cookies:     []harCookie{},
			Headers:     []nameValue{},
			Content:     harContent{Size: 0, MimeType: ""},
			HeadersSize: -1,
			BodySize:    -1,
		},
		Timings: harTimings{Send: 0, Wait: 0, Receive: 0},
		Comment: label(ev),
		Dexra:   &harDexra{Version: jsonlVersion, Event: ev},
	}
	for name, values := range ev.Headers {
		for _, v := range values {
			e.Request.Headers = append(e.Request.Headers, nameValue{Name: name, Value: v})
		}
	}
	sortNameValues(e.Request.Headers)
	if q, err := url.ParseQuery(ev.Query); err == nil {
		for name, values := range q {
			for _, v := range values {
				e.Request.QueryString = append(e.Request.QueryString, nameValue{Name: name, Value: v})
			}
		}
		sortNameValues(e.Request.QueryString)
	}
	if len(ev.Body) > 0 || ev.Method == http.MethodPost || ev.Method == http.MethodPut || ev.Method == http.MethodPatch {
		pd := &harPostData{MimeType: ev.Headers.Get("Content-Type")}
		if utf8.Valid(ev.Body) {
			pd.Text = string(ev.Body)
		} else {
			pd.Text, pd.Encoding = base64.StdEncoding.EncodeToString(ev.Body), "base64"
		}
		e.Request.PostData = pd
	}
	return e
}

func sortNameValues(list []nameValue) {
	// Stable by name, keeping the order of a header's values.
	for i := 1; i < len(list); i++ {
		for j := i; j > 0 && list[j].Name < list[j-1].Name; j-- {
			list[j], list[j-1] = list[j-1], list[j]
		}
	}
}

// ReadHAR reads a HAR file whole: dexra-tui's own entries exactly, other tools'
// entries as far as they carry a request. derive fills the derived fields of a foreign
// entry's event (source, type, signature verdict, …). An entry that cannot be read
// stops it with an error naming file and entry, and nothing is returned.
func ReadHAR(data []byte, file string, derive func(*payloads.Event)) ([]*payloads.Event, error) {
	var h harFile
	if err := json.Unmarshal(data, &h); err != nil {
		return nil, fmt.Errorf("%s: not a HAR file: %w", file, err)
	}
	if h.Log.Entries == nil {
		return nil, fmt.Errorf("%s: not a HAR file: no log.entries", file)
	}
	out := make([]*payloads.Event, 0, len(h.Log.Entries))
	for i, e := range h.Log.Entries {
		ev, err := harEvent(e, derive)
		if err != nil {
			return nil, fmt.Errorf("%s: entry %d (%s %s): %w", file, i+1, oneLine(e.Request.Method), oneLine(e.Request.URL), err)
		}
		out = append(out, ev)
	}
	return out, nil
}

func harEvent(e harEntry, derive func(*payloads.Event)) (*payloads.Event, error) {
	body, err := harBody(e.Request.PostData)
	if err != nil {
		return nil, err
	}
	if d := e.Dexra; d != nil && d.Event != nil {
		if d.Version != jsonlVersion {
			return nil, fmt.Errorf("_dexraTui version %d; this dexra-tui reads %d", d.Version, jsonlVersion)
		}
		ev := d.Event
		ev.Body = body
		if err := validEvent(ev); err != nil {
			return nil, err
		}
		ev.Seq, ev.DuplicateOf = 0, ""
		return ev, nil
	}
	if e.Request.Method == "" {
		return nil, fmt.Errorf("the request has no method")
	}
	u, err := url.Parse(e.Request.URL)
	if err != nil || u.Host == "" && !strings.HasPrefix(u.Path, "/") {
		return nil, fmt.Errorf("the request URL %q is not an absolute URL", oneLine(e.Request.URL))
	}
	received, err := time.Parse(time.RFC3339Nano, e.StartedDateTime)
	if err != nil || !validTime(received) {
		return nil, fmt.Errorf("startedDateTime %q is not an ISO 8601 time between 1970 and 9999", oneLine(e.StartedDateTime))
	}
	ev := &payloads.Event{
		Received:  received.UTC(),
		Direction: payloads.Inbound,
		Method:    strings.ToUpper(e.Request.Method),
		Path:      u.EscapedPath(),
		Query:     u.RawQuery,
		Host:      u.Host,
		Headers:   http.Header{},
		Body:      body,
		Status:    e.Response.Status,
	}
	if ev.Path == "" {
		ev.Path = "/"
	}
	for _, h := range e.Request.Headers {
		if strings.HasPrefix(h.Name, ":") {
			continue // HTTP/2 pseudo-headers of a browser's capture
		}
		ev.Headers.Add(h.Name, h.Value)
	}
	if ev.Headers.Get("Content-Type") == "" && e.Request.PostData != nil && e.Request.PostData.MimeType != "" {
		ev.Headers.Set("Content-Type", e.Request.PostData.MimeType)
	}
	ev.Signature = sig.Verdict{SecretIndex: -1}
	ev.Size = len(body)
	if derive != nil {
		derive(ev)
	}
	if err := validEvent(ev); err != nil {
		return nil, err
	}
	return ev, nil
}

func harBody(pd *harPostData) ([]byte, error) {
	if pd == nil {
		return nil, nil
	}
	if pd.Encoding == "base64" {
		b, err := base64.StdEncoding.DecodeString(pd.Text)
		if err != nil {
			return nil, fmt.Errorf("postData: _encoding is base64 but text is not: %w", err)
		}
		return b, nil
	}
	if pd.Text == "" && len(pd.Params) > 0 {
		v := url.Values{}
		for _, p := range pd.Params {
			v.Add(p.Name, p.Value)
		}
		return []byte(v.Encode()), nil
	}
	if pd.Text == "" {
		return nil, nil
	}
	return []byte(pd.Text), nil
}

func marshalNoHTML(v any) ([]byte, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return []byte(strings.TrimRight(b.String(), "\n")), nil
}
