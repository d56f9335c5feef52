package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/craft"
)

// TestRunMethodFlags checks how -P, -I, -T, -U, -p, --paris and --classic
// make the probe method, without sending anything: Paris by default.
func TestRunMethodFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want craft.Method
		err  string // a usage error containing this
	}{
		{name: "default", want: craft.Method{Proto: analyze.ICMP, Paris: true}},
		{name: "-I", args: []string{"-I"}, want: craft.Method{Proto: analyze.ICMP, Paris: true}},
		{name: "icmp classic", args: []string{"-P", "icmp", "--classic"}, want: craft.Method{Proto: analyze.ICMP}},
		{name: "udp", args: []string{"-P", "udp"}, want: craft.Method{Proto: analyze.UDP, Paris: true}},
		{name: "UDP upper case", args: []string{"--protocol=UDP"}, want: craft.Method{Proto: analyze.UDP, Paris: true}},
		{name: "udp paris port", args: []string{"-P", "udp", "--paris", "-p", "53"}, want: craft.Method{Proto: analyze.UDP, Paris: true, Port: 53}},
		{name: "udp classic", args: []string{"-P", "udp", "--classic"}, want: craft.Method{Proto: analyze.UDP}},
		{name: "-U", args: []string{"-U"}, want: craft.Method{Proto: analyze.UDP, Fixed: true}},
		{name: "-U -p", args: []string{"-U", "-p", "123"}, want: craft.Method{Proto: analyze.UDP, Fixed: true, Port: 123}},
		{name: "-T", args: []string{"-T"}, want: craft.Method{Proto: analyze.TCP, Paris: true}},
		{name: "tcp 443", args: []string{"-P", "tcp", "-p", "443"}, want: craft.Method{Proto: analyze.TCP, Paris: true, Port: 443}},
		{name: "two shorthands", args: []string{"-I", "-T"}, err: "exclude each other"},
		{name: "-P and another shorthand", args: []string{"-P", "udp", "-T"}, err: "disagree"},
		{name: "-P and its shorthand", args: []string{"-P", "udp", "-U"}, want: craft.Method{Proto: analyze.UDP, Fixed: true}},
		{name: "-P sctp and -T", args: []string{"-P", "sctp", "-T"}, err: "disagree"},
		{name: "unknown protocol", args: []string{"-P", "sctp"}, err: `"sctp"`},
		{name: "paris and classic", args: []string{"--paris", "--classic"}, err: "--paris and --classic"},
		{name: "tcp classic", args: []string{"-T", "--classic"}, err: "Paris by construction"},
		{name: "-U paris", args: []string{"-U", "--paris"}, err: "not Paris"},
		{name: "icmp port", args: []string{"-p", "53"}, err: "no port"},
		{name: "port 0", args: []string{"-P", "udp", "-p", "0"}, err: "-p 0"},
		{name: "port too big", args: []string{"-P", "udp", "-p", "65536"}, err: "65536"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newRun()
			if err := c.Flags().Parse(tt.args); err != nil {
				if tt.err == "" || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("parse %q: %v", tt.args, err)
				}
				return
			}
			var mf methodFlags
			mf.proto, _ = c.Flags().GetString("protocol")
			mf.icmp, _ = c.Flags().GetBool("icmp")
			mf.tcp, _ = c.Flags().GetBool("tcp")
			mf.udp, _ = c.Flags().GetBool("udp")
			mf.port, _ = c.Flags().GetUint16("port")
			mf.paris, _ = c.Flags().GetBool("paris")
			mf.classic, _ = c.Flags().GetBool("classic")
			got, err := mf.method(c)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("method(%q) = %+v, %v; want an error containing %q", tt.args, got, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("method(%q): %v", tt.args, err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("method(%q) (-want +got):\n%s", tt.args, d)
			}
		})
	}
}

// TestRunMethodUsageExit checks that a bad method flag is a usage error
// (exit 2) before anything is opened or sent.
func TestRunMethodUsageExit(t *testing.T) {
	for _, args := range [][]string{
		{"run", "-P", "sctp", "10.77.5.2"},
		{"run", "-T", "--classic", "10.77.5.2"},
		{"run", "-p", "53", "10.77.5.2"},
	} {
		_, err := runCLI(t, "", args...)
		if err == nil || exitCode(err) != 2 {
			t.Errorf("tracers %s: error %v (exit %d), want a usage error", strings.Join(args, " "), err, exitCode(err))
		}
	}
}

// TestRunValueUsage checks that values out of range, NaN among them, are
// usage errors (exit 2) that name the flag, before anything is opened or
// sent; a NaN rate once passed every check and held the run forever.
func TestRunValueUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--rate", "NaN"}, "--rate NaN"},
		{[]string{"--rate", "0"}, "--rate 0"},
		{[]string{"--rate", "1e6"}, "--rate 1e+06"},
		{[]string{"-w", "NaN"}, "-w NaN"},
		{[]string{"-w", "0"}, "-w 0"},
		{[]string{"-q", "0"}, "-q 0"},
		{[]string{"-m", "0"}, "-m 0"},
		{[]string{"-N", "0"}, "-N 0"},
		{[]string{"--tail-wait", "0"}, "--tail-wait 0"},
		{[]string{"--tail-wait", "NaN"}, "--tail-wait NaN"},
		{[]string{"-w", "2", "--tail-wait", "3"}, "at most -w (2)"},
		{[]string{"-P", "udp", "--classic", "-p", "65447"}, "want -p at most 65446"},
		{[]string{"-P", "udp", "--classic", "-p", "65000", "-q", "10", "-m", "60"}, "want -p at most 64936"},
	} {
		args := append(append([]string{"run"}, tt.args...), "10.77.5.2")
		_, err := runCLI(t, "", args...)
		if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("tracers %s: error %v (exit %d), want a usage error containing %q", strings.Join(args, " "), err, exitCode(err), tt.want)
		}
	}
}
