package report_test

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracers/tracers/report"
)

func TestCSVGolden(t *testing.T) {
	var b bytes.Buffer
	c := report.NewCSV(&b, report.Options{Names: names})
	for _, tr := range allTraces() {
		if err := c.Add(tr); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	golden(t, "csv_replay", b.String())
}

func TestCSV(t *testing.T) {
	trs := allTraces()
	var b bytes.Buffer
	c := report.NewCSV(&b, report.Options{})
	for _, tr := range trs {
		if err := c.Add(tr); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatalf("output is not CSV: %v", err)
	}
	wantHeader := []string{"trace", "source", "destination", "protocol", "ttl", "attempt", "sent_at",
		"responder", "rtt_ms", "reply", "icmp_type", "icmp_code", "reply_ttl", "past_destination"}
	if diff := cmp.Diff(wantHeader, rows[0]); diff != "" {
		t.Errorf("header mismatch (-want +got):\n%s", diff)
	}
	probes := 0
	for _, tr := range trs {
		probes += len(tr.Probes)
	}
	if got := len(rows) - 1; got != probes {
		t.Errorf("CSV has %d probe rows, want %d", got, probes)
	}
	// The silent trace: its first probe, and the first of its silent hop.
	want := [][]string{
		{"1", "10.77.1.1", "10.77.5.2", "icmp", "1", "1", "2024-05-01T12:00:00Z", "10.77.1.2", "0.121", "time-exceeded", "11", "0", "64", "false"},
		{"1", "10.77.1.1", "10.77.5.2", "icmp", "2", "1", "2024-05-01T12:00:00.003Z", "", "", "", "", "", "", "false"},
	}
	if diff := cmp.Diff(want, [][]string{rows[1], rows[4]}); diff != "" {
		t.Errorf("rows mismatch (-want +got):\n%s", diff)
	}
}

func TestCSVEmpty(t *testing.T) {
	var b bytes.Buffer
	if err := report.NewCSV(&b, report.Options{}).Close(); err != nil {
		t.Fatal(err)
	}
	want := "trace,source,destination,protocol,ttl,attempt,sent_at,responder,rtt_ms,reply,icmp_type,icmp_code,reply_ttl,past_destination\n"
	if got := b.String(); got != want {
		t.Errorf("empty CSV = %q, want %q", got, want)
	}
}
