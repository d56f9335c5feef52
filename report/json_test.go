package report_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/report"
)

func allTraces() []*analyze.Trace {
	var trs []*analyze.Trace
	for _, nt := range testTraces() {
		trs = append(trs, nt.tr)
	}
	return trs
}

func TestJSONGolden(t *testing.T) {
	for _, c := range []struct {
		name string
		o    report.Options
	}{
		{"json_replay", report.Options{Names: names}},
		{"json_run", report.Options{StopAtEnd: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := report.JSON(&b, allTraces(), c.o); err != nil {
				t.Fatal(err)
			}
			if !json.Valid(b.Bytes()) {
				t.Fatalf("JSON() wrote invalid JSON:\n%s", b.String())
			}
			golden(t, c.name, b.String())
		})
	}
}

// decode parses a JSON document into generic values.
func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, b)
	}
	return doc
}

// at walks a decoded document: string keys index objects, ints arrays.
func at(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, k := range path {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("at %v: %T is not an object", path, v)
			}
			if v, ok = m[k]; !ok {
				t.Fatalf("at %v: no key %q", path, k)
			}
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				t.Fatalf("at %v: %v has no element %d", path, v, k)
			}
			v = a[k]
		}
	}
	return v
}

func TestJSONFields(t *testing.T) {
	trs := map[string]*analyze.Trace{}
	for _, nt := range testTraces() {
		trs[nt.name] = nt.tr
	}
	var b bytes.Buffer
	in := []*analyze.Trace{trs["silent"], trs["pastdest"], trs["tcpreached"], trs["unreachable"]}
	if err := report.JSON(&b, in, report.Options{Names: names}); err != nil {
		t.Fatal(err)
	}
	doc := decode(t, b.Bytes())
	silent, pastdest, tcp, unreachable := []any{"traces", 0}, []any{"traces", 1}, []any{"traces", 2}, []any{"traces", 3}
	p := func(base []any, rest ...any) []any { return append(append([]any{}, base...), rest...) }

	tests := []struct {
		path []any
		want any
	}{
		{p(silent, "source"), "10.77.1.1"},
		{p(silent, "destination"), "10.77.5.2"},
		{p(silent, "protocol"), "icmp"},
		{p(silent, "reached"), true},
		{p(silent, "dest_ttl"), 4.0},
		{p(silent, "hops", 0, "ttl"), 1.0},
		{p(silent, "hops", 0, "probes", 0, "sent_at"), "2024-05-01T12:00:00.000000000Z"},
		{p(silent, "hops", 0, "probes", 1, "sent_at"), "2024-05-01T12:00:00.001000000Z"},
		{p(silent, "hops", 0, "probes", 0, "responder"), "10.77.1.2"},
		{p(silent, "hops", 0, "probes", 0, "name"), "gw.lab"},
		{p(silent, "hops", 0, "probes", 0, "rtt_ms"), 0.121},
		{p(silent, "hops", 0, "probes", 0, "reply"), "time-exceeded"},
		{p(silent, "hops", 0, "probes", 0, "icmp_type"), 11.0},
		{p(silent, "hops", 0, "probes", 0, "icmp_code"), 0.0},
		{p(silent, "hops", 0, "probes", 0, "reply_ttl"), 64.0},
		{p(silent, "hops", 1, "probes", 0, "responder"), nil},
		{p(silent, "hops", 1, "probes", 0, "rtt_ms"), nil},
		{p(silent, "hops", 1, "probes", 0, "reply"), nil},
		{p(silent, "hops", 1, "probes", 0, "icmp_type"), nil},
		{p(silent, "hops", 1, "probes", 0, "icmp_code"), nil},
		{p(silent, "hops", 1, "probes", 0, "reply_ttl"), nil},
		{p(silent, "hops", 3, "probes", 0, "reply"), "echo-reply"},
		{p(silent, "hops", 3, "probes", 0, "icmp_type"), 0.0},
		{p(pastdest, "protocol"), "udp"},
		{p(pastdest, "dest_ttl"), 2.0},
		{p(pastdest, "hops", 1, "probes", 0, "reply"), "port-unreachable"},
		{p(pastdest, "hops", 1, "probes", 0, "icmp_type"), 3.0},
		{p(pastdest, "hops", 1, "probes", 0, "icmp_code"), 3.0},
		{p(pastdest, "hops", 1, "probes", 0, "name"), "dst.lab"},
		{p(pastdest, "hops", 2, "past_destination"), true},
		{p(pastdest, "hops", 3, "past_destination"), true},
		{p(tcp, "protocol"), "tcp"},
		{p(tcp, "hops", 1, "probes", 0, "reply"), "tcp-synack"},
		{p(tcp, "hops", 1, "probes", 0, "icmp_type"), nil},
		{p(tcp, "hops", 1, "probes", 0, "icmp_code"), nil},
		{p(tcp, "hops", 1, "probes", 0, "reply_ttl"), 63.0},
		{p(unreachable, "reached"), false},
		{p(unreachable, "dest_ttl"), nil},
		{p(unreachable, "hops", 1, "probes", 0, "reply"), "host-unreachable"},
		{p(unreachable, "hops", 1, "probes", 0, "icmp_code"), 1.0},
	}
	for _, tt := range tests {
		if got := at(t, doc, tt.path...); got != tt.want {
			t.Errorf("JSON at %v = %#v, want %#v", tt.path, got, tt.want)
		}
	}

	// Keys that appear only when they say something.
	absent := [][]any{
		p(silent, "hops", 0, "past_destination"),
		p(pastdest, "hops", 1, "past_destination"),
		p(silent, "hops", 1, "probes", 0, "name"),      // unanswered
		p(silent, "hops", 2, "probes", 0, "name"),      // no name for 10.77.3.2
		p(unreachable, "hops", 2, "probes", 0, "name"), // unanswered
	}
	for _, path := range absent {
		obj := at(t, doc, path[:len(path)-1]...).(map[string]any)
		if v, ok := obj[path[len(path)-1].(string)]; ok {
			t.Errorf("JSON at %v = %#v, want no such key", path, v)
		}
	}

	// Milliseconds in their shortest form.
	for _, want := range []string{`"rtt_ms": 0.121,`, `"rtt_ms": 0.01,`, `"rtt_ms": 0.009,`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("JSON output lacks %s", want)
		}
	}
}

