package replay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/tracers/tracers/replay"
)

// TestReplayParis: replay's JSON "paris" says whether a trace kept every
// field a load balancer hashes constant, read from the capture alone:
// scamper's icmp-paris and udp-paris (both families) are Paris; classic
// traceroute (ports or ICMP checksum change per probe) is not; Linux
// traceroute -T opens a socket per probe, so its source port changes;
// tcptraceroute keeps its ports.
func TestReplayParis(t *testing.T) {
	tests := []struct {
		file string
		want bool
	}{
		{"scamper-icmp-paris.pcap", true},
		{"scamper6-icmp-paris.pcap", true},
		{"scamper-udp-paris.pcap", true},
		{"scamper6-udp-paris.pcap", true},
		{"traceroute-icmp.pcap", false},
		{"traceroute6-icmp.pcap", false},
		{"traceroute-udp.pcap", false},
		{"mtr-icmp.pcap", false},
		{"traceroute-tcp.pcap", false}, // a socket, so a source port, per probe
		{"tcptraceroute.pcap", true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var out bytes.Buffer
			err := replay.Run(context.Background(), replay.Options{File: filepath.Join(capturesDir, tt.file), Format: "json"}, &out)
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Traces []struct {
					Paris bool `json:"paris"`
				} `json:"traces"`
			}
			if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			if len(doc.Traces) == 0 {
				t.Fatal("no trace")
			}
			for i, tr := range doc.Traces {
				if tr.Paris != tt.want {
					t.Errorf("trace %d: paris %v, want %v", i, tr.Paris, tt.want)
				}
			}
		})
	}
}
