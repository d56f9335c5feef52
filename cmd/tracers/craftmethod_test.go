package main

// Tests of tracers craft -P udp, -P tcp and --paris: golden output, the
// probe tshark reads with checksum validation on, and usage errors.

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var updateCraft = flag.Bool("update-craft", false, "rewrite testdata/craft/*.golden")

// craftMethodCases are tracers craft command lines of every method and
// family, each with its golden file in testdata/craft.
var craftMethodCases = []struct {
	golden string
	args   []string
}{
	{"udp4.golden", []string{"--dst", "10.77.5.2", "--src", "10.77.1.1", "--ttl", "3", "-P", "udp", "--probe", "2"}},
	{"udp-paris4.golden", []string{"--dst", "10.77.5.2", "--src", "10.77.1.1", "--ttl", "3", "-P", "udp", "--paris", "--probe", "2"}},
	{"udp-fixed4.golden", []string{"--dst", "10.77.5.2", "--src", "10.77.1.1", "--ttl", "3", "-P", "udp", "--fixed", "--probe", "2"}},
	{"tcp4.golden", []string{"--dst", "10.77.5.2", "--src", "10.77.1.1", "--ttl", "3", "-P", "tcp", "-p", "443", "--probe", "2"}},
	{"icmp-paris4.golden", []string{"--dst", "10.77.5.2", "--src", "10.77.1.1", "--ttl", "3", "--paris", "--probe", "2"}},
	{"udp6.golden", []string{"--dst", "fd77:5::2", "--src", "fd77:1::1", "--ttl", "3", "--flow", "0x12345", "-P", "udp", "--probe", "2"}},
	{"udp-paris6.golden", []string{"--dst", "fd77:5::2", "--src", "fd77:1::1", "--ttl", "3", "--flow", "0x12345", "-P", "udp", "--paris", "--probe", "2"}},
	{"udp-fixed6.golden", []string{"--dst", "fd77:5::2", "--src", "fd77:1::1", "--ttl", "3", "--flow", "0x12345", "-P", "udp", "--fixed", "-p", "53", "--probe", "2"}},
	{"tcp6.golden", []string{"--dst", "fd77:5::2", "--src", "fd77:1::1", "--ttl", "3", "--flow", "0x12345", "-P", "tcp", "--probe", "2"}},
	{"icmp-paris6.golden", []string{"--dst", "fd77:5::2", "--src", "fd77:1::1", "--ttl", "3", "--flow", "0x12345", "-P", "icmp", "--paris", "--probe", "2"}},
}

func TestCraftMethodGolden(t *testing.T) {
	for _, tt := range craftMethodCases {
		t.Run(tt.golden, func(t *testing.T) {
			got, err := runCLI(t, "", append([]string{"craft"}, tt.args...)...)
			if err != nil {
				t.Fatalf("craft %s: %v", strings.Join(tt.args, " "), err)
			}
			path := filepath.Join("testdata", "craft", tt.golden)
			if *updateCraft {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("craft %s mismatch (-want +got):\n%s", strings.Join(tt.args, " "), diff)
			}
			if strings.Contains(got, "DISAGREE") || strings.Contains(got, ": bad") {
				t.Errorf("craft %s shows a bad checksum:\n%s", strings.Join(tt.args, " "), got)
			}
		})
	}
}

// TestCraftMethodTshark writes every method's probe and has tshark, with
// checksum validation on for ip, icmp, icmpv6, udp and tcp, mark its
// checksums good.
func TestCraftMethodTshark(t *testing.T) {
	tshark := needTool(t, "tshark")
	if testing.Short() {
		t.Skip("runs tshark once per method: not in -short")
	}
	for _, tt := range craftMethodCases {
		t.Run(tt.golden, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "probe.pcap")
			if _, err := runCLI(t, "", append(append([]string{"craft"}, tt.args...), "--write", file)...); err != nil {
				t.Fatalf("craft --write: %v", err)
			}
			cmd := exec.Command(tshark, "-r", file, "-V",
				"-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%s: %v\n%s", cmd, err, stderr.String())
			}
			got := stdout.String()
			if !strings.Contains(got, "[Checksum Status: Good]") {
				t.Errorf("tshark -V of %s shows no good transport checksum:\n%s", tt.golden, got)
			}
			if strings.Contains(got, "Bad") || strings.Contains(got, "Unverified") {
				t.Errorf("tshark -V of %s reports a bad or unverified checksum:\n%s", tt.golden, got)
			}
		})
	}
}

func TestCraftMethodUsageErrors(t *testing.T) {
	dst := []string{"craft", "--dst", "10.77.5.2"}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"protocol", []string{"-P", "sctp"}, `-P/--protocol "sctp": must be icmp, udp or tcp`},
		{"fixed icmp", []string{"--fixed"}, "--fixed: for -P udp only"},
		{"fixed tcp", []string{"-P", "tcp", "--fixed"}, "--fixed: for -P udp only"},
		{"fixed paris", []string{"-P", "udp", "--fixed", "--paris"}, "--fixed and --paris exclude each other"},
		{"port for icmp", []string{"-p", "53"}, "-p/--port and --sport: for -P udp and -P tcp only"},
		{"probe for classic icmp", []string{"--probe", "3"}, "--probe: with -P udp, -P tcp or --paris"},
		{"seq for udp", []string{"-P", "udp", "--seq", "3"}, "--seq: for classic ICMP only"},
		{"probe range", []string{"-P", "tcp", "--probe", "-1"}, "--probe -1: must be in 0..65533"},
		{"paris payload", []string{"-P", "udp", "--paris", "--payload", "1"}, "udp-paris: payload too short"},
		{"sport 0", []string{"-P", "tcp", "--sport", "0"}, "tcp: source port 0"},
		{"classic port past 65535", []string{"-P", "udp", "-p", "65535", "--probe", "1"}, "counts destination ports up from 65535 to 65535, so probes 0..0 here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string(nil), dst...), tt.args...)
			out, err := runCLI(t, "", args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s = %v, want error containing %q\n%s", strings.Join(args, " "), err, tt.want, out)
			}
		})
	}
}

// TestCraftUDPChecksumZero: a UDP probe whose sum comes to zero carries
// 0xFFFF (RFC 768: 0x0000 means no checksum), and craft computes 0xFFFF
// too, agreeing, not "the other zero" (source port 46766
// and craft's default source, found by search; tshark: 0xffff correct).
func TestCraftUDPChecksumZero(t *testing.T) {
	got, err := runCLI(t, "", "craft", "--dst", "10.77.5.2", "-P", "udp", "--sport", "46766", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	i := strings.LastIndex(got, `"pseudo_header_bytes"`) // the UDP check, the last
	if i < 0 || !strings.Contains(got[i:], `"in_packet": "0xffff",`) || !strings.Contains(got[i:], `"computed": "0xffff",`) || !strings.Contains(got[i:], `"agree": true`) {
		t.Errorf("craft -P udp --sport 46766: the UDP check is not 0xffff in packet and computed, agreeing:\n%s", got)
	}
}
