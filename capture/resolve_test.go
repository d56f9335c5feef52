package capture_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	"github.com/tracers/tracers/capture"
)

// Literal addresses resolve without asking any name server.
func TestResolveLiteral(t *testing.T) {
	tests := []struct {
		host, want, err string
	}{
		{host: "10.77.5.2", want: "10.77.5.2"},
		{host: "::ffff:10.0.0.1", want: "10.0.0.1"},
		{host: "::1", err: "not an IPv4 address"},
		{host: "2001:db8::1", err: "not an IPv4 address"},
	}
	for _, tt := range tests {
		got, err := capture.Resolve(context.Background(), tt.host)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("Resolve(%q) = %v, %v; want error %q", tt.host, got, err, tt.err)
		case tt.err == "" && (err != nil || got != netip.MustParseAddr(tt.want)):
			t.Errorf("Resolve(%q) = %v, %v; want %s", tt.host, got, err, tt.want)
		}
	}
}
