package capture

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// TestRingBurst sends Echo Requests from tcA to tcB at the highest rate a
// run allows (100000 probes/s) while the test reads nothing, so that
// everything must wait in libpcap's ring (Next reads the ring itself; where
// a reader goroutine does, it soon blocks on its full channel), then reads
// every packet. A ring of RingBytes for the
// largest trace a run can send (255 hops x 10 queries, three packets a
// probe: see run's ringPackets; here as many requests and answers) holds
// it all: no drop. A ring of the smallest size drops, and says so: every
// packet the filter passed is either read or counted as dropped.
func TestRingBurst(t *testing.T) {
	needRoot(t)
	nsPair(t)
	const maxTrace = 3 * 255 * 10 // packets of the largest trace
	for i, tt := range []struct {
		name     string
		ring     int
		requests int
		drops    bool
	}{
		{name: "largest trace", ring: RingBytes(maxTrace), requests: maxTrace / 2},
		{name: "smallest ring", ring: RingBytes(0), requests: 6000, drops: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dst := netip.MustParseAddr("10.99.0.2")
			id := uint16(0x7200 + i)
			filter := fmt.Sprintf("icmp and (icmp[0] = 8 or icmp[0] = 0) and icmp[4:2] = %d", id)
			rt, snd, lv := openInNS(t, "tcA", dst, filter, tt.ring)
			start := time.Now()
			for seq := 0; seq < tt.requests; seq++ {
				for time.Since(start) < time.Duration(seq)*10*time.Microsecond {
				}
				if err := snd.Send(echoRequest(t, rt.Src, dst, id, uint16(seq))); err != nil {
					t.Fatalf("Send %d: %v", seq, err)
				}
			}
			time.Sleep(100 * time.Millisecond) // the last answers come in
			read := 0
			ctx := context.Background()
			for {
				_, ok, err := lv.Next(ctx, time.Now().Add(50*time.Millisecond))
				if err != nil {
					t.Fatal(err)
				}
				if !ok {
					break
				}
				read++
			}
			st, err := lv.Stats()
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("ring %d bytes: sent %d, read %d, %+v", tt.ring, tt.requests, read, st)
			if read < tt.requests && !tt.drops {
				t.Errorf("read %d packets, fewer than the %d requests sent", read, tt.requests)
			}
			if got := st.Dropped > 0; got != tt.drops {
				t.Errorf("dropped %d packets, want drops %v", st.Dropped, tt.drops)
			}
			if read+st.Dropped != st.Received {
				t.Errorf("read %d + dropped %d != received %d: a packet is neither read nor reported dropped", read, st.Dropped, st.Received)
			}
		})
	}
}
