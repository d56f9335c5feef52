package main

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestReadBuildInfo(t *testing.T) {
	deps := []*debug.Module{
		{Path: "github.com/spf13/cobra", Version: "v1.10.2"},
		{Path: "github.com/gopacket/gopacket", Version: "v1.7.7"},
	}
	tests := []struct {
		name         string
		ver, rev     string
		bi           *debug.BuildInfo
		wantVersion  string
		wantCommit   string
		wantGopacket string
	}{
		{
			name: "make build: -ldflags win over build info",
			ver:  "v0.3.0-4-gfca854e", rev: "fca854e0",
			bi: &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Deps: deps,
				Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "aaaa"}}},
			wantVersion: "v0.3.0-4-gfca854e", wantCommit: "fca854e0", wantGopacket: "v1.7.7",
		},
		{
			name:        "go install at a tag: the module version",
			ver:         devVersion,
			bi:          &debug.BuildInfo{Main: debug.Module{Version: "v0.3.0"}, Deps: deps},
			wantVersion: "v0.3.0", wantCommit: "unknown", wantGopacket: "v1.7.7",
		},
		{
			name: "go build in a modified tree: the VCS revision, dirty",
			ver:  devVersion,
			bi: &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Deps: deps, Settings: []debug.BuildSetting{
				{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.modified", Value: "true"}}},
			wantVersion: devVersion, wantCommit: "0123abcd+dirty", wantGopacket: "v1.7.7",
		},
		{
			name:        "no build info",
			ver:         devVersion,
			wantVersion: devVersion, wantCommit: "unknown", wantGopacket: "unknown",
		},
		{
			name: "a replaced gopacket says so",
			ver:  devVersion,
			bi: &debug.BuildInfo{Deps: []*debug.Module{{Path: "github.com/gopacket/gopacket", Version: "v1.7.7",
				Replace: &debug.Module{Path: "../gopacket"}}}},
			wantVersion: devVersion, wantCommit: "unknown", wantGopacket: "v1.7.7 => ../gopacket ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readBuildInfo(tt.ver, tt.rev, tt.bi, "libpcap version 1.10.3")
			if got.Version != tt.wantVersion || got.Commit != tt.wantCommit || got.Gopacket != tt.wantGopacket {
				t.Errorf("readBuildInfo() = version %q commit %q gopacket %q, want %q %q %q",
					got.Version, got.Commit, got.Gopacket, tt.wantVersion, tt.wantCommit, tt.wantGopacket)
			}
			if got.Go != runtime.Version() || got.Libpcap != "libpcap version 1.10.3" {
				t.Errorf("readBuildInfo() = go %q libpcap %q", got.Go, got.Libpcap)
			}
		})
	}
}

// TestVersionOutput checks that tracers version and tracers --version
// print the same five lines, with this binary's libpcap and gopacket.
func TestVersionOutput(t *testing.T) {
	cmd, err := runCLI(t, "", "version")
	if err != nil {
		t.Fatalf("tracers version: %v", err)
	}
	flag, err := runCLI(t, "", "--version")
	if err != nil {
		t.Fatalf("tracers --version: %v", err)
	}
	if cmd != flag {
		t.Errorf("tracers version printed\n%s\ntracers --version printed\n%s", cmd, flag)
	}
	lines := strings.Split(strings.TrimSuffix(cmd, "\n"), "\n")
	prefixes := []string{"tracers ", "commit:   ", "go:       " + runtime.Version(), "gopacket: v", "libpcap:  libpcap version "}
	if len(lines) != len(prefixes) {
		t.Fatalf("tracers version printed %d lines, want %d:\n%s", len(lines), len(prefixes), cmd)
	}
	for i, p := range prefixes {
		if !strings.HasPrefix(lines[i], p) {
			t.Errorf("line %d = %q, want prefix %q", i+1, lines[i], p)
		}
	}
}

// TestReplayNumeric checks that replay takes -n as traceroute users type
// it, and prints what it prints without it.
func TestReplayNumeric(t *testing.T) {
	const file = "../../testdata/captures/tracers.pcap"
	want, err := runCLI(t, "", "replay", file)
	if err != nil {
		t.Fatalf("tracers replay: %v", err)
	}
	for _, flag := range []string{"-n", "--numeric"} {
		got, err := runCLI(t, "", "replay", flag, file)
		if err != nil {
			t.Fatalf("tracers replay %s: %v", flag, err)
		}
		if got != want || !strings.Contains(got, "10.77.5.2") {
			t.Errorf("tracers replay %s printed\n%s\nwant\n%s", flag, got, want)
		}
	}
}
