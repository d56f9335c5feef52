package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/netip"
	"strconv"
	"time"

	"github.com/tracers/tracers/analyze"
)

var errClosed = errors.New("report: writer closed")

// SchemaVersion is the "schema_version" of the JSON documents of run,
// replay (JSONWriter) and craft (ProbeJSON), as docs/tracers.schema.json
// describes them. It changes when a field changes meaning or goes away,
// not when one is added.
const SchemaVersion = 1

// appendJSON appends tr as JSONWriter lays it out: the object indented as
// json.Encoder with SetIndent("    ", "  ") would write it, starting at its
// opening brace, without a final newline. The schema is a contract with
// whoever reads the output; it is spelled out field by field here, in the
// order encoding/json wrote the struct that described it. sc is reused
// between calls.
func appendJSON(b []byte, tr *analyze.Trace, o Options, sc *scratch) []byte {
	b = append(b, "{\n      \"source\": \""...)
	b = tr.Src.AppendTo(b)
	b = append(b, "\",\n      \"destination\": \""...)
	b = tr.Dst.AppendTo(b)
	b = append(b, "\",\n      \"protocol\": \""...)
	b = append(b, tr.Proto.String()...)
	b = append(b, "\",\n      \"paris\": "...)
	b = strconv.AppendBool(b, o.paris(tr))
	b = append(b, ",\n      \"reached\": "...)
	b = strconv.AppendBool(b, tr.Reached())
	b = append(b, ",\n      \"dest_ttl\": "...)
	if d := tr.DestTTL(); d != 0 {
		b = strconv.AppendInt(b, int64(d), 10)
	} else {
		b = append(b, "null"...)
	}
	if o.GapSilent > 0 {
		b = append(b, ",\n      \"gap_limit\": {\n        \"after_ttl\": "...)
		b = strconv.AppendInt(b, int64(o.GapAfter), 10)
		b = append(b, ",\n        \"silent_ttls\": "...)
		b = strconv.AppendInt(b, int64(o.GapSilent), 10)
		b = append(b, "\n      }"...)
	}
	b = append(b, ",\n      \"hops\": ["...)
	sc.hops, sc.probes = tr.AppendHops(sc.hops[:0], sc.probes[:0])
	hops := o.shown(tr, sc.hops)
	for i, h := range hops {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n        {\n          \"ttl\": "...)
		b = strconv.AppendInt(b, int64(h.TTL), 10)
		if h.PastDest {
			b = append(b, ",\n          \"past_destination\": true"...)
		}
		if h.PastEnd {
			b = append(b, ",\n          \"past_end\": true"...)
		}
		b = append(b, ",\n          \"probes\": ["...)
		for k, p := range h.Probes {
			if k > 0 {
				b = append(b, ',')
			}
			b = appendProbe(b, p, o, sc)
		}
		if len(h.Probes) > 0 {
			b = append(b, "\n          "...)
		}
		b = append(b, "]\n        }"...)
	}
	if len(hops) > 0 {
		b = append(b, "\n      "...)
	}
	return append(b, "]\n    }"...)
}

// appendProbe appends one element of a hop's "probes" array.
func appendProbe(b []byte, p *analyze.Probe, o Options, sc *scratch) []byte {
	const in = "\n              " // the probe's fields
	b = append(b, "\n            {"+in+"\"sent_at\": \""...)
	b = sc.appendTime(b, p.Sent)
	b = append(b, "\","+in+"\"responder\": "...)
	r := p.Reply
	if r == nil {
		b = append(b, "null,"+in+"\"rtt_ms\": null,"+in+"\"reply\": null,"+
			in+"\"icmp_type\": null,"+in+"\"icmp_code\": null,"+in+"\"reply_ttl\": null"...)
		if p.Ambiguous {
			b = append(b, ","+in+"\"ambiguous\": true"...)
		}
		return append(b, "\n            }"...)
	}
	b = append(b, '"')
	b = sc.appendAddr(b, r.From)
	b = append(b, "\","...)
	if name := o.name(r.From); name != "" {
		b = append(b, in+"\"name\": "...)
		b = appendString(b, name, &sc.buf)
		b = append(b, ',')
	}
	b = append(b, in+"\"rtt_ms\": "...)
	b = appendRTT(b, r.RTT)
	b = append(b, ","+in+"\"reply\": \""...)
	b = append(b, r.Kind.String()...)
	b = append(b, "\","+in+"\"icmp_type\": "...)
	if isICMP(r) {
		b = appendByte(b, r.Type)
		b = append(b, ","+in+"\"icmp_code\": "...)
		b = appendByte(b, r.Code)
	} else {
		b = append(b, "null,"+in+"\"icmp_code\": null"...)
	}
	b = append(b, ","+in+"\"reply_ttl\": "...)
	b = appendByte(b, r.TTL)
	if r.Rewritten != 0 {
		b = append(b, ","+in+"\"rewritten\": ["...)
		sc.names = r.Rewritten.Names(sc.names[:0])
		for i, name := range sc.names {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, in+"  \""...)
			b = append(b, name...)
			b = append(b, '"')
		}
		b = append(b, in+"]"...)
	}
	if p.Ambiguous {
		b = append(b, ","+in+"\"ambiguous\": true"...)
	}
	return append(b, "\n            }"...)
}

