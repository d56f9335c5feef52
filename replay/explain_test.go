package replay_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tracers/tracers/replay"
)

// explained replays a capture with --explain and returns, per TTL, the
// sentences under that hop's line.
func explained(t *testing.T, name string) map[int]string {
	t.Helper()
	var out bytes.Buffer
	o := replay.Options{File: filepath.Join(capturesDir, name), Format: "text", Explain: true}
	if err := replay.Run(context.Background(), o, &out); err != nil {
		t.Fatal(err)
	}
	res := map[int]string{}
	ttl := 0
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "      ") && ttl > 0 {
			res[ttl] += strings.TrimSpace(line) + " "
			continue
		}
		if m := hopLineRE.FindStringSubmatch(line); m != nil {
			ttl = atoi(m[1])
		}
	}
	return res
}

// TestReplayExplain checks each rule of report.Explain on a lab capture.
func TestReplayExplain(t *testing.T) {
	tests := []struct {
		file string
		ttl  int
		want []string
	}{
		{"silent-tracers.pcap", 2, []string{"No reply to any of the 3 probes", "later hops answer", "does not send Time Exceeded"}},
		{"silent-tracers.pcap", 1, []string{"10.77.1.2 sent ICMP Time Exceeded (type 11, code 0)", "TTL of 1 reached 0"}},
		{"silent-tracers.pcap", 3, []string{"arrived with TTL 62; sent with 64, it crossed 3 hops back, as many as"}},
		{"silent-tracers.pcap", 5, []string{"destination 10.77.5.2 answered with ICMP Echo Reply (type 0)", "reached after 5 hops"}},
		{"unreach-tracers.pcap", 4, []string{"10.77.3.2 answered ICMP host unreachable (type 3, code 1) (!H)", "trace stops at this hop", "crossed 3 hops back, as many as"}},
		{"unreach-tracers.pcap", 5, []string{"beyond hop 4 where the trace stopped"}},
		{"lossy-traceroute-icmp.pcap", 3, []string{"of 3 probes got no reply while this router answered the others"}},
		{"lossy-traceroute-icmp.pcap", 6, []string{"past the destination (reached at hop 5)"}},
		{"noanswer-tracers.pcap", 3, []string{"no later hop answered"}},
		{"traceroute-udp.pcap", 5, []string{"answered with ICMP port unreachable (type 3, code 3)"}},
		{"scamper-tcp.pcap", 5, []string{"TCP RST"}},
		// lab.sh --ecmp 2: router 1 splits UDP flows between router 2 and
		// its twin, and router 3 answers from the link each came in on.
		{"ecmp-traceroute-udp.pcap", 2, []string{"Replies came from 2 addresses at this TTL (10.77.2.2, 10.77.102.2)", "balances load (ECMP)"}},
		{"ecmp-traceroute-udp.pcap", 3, []string{"Replies came from 2 addresses at this TTL (10.77.3.2, 10.77.152.2)"}},
		{"ecmp-traceroute-udp.pcap", 4, []string{"10.77.4.2 sent ICMP Time Exceeded"}},
		// lab.sh --asym 3: replies from router 3 onwards come back through
		// an extra router.
		{"asym-traceroute-icmp.pcap", 2, []string{"crossed 2 hops back, as many as the probe crossed forward"}},
		{"asym-traceroute-icmp.pcap", 3, []string{"crossed 4 hops back while the probe crossed 3 forward", "(an asymmetric route)"}},
		{"asym-traceroute-icmp.pcap", 5, []string{"crossed 6 hops back while the probe crossed 5 forward"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got := explained(t, tt.file)[tt.ttl]
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("hop %d explained as %q, want %q", tt.ttl, got, w)
				}
			}
		})
	}
}
