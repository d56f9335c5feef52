package capture

import (
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// TestGuessLinkType: loopback is captured as Ethernet on Linux; a name
// that is no interface, or a path, gives no guess.
func TestGuessLinkType(t *testing.T) {
	for _, tc := range []struct {
		name  string
		dev   string
		lt    layers.LinkType
		known bool
	}{
		{"loopback", "lo", layers.LinkTypeEthernet, true},
		{"no such interface", "tracers-none0", 0, false},
		{"a path", "../lo", 0, false},
		{"empty", "", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lt, known := guessLinkType(tc.dev)
			if lt != tc.lt || known != tc.known {
				t.Errorf("guessLinkType(%q) = %v, %v; want %v, %v", tc.dev, lt, known, tc.lt, tc.known)
			}
		})
	}
}
