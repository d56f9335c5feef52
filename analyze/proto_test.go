package analyze

import "testing"

// TestParseProto: ParseProto takes exactly the names String gives.
func TestParseProto(t *testing.T) {
	tests := []struct {
		in   string
		want Proto
		ok   bool
	}{
		{"icmp", ICMP, true},
		{"udp", UDP, true},
		{"tcp", TCP, true},
		{"ICMP", 0, false},
		{"unknown", 0, false},
		{"", 0, false},
		{"sctp", 0, false},
	}
	for _, tt := range tests {
		if got, ok := ParseProto(tt.in); got != tt.want || ok != tt.ok {
			t.Errorf("ParseProto(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
