package main

// Tests of tracers checksum over the IPv4 pseudo-header (UDP and TCP).

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// udpParisProbeHex is probe 2 of a Paris UDP run from 10.77.1.1 to
// 10.77.5.2 (TestProberGolden in craft): its UDP checksum is 0x0003.
const udpParisProbeHex = "45 00 00 24 00 03 00 00 03 11 9d 2a 0a 4d 01 01 0a 4d 05 02 9c 40 82 9a 00 10 00 03 f9 83 42 43 44 45 46 47"

func TestChecksumPseudo4(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		golden  string // testdata/checksum file with the whole output, or ""
		verify  string // the verify section, when golden is ""
		wantErr string
	}{
		{name: "whole ipv4 udp packet", args: []string{udpParisProbeHex}, golden: "udp4-packet.golden"},
		{name: "udp datagram under --src and --dst", args: []string{"--src", "10.77.1.1", "--dst", "10.77.5.2", "--next-header", "17", "--verify", udpParisProbeHex[60:]},
			verify: "verify:\n  the one's complement sum is 0xFFFF (checksum 0x0000): valid\n  checksum field at offset 6 of the message: 0x0003\n"},
		// A 20-byte TCP SYN 40000 -> 80, seq 1, window 64240, checksum
		// left 0: the sum 0x023C and the field 0xFDC3 were computed
		// independently (Python).
		{name: "tcp segment with its field empty", args: []string{"--src", "10.77.1.1", "--dst", "10.77.5.2", "--next-header", "6", "--verify", "9c40005000000001000000005002faf000000000"},
			golden: "tcp4-segment.golden", wantErr: "checksum invalid: field at offset 16 of the message is 0x0000, expected 0xFDC3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := runCLI(t, "", append([]string{"checksum"}, tt.args...)...)
			if tt.golden != "" {
				path := filepath.Join("testdata", "checksum", tt.golden)
				if *updateCraft {
					if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, rerr := os.ReadFile(path)
				if rerr != nil {
					t.Fatal(rerr)
				}
				if diff := cmp.Diff(string(want), got); diff != "" {
					t.Errorf("checksum %s output mismatch (-want +got):\n%s", strings.Join(tt.args, " "), diff)
				}
			} else if _, v, ok := strings.Cut(got, "\n\nverify"); !ok || "verify"+v != tt.verify {
				t.Errorf("checksum %s verify section = %q, want %q\nwhole output:\n%s", strings.Join(tt.args, " "), "verify"+v, tt.verify, got)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("checksum %s error: %v", strings.Join(tt.args, " "), err)
			case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr || !errors.Is(err, errChecksumInvalid) || exitCode(err) != 1):
				t.Errorf("checksum %s = %v (exit %d), want %q (exit 1)", strings.Join(tt.args, " "), err, exitCode(err), tt.wantErr)
			}
		})
	}
}

func TestChecksumPseudo4UsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"mixed families", []string{"--src", "10.77.1.1", "--dst", "fd77:5::2", "00 00"}, `--dst "fd77:5::2": not an IPv4 address`},
		{"icmp over ipv4", []string{"--src", "10.77.1.1", "--dst", "10.77.5.2", "00 00"}, "--next-header 58: over IPv4 only UDP (17) and TCP (6)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runCLI(t, "", append([]string{"checksum"}, tt.args...)...)
			if err == nil || !strings.Contains(err.Error(), tt.want) || exitCode(err) != 2 {
				t.Errorf("checksum %s = %v (exit %d), want usage error (exit 2) containing %q\n%s", strings.Join(tt.args, " "), err, exitCode(err), tt.want, out)
			}
		})
	}
}
