package main

import (
	"testing"

	"github.com/tracers/tracers/internal/schematest"
)

// TestCraftJSONSchema: tracers craft --format json validates against the
// JSON Schema for both families (the IPv6 document has a flow label and
// the pseudo-header where the IPv4 one has an IP ID).
func TestCraftJSONSchema(t *testing.T) {
	s := schematest.Load(t)
	for name, args := range map[string][]string{
		"ipv4": {"craft", "--src", "10.77.1.1", "--dst", "10.77.5.2", "--ttl", "3", "--format", "json"},
		"ipv6": {"craft", "--src", "fd77:1::1", "--dst", "fd77:5::2", "--ttl", "3", "--format", "json"},
	} {
		out, err := runCLI(t, "", args...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		s.Validate(t, "tracers "+name+" craft --format json", []byte(out))
	}
}
