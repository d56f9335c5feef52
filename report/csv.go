package report

import (
	"encoding/csv"
	"io"
	"strconv"
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
	w       *csv.Writer
	o       Options
	n       int // traces added
	started bool
	row     []string
}

// NewCSV returns a CSVWriter writing to w. Nothing is written before the
// first Add or Close.
func NewCSV(w io.Writer, o Options) *CSVWriter {
	return &CSVWriter{w: csv.NewWriter(w), o: o, row: make([]string, len(csvHeader()))}
}

// Add writes one row per probe of tr.
func (c *CSVWriter) Add(tr *analyze.Trace) error {
	if err := c.start(); err != nil {
		return err
	}
	c.n++
	for _, h := range c.o.hops(tr) {
		for i, p := range h.Probes {
			row := c.row[:0]
			row = append(row,
				strconv.Itoa(c.n), tr.Src.String(), tr.Dst.String(), tr.Proto.String(),
				strconv.Itoa(h.TTL), strconv.Itoa(i+1), p.Sent.UTC().Format(time.RFC3339Nano))
			if r := p.Reply; r != nil {
				typ, code := "", ""
				if isICMP(r) {
					typ, code = strconv.Itoa(int(r.Type)), strconv.Itoa(int(r.Code))
				}
				row = append(row, r.From.String(), formatMS(msValue(r.RTT)), r.Kind.String(),
					typ, code, strconv.Itoa(int(r.TTL)))
			} else {
				row = append(row, "", "", "", "", "", "")
			}
			row = append(row, strconv.FormatBool(h.PastDest))
			if err := c.w.Write(row); err != nil {
				return err
			}
		}
	}
	return c.w.Error()
}

// Close writes the header row if no trace was added, then flushes. It does
// not close the underlying writer.
func (c *CSVWriter) Close() error {
	if err := c.start(); err != nil {
		return err
	}
	c.w.Flush()
	return c.w.Error()
}

// start writes the header row once.
func (c *CSVWriter) start() error {
	if c.started {
		return nil
	}
	c.started = true
	return c.w.Write(csvHeader())
}
