package main

// TestLabWorksheet runs every command of docs/LAB.md, in order, in one
// shell, and checks that each prints what the page shows. With
// -update-lab it rewrites the page's outputs from what the commands print.

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var updateLab = flag.Bool("update-lab", false, "rewrite the outputs shown in docs/LAB.md")

const labDoc = "../../docs/LAB.md"

// step is one "$ command" of a console block and the output shown under it.
type step struct {
	cmd  string
	want []string
	// lines of the page that hold the output, to rewrite with -update-lab
	from, to int
}

// parseLab finds the steps of the console blocks of a page.
func parseLab(lines []string) []step {
	var steps []step
	in := false
	for i, line := range lines {
		switch {
		case strings.HasPrefix(line, "```console"):
			in = true
		case in && strings.HasPrefix(line, "```"):
			in = false
			if len(steps) > 0 && steps[len(steps)-1].to < 0 {
				steps[len(steps)-1].to = i
			}
		case in && strings.HasPrefix(line, "$ "):
			if len(steps) > 0 && steps[len(steps)-1].to < 0 {
				steps[len(steps)-1].to = i
			}
			steps = append(steps, step{cmd: strings.TrimPrefix(line, "$ "), from: i + 1, to: -1})
		case in && len(steps) > 0 && steps[len(steps)-1].to < 0:
			s := &steps[len(steps)-1]
			s.want = append(s.want, line)
		}
	}
	return steps
}

var (
	rttRE   = regexp.MustCompile(`\d+\.\d+ ?ms`)
	timeRE  = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?`)
	relTime = regexp.MustCompile(`\b0\.\d{6,9}\b`)
	icmpID  = regexp.MustCompile(`id=0x[0-9a-f]{4}`)
)

// normalize hides what changes from run to run: RTTs, timestamps and the
// ICMP identifier tracers takes from its process id.
func normalize(lines []string) string {
	var b strings.Builder
	for _, l := range lines {
		if strings.HasPrefix(l, "Running as user \"root\"") {
			continue
		}
		l = rttRE.ReplaceAllString(l, "N ms")
		l = timeRE.ReplaceAllString(l, "TIME")
		l = relTime.ReplaceAllString(l, "0.T")
		l = icmpID.ReplaceAllString(l, "id=0xID") // the run's process id
		b.WriteString(strings.TrimRight(l, " ") + "\n")
	}
	return b.String()
}

func TestLabWorksheet(t *testing.T) {
	bin := needLab(t, "tshark", "dumpcap", "iptables")
	page, err := os.ReadFile(labDoc)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(page), "\n")
	steps := parseLab(lines)
	if len(steps) < 10 {
		t.Fatalf("docs/LAB.md has %d commands, want the whole worksheet", len(steps))
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	// One shell runs the page top to bottom, so that `&` and `wait` and
	// variables work as they do for a student; a marker separates the
	// outputs.
	var script strings.Builder
	script.WriteString("set +e\n")
	for i, s := range steps {
		fmt.Fprintf(&script, "echo '@@step %d@@'\n%s 2>&1\n", i, s.cmd)
	}
	script.WriteString("echo '@@end@@'\n")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script.String())
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+":"+os.Getenv("PATH"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	t.Cleanup(func() { exec.Command("bash", filepath.Join(root, "scripts/lab.sh"), "down").Run() })
	if err := cmd.Run(); err != nil {
		t.Fatalf("worksheet shell: %v\n%s", err, out.String())
	}
	got := make([][]string, len(steps))
	cur := -1
	for _, l := range strings.Split(out.String(), "\n") {
		var n int
		if _, err := fmt.Sscanf(l, "@@step %d@@", &n); err == nil {
			cur = n
			continue
		}
		if l == "@@end@@" {
			break
		}
		if cur >= 0 {
			got[cur] = append(got[cur], l)
		}
	}
	if *updateLab {
		for i := len(steps) - 1; i >= 0; i-- {
			s := steps[i]
			var keep []string
			for _, l := range got[i] {
				if !strings.HasPrefix(l, "Running as user \"root\"") {
					keep = append(keep, l)
				}
			}
			lines = append(lines[:s.from], append(keep, lines[s.to:]...)...)
		}
		if err := os.WriteFile(labDoc, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	for i, s := range steps {
		if w, g := normalize(s.want), normalize(got[i]); w != g {
			t.Errorf("docs/LAB.md: $ %s\nprints:\n%s\nthe page shows:\n%s", s.cmd, g, w)
		}
	}
}