// appendString appends s as a JSON string, escaped as encoding/json does
// without HTML escaping. Printable ASCII is copied; anything else (a host
// name from Options.Names could hold it) goes through encoding/json.
func appendString(b []byte, s string, scratch *bytes.Buffer) []byte {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	scratch.Reset()
	e := json.NewEncoder(scratch)
	e.SetEscapeHTML(false)
	if err := e.Encode(s); err != nil { // a string always encodes
		panic(err)
	}
	return append(b, bytes.TrimSuffix(scratch.Bytes(), []byte("\n"))...)
}

// JSONWriter streams traces as one JSON document,
//
//	{
//	  "schema_version": 1,
//	  "traces": [
//	    {"source": "10.77.1.1", "destination": "10.77.5.2", "protocol": "icmp",
//	     "paris": true, "reached": true, "dest_ttl": 2, "hops": [{"ttl": 1, "probes": [...]}, ...]}
//	  ]
//	}
//
// indented by two spaces, writing each trace as it is added, so that the
// output is a complete document as soon as Close has written its end.
//
// "paris" says whether the run kept every field a per-flow load balancer
// hashes constant (Options.Paris; see Paris).
//
// Per probe: "sent_at" (RFC 3339 with nanoseconds, UTC), and, null while
// unanswered, "responder", "rtt_ms" (milliseconds with microsecond
// precision), "reply" (analyze.Kind's name: "time-exceeded",
// "echo-reply", ...), "icmp_type" and "icmp_code" (also null for TCP
// answers) and "reply_ttl" (the reply's IP TTL). A probe carries "name"
// only when Options.Names gives one, "rewritten" (the names of
// analyze.Rewritten: "src-port", "ip-id", ...) only when the quote in an
// ICMP error shows fields of the probe changed on the way, "ambiguous": true only
// when it shares its identity, IP ID and checksum with the probe before
// it (replies to either cannot be told apart), a hop "past_destination": true only
// when it is past the destination, "past_end": true only when it is past
// the TTL where an unreachable stopped a trace that never reached the
// destination; "dest_ttl" is null when the destination
// never answered. "gap_limit" is there only when Options.GapSilent is set:
// a live run stopped after that many silent TTLs. Hops follow
// Options.StopAtEnd.
//
// A JSONWriter is not safe for concurrent use.
type JSONWriter struct {
	w       io.Writer
	o       Options
	started bool
	closed  bool
	err     error  // first write error, returned from then on
	buf     []byte // the bytes of one Add or Close, reused
	scratch scratch
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
	if !j.started {
		j.buf = append(j.buf[:0], "{\n  \"schema_version\": "+strconv.Itoa(SchemaVersion)+",\n  \"traces\": [\n    "...)
	} else {
		j.buf = append(j.buf[:0], ",\n    "...)
	}
	// No final newline: the next separator or Close ends the line.
	j.buf = appendJSON(j.buf, tr, j.o, &j.scratch)
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
	if !j.started {
		j.buf = append(j.buf[:0], "{\n  \"schema_version\": "+strconv.Itoa(SchemaVersion)+",\n  \"traces\": []\n}\n"...)
	} else {
		j.buf = append(j.buf[:0], "\n  ]\n}\n"...)
	}
	return j.write()
}

