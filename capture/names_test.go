package capture

import (
	"net/netip"
	"testing"
	"time"
)

// TestNamesDoneBeforeDeadline: a name whose lookup finished is returned
// even when its line's deadline has passed too (lookups share the
// bound: the slow ones before it used it up); a select on both, ready
// together, lost it half the time.
func TestNamesDoneBeforeDeadline(t *testing.T) {
	a := netip.MustParseAddr("fd77:4::2")
	done := make(chan struct{})
	close(done)
	n := &Names{bound: time.Millisecond, m: map[netip.Addr]*lookup{
		a: {done: done, deadline: time.Now().Add(-time.Second), name: "r4.lab"},
	}}
	for i := range 200 {
		if got := n.Get(a); got != "r4.lab" {
			t.Fatalf("Get, try %d: %q, want r4.lab", i, got)
		}
	}
}
