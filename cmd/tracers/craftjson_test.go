package main

import (
	hexdump "encoding/hex"
	"encoding/json"
	"slices"
	"strings"
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

// TestCraftMethodJSON: tracers craft --format json of every method, over
// both families, validates against the JSON Schema, names its method and
// probe number, and holds the same bytes as the --write file would: the
// hex of the probe the text output dumps.
func TestCraftMethodJSON(t *testing.T) {
	s := schematest.Load(t)
	for _, tc := range []struct {
		name   string
		args   []string
		method string
		layer  string // the transport layer's fields
	}{
		{"udp ipv4", []string{"-P", "udp", "--probe", "2"}, "udp", "udp"},
		{"udp paris ipv6", []string{"-6", "-P", "udp", "--paris", "--probe", "2"}, "udp-paris", "udp"},
		{"udp fixed ipv4", []string{"-P", "udp", "--fixed", "--probe", "2"}, "udp-fixed", "udp"},
		{"tcp ipv6", []string{"-6", "-P", "tcp", "--probe", "2"}, "tcp", "tcp"},
		{"icmp paris ipv4", []string{"--paris", "--probe", "2"}, "icmp-paris", "icmp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst, src := "10.77.5.2", "10.77.1.1"
			if tc.args[0] == "-6" {
				dst, src = "fd77:5::2", "fd77:1::1"
			}
			base := []string{"craft", "--src", src, "--dst", dst, "--ttl", "3"}
			out, err := runCLI(t, "", append(append(base, tc.args...), "--format", "json")...)
			if err != nil {
				t.Fatal(err)
			}
			s.Validate(t, "tracers craft --format json "+tc.name, []byte(out))
			var doc struct {
				Method string `json:"method"`
				Probe  int    `json:"probe"`
				Hex    string `json:"hex"`
				Fields []struct {
					Layer string `json:"layer"`
				} `json:"fields"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Method != tc.method || doc.Probe != 2 {
				t.Errorf("method %q, probe %d; want %q, 2", doc.Method, doc.Probe, tc.method)
			}
			if !slices.ContainsFunc(doc.Fields, func(f struct {
				Layer string `json:"layer"`
			}) bool {
				return f.Layer == tc.layer
			}) {
				t.Errorf("no %s field in %+v", tc.layer, doc.Fields)
			}
			text, err := runCLI(t, "", append(base, tc.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			pkt, err := hexdump.DecodeString(doc.Hex)
			if err != nil || len(pkt) == 0 || !strings.Contains(text, strings.TrimSpace(hexdump.Dump(pkt))) {
				t.Errorf("the JSON's hex (%v) is not the probe the text shows:\n%s", err, text)
			}
		})
	}
}