func TestJSONStopAtEnd(t *testing.T) {
	for _, nt := range testTraces() {
		var b bytes.Buffer
		if err := report.JSON(&b, []*analyze.Trace{nt.tr}, report.Options{StopAtEnd: true}); err != nil {
			t.Fatal(err)
		}
		hops := at(t, decode(t, b.Bytes()), "traces", 0, "hops").([]any)
		last := int(at(t, hops[len(hops)-1], "ttl").(float64))
		want := maxTTL(nt.tr)
		if e := nt.tr.EndTTL(); e != 0 {
			want = e
		}
		if last != want {
			t.Errorf("%s: JSON(StopAtEnd) ends at hop %d, want %d", nt.name, last, want)
		}
	}
}

// TestJSONGapLimit: "gap_limit" is written, with its two numbers, only
// when a run's gap limit ended the trace.
func TestJSONGapLimit(t *testing.T) {
	tr := testTraces()[0].tr
	tests := []struct {
		name string
		o    report.Options
		want any // the decoded "gap_limit", nil for none
	}{
		{"not stopped", report.Options{StopAtEnd: true}, nil},
		{"stopped", report.Options{StopAtEnd: true, GapSilent: 5, GapAfter: 8},
			map[string]any{"after_ttl": 8.0, "silent_ttls": 5.0}},
		{"nothing answered", report.Options{GapSilent: 3},
			map[string]any{"after_ttl": 0.0, "silent_ttls": 3.0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := report.JSON(&b, []*analyze.Trace{tr}, tc.o); err != nil {
				t.Fatal(err)
			}
			got := at(t, decode(t, b.Bytes()), "traces", 0).(map[string]any)["gap_limit"]
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("gap_limit (-want +got):\n%s", diff)
			}
		})
	}
}

func TestJSONWriterEmpty(t *testing.T) {
	var b bytes.Buffer
	j := report.NewJSON(&b, report.Options{})
	if b.Len() != 0 {
		t.Errorf("NewJSON wrote %q before any trace", b.String())
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	doc := decode(t, b.Bytes())
	if diff := cmp.Diff(map[string]any{"schema_version": 1.0, "traces": []any{}}, doc); diff != "" {
		t.Errorf("empty document mismatch (-want +got):\n%s", diff)
	}
	if err := j.Close(); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}
	if err := j.Add(allTraces()[0]); err == nil {
		t.Error("Add after Close succeeded, want an error")
	}
}

// TestJSONWriterStream checks that each trace is written when added, and
// that the document is whole once closed.
func TestJSONWriterStream(t *testing.T) {
	var b bytes.Buffer
	j := report.NewJSON(&b, report.Options{})
	trs := allTraces()
	for i, tr := range trs {
		before := b.Len()
		if err := j.Add(tr); err != nil {
			t.Fatal(err)
		}
		if b.Len() == before {
			t.Fatalf("Add(trace %d) wrote nothing", i)
		}
		// What is written so far, closed by hand, is a valid document.
		if doc := b.String() + "\n  ]\n}\n"; !json.Valid([]byte(doc)) {
			t.Fatalf("after Add(trace %d), output is no document prefix:\n%s", i, doc)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	var whole bytes.Buffer
	if err := report.JSON(&whole, trs, report.Options{}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(whole.String(), b.String()); diff != "" {
		t.Errorf("streamed document differs from JSON() (-want +got):\n%s", diff)
	}
	if n := len(at(t, decode(t, b.Bytes()), "traces").([]any)); n != len(trs) {
		t.Errorf("document holds %d traces, want %d", n, len(trs))
	}
}

type failWriter struct{ n int }

var errWrite = errors.New("disk full")

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errWrite
	}
	f.n--
	return len(p), nil
}

func TestJSONWriterError(t *testing.T) {
	j := report.NewJSON(&failWriter{n: 1}, report.Options{})
	trs := allTraces()
	if err := j.Add(trs[0]); err != nil {
		t.Fatalf("first Add() = %v, want nil", err)
	}
	if err := j.Add(trs[1]); !errors.Is(err, errWrite) {
		t.Errorf("second Add() = %v, want %v", err, errWrite)
	}
	if err := j.Close(); !errors.Is(err, errWrite) {
		t.Errorf("Close() = %v, want %v", err, errWrite)
	}
}
