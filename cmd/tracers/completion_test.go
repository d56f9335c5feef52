package main

import (
	"slices"
	"strings"
	"testing"
)

// TestCompletions asks cobra's completion machinery (what the bash, zsh
// and fish scripts call) for the values each shell would offer.
func TestCompletions(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		want      []string // completions, before the directive line
		directive string   // ":N" cobra ends its answer with
	}{
		{"commands", []string{""}, []string{"checksum", "completion", "craft", "help", "replay", "run", "version"}, ":4"},
		{"run --format", []string{"run", "--format", ""}, []string{"text", "json"}, ":4"},
		{"replay --format", []string{"replay", "--format", ""}, []string{"text", "json", "csv", "fields"}, ":4"},
		{"craft --format", []string{"craft", "--format", ""}, []string{"text", "json"}, ":4"},
		// 8 = ShellCompDirectiveFilterFileExt: the shell lists files with these extensions.
		{"replay FILE", []string{"replay", ""}, []string{"pcap", "pcapng", "cap"}, ":8"},
		{"replay --write", []string{"replay", "--write", ""}, []string{"pcap", "pcapng", "cap"}, ":8"},
		{"run HOST: no files", []string{"run", ""}, nil, ":4"},
		{"replay flags", []string{"replay", "--nu"}, []string{"--numeric\taccepted out of habit (traceroute -n, tcpdump -n): replay never resolves names anyway"}, ":4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runCLI(t, "", append([]string{"__complete"}, tt.args...)...)
			if err != nil {
				t.Fatalf("__complete %q: %v", tt.args, err)
			}
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			var got []string
			for _, l := range lines[:len(lines)-1] {
				if tt.name == "commands" {
					l, _, _ = strings.Cut(l, "\t")
				}
				got = append(got, l)
			}
			if !slices.Equal(got, tt.want) || lines[len(lines)-1] != tt.directive {
				t.Errorf("__complete %q = %q %s, want %q %s", tt.args, got, lines[len(lines)-1], tt.want, tt.directive)
			}
		})
	}
}
