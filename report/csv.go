package report

import (
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/tracers/tracers/analyze"
)

// csvHeader names the CSV columns.
func csvHeader() []string {
	return []string{
		"trace", "source", "destination", "protocol", "ttl", "attempt", "sent_at",
		"responder", "rtt_ms", "reply", "icmp_type", "icmp_code", "reply_ttl", "past_destination",
	}
}

// CSVWriter writes traces as CSV (RFC 4180): a header row, then one row
// per probe:
//
//	trace,source,destination,protocol,ttl,attempt,sent_at,responder,rtt_ms,reply,icmp_type,icmp_code,reply_ttl,past_destination
//	1,10.77.1.1,10.77.5.2,icmp,1,1,2024-05-01T12:00:00.000001Z,10.77.1.2,0.121,time-exceeded,11,0,64,false
//
// trace numbers the traces from 1 in the order added; attempt numbers the
// probes of one TTL from 1 in send order. The fields mean what the JSON
// fields of the same names do (see JSONWriter); those of an unanswered
// probe are empty, as are icmp_type and icmp_code for TCP answers.
// Responders stay numeric: CSV carries no names. Rows follow
// Options.StopAtEnd.
//
// Rows are buffered; Close flushes them. A CSVWriter is not safe for
// concurrent use.
type CSVWriter struct {
	w       io.Writer
	o       Options
	n       int // traces added
	started bool
	err     error // the first write error
	buf     []byte
	hops    []analyze.Hop
	all     []*analyze.Probe
	// The sent_at of the latest row up to the seconds, and its second:
	// rows of one trace share it.
	sec    int64
	secFmt []byte
}

// NewCSV returns a CSVWriter writing to w. Nothing is written before the
// first Add or Close.
func NewCSV(w io.Writer, o Options) *CSVWriter {
	return &CSVWriter{w: w, o: o}
}

// Add writes one row per probe of tr. No field it writes holds a comma,
// a quote, a line break or leading space, so none is quoted (RFC 4180),
// as encoding/csv would not quote them either; rows are appended to a
// buffer field by field rather than made of strings, which made CSV the
// slowest of the trace formats.
func (c *CSVWriter) Add(tr *analyze.Trace) error {
	c.start()
	c.n++
	c.hops, c.all = tr.AppendHops(c.hops[:0], c.all[:0])
	b := c.buf[:0]
	// What every row of the trace starts with.
	b = strconv.AppendInt(b, int64(c.n), 10)
	b = append(b, ',')
	b = tr.Src.AppendTo(b)
	b = append(b, ',')
	b = tr.Dst.AppendTo(b)
	b = append(b, ',')
	b = append(b, tr.Proto.String()...)
	b = append(b, ',')
	lead := len(b)
	for _, h := range c.o.shown(tr, c.hops) {
		for i, p := range h.Probes {
			if len(b) > 64<<10 {
				c.write(b[lead:])
				b = b[:lead]
			}
			b = append(b, b[:lead]...)
			b = strconv.AppendInt(b, int64(h.TTL), 10)
			b = append(b, ',')
			b = strconv.AppendInt(b, int64(i+1), 10)
			b = append(b, ',')
			b = c.appendTime(b, p.Sent)
			b = append(b, ',')
			if r := p.Reply; r != nil {
				b = r.From.AppendTo(b)
				b = append(b, ',')
				b = appendRTT(b, r.RTT)
				b = append(b, ',')
				b = append(b, r.Kind.String()...)
				b = append(b, ',')
				if isICMP(r) {
					b = strconv.AppendInt(b, int64(r.Type), 10)
					b = append(b, ',')
					b = strconv.AppendInt(b, int64(r.Code), 10)
				} else {
					b = append(b, ',')
				}
				b = append(b, ',')
				b = strconv.AppendInt(b, int64(r.TTL), 10)
			} else {
				b = append(b, ",,,,,"...)
			}
			b = append(b, ',')
			b = strconv.AppendBool(b, h.PastDest)
			b = append(b, '\n')
		}
	}
	c.write(b[lead:])
	c.buf = b[:0]
	return c.err
}

// appendTime appends t as time.RFC3339Nano formats it in UTC,
// "2024-05-01T12:00:00.000001Z": the part up to the seconds is formatted
// once per second, the fraction without trailing zeros.
func (c *CSVWriter) appendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	if sec := t.Unix(); sec != c.sec || c.secFmt == nil {
		c.sec = sec
		c.secFmt = t.Truncate(time.Second).AppendFormat(c.secFmt[:0], "2006-01-02T15:04:05")
	}
	b = append(b, c.secFmt...)
	if ns := t.Nanosecond(); ns != 0 {
		b = append(b, ".000000000"...)
		n := len(b)
		for i := n - 1; ns > 0; i-- {
			b[i] = byte('0' + ns%10)
			ns /= 10
		}
		for b[n-1] == '0' {
			n--
		}
		b = b[:n]
	}
	return append(b, 'Z')
}

// write writes b unless an earlier write failed.
func (c *CSVWriter) write(b []byte) {
	if c.err == nil && len(b) > 0 {
		_, c.err = c.w.Write(b)
	}
}

// Close writes the header row if no trace was added. It does not close
// the underlying writer.
func (c *CSVWriter) Close() error {
	c.start()
	return c.err
}

// start writes the header row once.
func (c *CSVWriter) start() {
	if c.started {
		return
	}
	c.started = true
	c.write([]byte(strings.Join(csvHeader(), ",") + "\n"))
}
