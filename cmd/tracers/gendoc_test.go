//go:build gendoc

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGendoc checks the generated man pages (one per command, with the
// examples and the exit statuses) and that the three completion scripts
// are written where the shells look for them.
func TestGendoc(t *testing.T) {
	dir := t.TempDir()
	man, comp := filepath.Join(dir, "man"), filepath.Join(dir, "completions")
	if _, err := runCLI(t, "", "gendoc", "--man", man, "--completions", comp); err != nil {
		t.Fatalf("gendoc: %v", err)
	}
	pages := []struct {
		name string
		want []string
	}{
		{"tracers.1", []string{".SH EXAMPLE", "tracers replay --format json", ".SH EXIT STATUS", "\\fBtracers-run(1)\\fP"}},
		{"tracers-run.1", []string{"\\fB-n\\fP, \\fB--numeric\\fP", "\\fB--format\\fP", ".SH EXIT STATUS\n.TP\n.B 0\n", "cap_net_raw"}},
		{"tracers-replay.1", []string{"\\fB-n\\fP, \\fB--numeric\\fP", "never resolves names", ".SH EXAMPLE", ".SH EXIT STATUS"}},
		{"tracers-craft.1", []string{".SH EXAMPLE", ".SH EXIT STATUS"}},
		{"tracers-checksum.1", []string{".SH EXAMPLE", "\\-\\-verify, the checksum field is wrong"}},
		{"tracers-version.1", []string{".SH EXAMPLE", "tracers --version"}},
	}
	for _, p := range pages {
		b, err := os.ReadFile(filepath.Join(man, p.name))
		if err != nil {
			t.Errorf("gendoc wrote no %s: %v", p.name, err)
			continue
		}
		page := string(b)
		for _, w := range p.want {
			if !strings.Contains(page, w) {
				t.Errorf("%s lacks %q", p.name, w)
			}
		}
		if e, s := strings.Index(page, ".SH EXIT STATUS"), strings.Index(page, ".SH SEE ALSO"); e > s {
			t.Errorf("%s: EXIT STATUS at %d, after SEE ALSO at %d", p.name, e, s)
		}
	}
	if _, err := os.Stat(filepath.Join(man, "tracers-gendoc.1")); err == nil {
		t.Errorf("gendoc wrote a page for itself, a hidden command")
	}
	for name, want := range map[string]string{
		"tracers":      "complete -o default -F __start_tracers tracers",
		"_tracers":     "#compdef tracers",
		"tracers.fish": "complete -c tracers ",
	} {
		b, err := os.ReadFile(filepath.Join(comp, name))
		if err != nil || !strings.Contains(string(b), want) {
			t.Errorf("completion %s (err %v) lacks %q", name, err, want)
		}
	}
}

// TestShellCompletions loads the generated completion scripts into bash
// (with Debian's bash-completion), zsh and fish, with a freshly built
// tracers on PATH, and asks each what it offers.
func TestShellCompletions(t *testing.T) {
	if testing.Short() {
		t.Skip("builds tracers and starts three shells; skipped with -short")
	}
	const bashCompletion = "/usr/share/bash-completion/bash_completion"
	need := func(what string, err error) {
		t.Helper()
		if err == nil {
			return
		}
		if os.Getenv("CI") != "" {
			t.Fatalf("completion test cannot run in CI: needs %s: %v", what, err)
		}
		t.Skipf("needs %s: %v", what, err)
	}
	for _, sh := range []string{"bash", "zsh", "fish"} {
		needTool(t, sh)
	}
	_, err := os.Stat(bashCompletion)
	need("bash-completion", err)

	dir := t.TempDir()
	bin := filepath.Join(dir, "tracers")
	if out, err := exec.Command("go", "build", "-tags", "gendoc", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	comp := filepath.Join(dir, "completions")
	if out, err := exec.Command(bin, "gendoc", "--completions", comp).CombinedOutput(); err != nil {
		t.Fatalf("tracers gendoc: %v\n%s", err, out)
	}
	bashAsk := func(line string) string {
		words := strings.Fields(line)
		if strings.HasSuffix(line, " ") {
			words = append(words, "")
		}
		quoted := make([]string, len(words))
		for i, w := range words {
			quoted[i] = "'" + w + "'"
		}
		return fmt.Sprintf(`source %s; source %s; COMP_WORDS=(%s); COMP_CWORD=%d; COMP_LINE='%s'; COMP_POINT=${#COMP_LINE}; __start_tracers 2>/dev/null; printf '%%s\n' "${COMPREPLY[@]}"`,
			bashCompletion, filepath.Join(comp, "tracers"), strings.Join(quoted, " "), len(words)-1, line)
	}
	tests := []struct {
		name  string
		shell string
		args  []string
		want  string
	}{
		{"bash: tracers <TAB><TAB> lists the commands", "bash", []string{"-c", bashAsk("tracers ")},
			"checksum\ncompletion\ncraft\nhelp\nreplay\nrun\nversion\n"},
		{"bash: replay --format", "bash", []string{"-c", bashAsk("tracers replay --format ")}, "text\njson\ncsv\nfields\n"},
		{"zsh: loads and registers _tracers", "zsh", []string{"-c",
			"autoload -U compinit && compinit -u && source " + filepath.Join(comp, "_tracers") + " && print ${_comps[tracers]}"}, "_tracers\n"},
		{"fish: commands", "fish", []string{"-c", "source " + filepath.Join(comp, "tracers.fish") + "; complete -C 'tracers r'"},
			"replay\tReconstruct every traceroute in a pcap or pcapng file (- reads standard input)\nrun\tTrace the path to HOST with ICMP Echo, UDP or TCP SYN probes (needs root or CAP_NET_RAW)\n"},
		{"fish: run --format", "fish", []string{"-c", "source " + filepath.Join(comp, "tracers.fish") + "; complete -C 'tracers run --format '"}, "json\ntext\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(tt.shell, tt.args...)
			cmd.Env = append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"), "HOME="+dir)
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			if err := cmd.Run(); err != nil {
				t.Fatalf("%s: %v\n%s", tt.shell, err, errb.String())
			}
			if out.String() != tt.want || errb.Len() > 0 {
				t.Errorf("%s printed %q (stderr %q), want %q", tt.shell, out.String(), errb.String(), tt.want)
			}
		})
	}
}