func (j *JSONWriter) write() error {
	if _, err := j.w.Write(j.buf); err != nil {
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

// scratch is what appendJSON reuses from one call to the next: the hops
// of a trace, a buffer for the rare string that needs escaping, the text
// of the latest second it formatted, which the probes of a trace mostly
// share, and of the latest responder, which the probes of a hop mostly
// share.
type scratch struct {
	hops   []analyze.Hop
	probes []*analyze.Probe // the hops' probes
	buf    bytes.Buffer
	sec    int64
	second []byte // sec as "2006-01-02T15:04:05.", UTC; nil when unset
	addr   netip.Addr
	text   []byte   // addr's text; nil when unset
	names  []string // a reply's rewritten fields
}

// appendAddr appends a as a.AppendTo does.
func (sc *scratch) appendAddr(b []byte, a netip.Addr) []byte {
	if sc.text == nil || a != sc.addr {
		sc.addr, sc.text = a, a.AppendTo(sc.text[:0])
	}
	return append(b, sc.text...)
}

// appendByte appends v in decimal, as strconv.AppendUint does.
func appendByte(b []byte, v uint8) []byte {
	switch {
	case v >= 100:
		return append(b, '0'+v/100, pairs[2*(v%100)], pairs[2*(v%100)+1])
	case v >= 10:
		return append(b, pairs[2*v], pairs[2*v+1])
	}
	return append(b, '0'+v)
}

// appendTime appends t in UTC as rfc3339Nano9 formats it.
func (sc *scratch) appendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	if sec := t.Unix(); sc.second == nil || sec != sc.sec {
		if y := t.Year(); y < 0 || y > 9999 {
			return t.AppendFormat(b, rfc3339Nano9)
		}
		sc.sec, sc.second = sec, t.AppendFormat(sc.second[:0], "2006-01-02T15:04:05.")
	}
	b = append(b, sc.second...)
	ns := t.Nanosecond() // nine digits: one, then four pairs
	r := ns % 1e8
	p0, p1, p2, p3 := r/1e6, r/1e4%100, r/100%100, r%100
	return append(b, byte('0'+ns/1e8),
		pairs[2*p0], pairs[2*p0+1], pairs[2*p1], pairs[2*p1+1],
		pairs[2*p2], pairs[2*p2+1], pairs[2*p3], pairs[2*p3+1], 'Z')
}

// pairs holds the two digits of 0 to 99, in order.
const pairs = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// appendRTT appends d as formatMS(msValue(d)) formats it. Below 10^12
// microseconds the shortest decimal that reads back as the float64 is the
// exact count of milliseconds with at most three decimals, trailing zeros
// dropped: ms's text without them, which is quicker than strconv.
func appendRTT(b []byte, d time.Duration) []byte {
	if us := micros(d); us <= -1e12 || us >= 1e12 {
		return strconv.AppendFloat(b, msValue(d), 'f', -1, 64)
	}
	b = appendMS3(b, d)
	b = bytes.TrimRight(b, "0") // appendMS3 writes three decimals
	return bytes.TrimSuffix(b, []byte("."))
}

// Paris reports whether tr's probes kept constant what per-flow load
// balancers hash besides the addresses: the source and destination ports
// of UDP and TCP probes, the checksum of ICMP Echo probes (the first four
// bytes of the ICMP header, type, code and checksum, are what a balancer
// hashing ports reads in their place: Paris traceroute's icmp method keeps
// the checksum constant). A probe whose checksum the capture does not
// show (offload) makes an ICMP trace not Paris.
func Paris(tr *analyze.Trace) bool {
	if len(tr.Probes) == 0 {
		return false
	}
	first := tr.Probes[0]
	switch tr.Proto {
	case analyze.UDP, analyze.TCP:
		for _, p := range tr.Probes[1:] {
			if p.SrcPort != first.SrcPort || p.DstPort != first.DstPort {
				return false
			}
		}
		return true
	case analyze.ICMP:
		sum, ok := first.Checksum()
		for _, p := range tr.Probes[1:] {
			if s, sok := p.Checksum(); !ok || !sok || s != sum {
				return false
			}
		}
		return ok
	}
	return false
}

// paris is o.Paris(tr), or Paris(tr) without one.
func (o Options) paris(tr *analyze.Trace) bool {
	if o.Paris != nil {
		return o.Paris(tr)
	}
	return Paris(tr)
}
