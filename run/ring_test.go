package run

import (
	"testing"

	"github.com/tracers/tracers/trace"
)

// TestRingPackets checks the packet count the capture ring is sized for:
// three a probe (the probe, an answer, and for TCP this host's RST), for
// every TTL from the first hop to the last and every query.
func TestRingPackets(t *testing.T) {
	for _, tt := range []struct {
		name string
		o    trace.Options
		want int
	}{
		{"defaults", trace.Options{}, 3 * 30 * 3},
		{"first hop 5", trace.Options{FirstHop: 5, MaxHops: 10, Queries: 2}, 3 * 6 * 2},
		{"largest", trace.Options{MaxHops: 255, Queries: 10}, 3 * 255 * 10},
		{"first hop above max", trace.Options{FirstHop: 40, MaxHops: 30, Queries: 1}, 3},
	} {
		if got := ringPackets(tt.o); got != tt.want {
			t.Errorf("%s: ringPackets = %d, want %d", tt.name, got, tt.want)
		}
	}
}
