package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"github.com/tracers/tracers/analyze"
)

var errClosed = errors.New("report: writer closed")

// jsonTrace, jsonHop and jsonProbe spell out the JSON schema, a contract
// with whoever reads the output: pointer fields encode as null when unset.
type jsonTrace struct {
	Source      string    `json:"source"`
	Destination string    `json:"destination"`
	Protocol    string    `json:"protocol"`
	Reached     bool      `json:"reached"`
	DestTTL     *int      `json:"dest_ttl"`
	Hops        []jsonHop `json:"hops"`
}

type jsonHop struct {
	TTL      int         `json:"ttl"`
	PastDest bool        `json:"past_destination,omitempty"`
	Probes   []jsonProbe `json:"probes"`
}

type jsonProbe struct {
	SentAt    string  `json:"sent_at"`
	Responder *string `json:"responder"`
	Name      string  `json:"name,omitempty"`
	RTT       *jsonMS `json:"rtt_ms"`
	Reply     *string `json:"reply"`
	ICMPType  *int    `json:"icmp_type"`
	ICMPCode  *int    `json:"icmp_code"`
	ReplyTTL  *int    `json:"reply_ttl"`
}

// jsonMS is a time in milliseconds, encoded in the fewest digits that
// read back as the same number (0.121, not 0.12100000000000001).
type jsonMS float64

// MarshalJSON implements json.Marshaler.
func (m jsonMS) MarshalJSON() ([]byte, error) { return []byte(formatMS(float64(m))), nil }

func ptr[T any](v T) *T { return &v }

// jsonOf converts tr to its JSON form.
func jsonOf(tr *analyze.Trace, o Options) jsonTrace {
	jt := jsonTrace{
		Source:      tr.Src.String(),
		Destination: tr.Dst.String(),
		Protocol:    tr.Proto.String(),
		Reached:     tr.Reached(),
		Hops:        []jsonHop{},
	}
	if d := tr.DestTTL(); d != 0 {
		jt.DestTTL = &d
	}
	for _, h := range o.hops(tr) {
		jh := jsonHop{TTL: h.TTL, PastDest: h.PastDest, Probes: make([]jsonProbe, 0, len(h.Probes))}
		for _, p := range h.Probes {
			jp := jsonProbe{SentAt: p.Sent.UTC().Format(rfc3339Nano9)}
			if r := p.Reply; r != nil {
				jp.Responder = ptr(r.From.String())
				jp.Name = o.name(r.From)
				jp.RTT = ptr(jsonMS(msValue(r.RTT)))
				jp.Reply = ptr(r.Kind.String())
				if isICMP(r) {
					jp.ICMPType, jp.ICMPCode = ptr(int(r.Type)), ptr(int(r.Code))
				}
				jp.ReplyTTL = ptr(int(r.TTL))
			}
			jh.Probes = append(jh.Probes, jp)
		}
		jt.Hops = append(jt.Hops, jh)
	}
	return jt
}

// JSONWriter streams traces as one JSON document,
//
//	{
//	  "traces": [
//	    {"source": "10.77.1.1", "destination": "10.77.5.2", "protocol": "icmp",
//	     "reached": true, "dest_ttl": 2, "hops": [{"ttl": 1, "probes": [...]}, ...]}
//	  ]
//	}
//
// indented by two spaces, writing each trace as it is added, so that the
// output is a complete document as soon as Close has written its end.
//
// Per probe: "sent_at" (RFC 3339 with nanoseconds, UTC), and, null while
// unanswered, "responder", "rtt_ms" (milliseconds with microsecond
// precision), "reply" (analyze.Kind's name: "time-exceeded",
// "echo-reply", ...), "icmp_type" and "icmp_code" (also null for TCP
// answers) and "reply_ttl" (the reply's IP TTL). A probe carries "name"
// only when Options.Names gives one, a hop "past_destination": true only
// when it is past the destination; "dest_ttl" is null when the destination
// never answered. Hops follow Options.StopAtEnd.
//
// A JSONWriter is not safe for concurrent use.
type JSONWriter struct {
	w       io.Writer
	o       Options
	started bool
	closed  bool
	err     error // first write error, returned from then on
	buf     bytes.Buffer
}

// NewJSON returns a JSONWriter writing to w. Nothing is written before the
// first Add or Close.
func NewJSON(w io.Writer, o Options) *JSONWriter { return &JSONWriter{w: w, o: o} }

// Add writes tr to the document.
func (j *JSONWriter) Add(tr *analyze.Trace) error {
	if j.err != nil {
		return j.err
	}
	if j.closed {
		return errClosed
	}
	j.buf.Reset()
	if !j.started {
		j.buf.WriteString("{\n  \"traces\": [\n    ")
	} else {
		j.buf.WriteString(",\n    ")
	}
	e := json.NewEncoder(&j.buf)
	e.SetEscapeHTML(false)
	e.SetIndent("    ", "  ")
	if err := e.Encode(jsonOf(tr, j.o)); err != nil {
		return err
	}
	j.buf.Truncate(j.buf.Len() - 1) // Encode's newline: the next separator or Close ends the line
	j.started = true
	return j.write()
}

// Close ends the document, writing {"traces": []} when no trace was
// added. It does not close the underlying writer. Closing twice does
// nothing more.
func (j *JSONWriter) Close() error {
	if j.err != nil || j.closed {
		return j.err
	}
	j.closed = true
	j.buf.Reset()
	if !j.started {
		j.buf.WriteString("{\n  \"traces\": []\n}\n")
	} else {
		j.buf.WriteString("\n  ]\n}\n")
	}
	return j.write()
}

func (j *JSONWriter) write() error {
	if _, err := j.w.Write(j.buf.Bytes()); err != nil {
		j.err = err
	}
	return j.err
}

// JSON writes traces as one complete document, as a JSONWriter would.
func JSON(w io.Writer, traces []*analyze.Trace, o Options) error {
	j := NewJSON(w, o)
	for _, tr := range traces {
		if err := j.Add(tr); err != nil {
			return err
		}
	}
	return j.Close()
}

// rfc3339Nano9 is RFC 3339 with all nine digits of nanoseconds, so that
// timestamps line up and compare as strings.
const rfc3339Nano9 = "2006-01-02T15:04:05.000000000Z07:00"
