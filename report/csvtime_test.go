package report

import (
	"io"
	"testing"
	"time"
)

// TestCSVTime checks sent_at against time.RFC3339Nano, across seconds,
// years and trailing zeros.
func TestCSVTime(t *testing.T) {
	c := NewCSV(io.Discard, Options{})
	for _, tm := range []time.Time{
		time.Date(2024, 5, 1, 12, 0, 0, 1000, time.UTC),
		time.Date(2024, 5, 1, 12, 0, 0, 123456789, time.UTC),
		time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC),
		time.Date(2024, 5, 1, 12, 0, 1, 500000000, time.UTC),
		time.Date(1999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(2024, 5, 1, 14, 0, 1, 10, time.FixedZone("CEST", 2*3600)),
		time.Unix(0, 0),
	} {
		want := tm.UTC().Format(time.RFC3339Nano)
		if got := string(c.appendTime(nil, tm)); got != want {
			t.Errorf("appendTime(%v) = %q, want %q", tm, got, want)
		}
	}
}
