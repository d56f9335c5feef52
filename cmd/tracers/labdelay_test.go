package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// pingRTTs returns the RTTs, in ms, of ping's reply lines.
func pingRTTs(t *testing.T, out string) []float64 {
	t.Helper()
	var rtts []float64
	for _, m := range regexp.MustCompile(`time=([0-9.]+) ms`).FindAllStringSubmatch(out, -1) {
		v, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			t.Fatalf("ping RTT %q: %v", m[1], err)
		}
		rtts = append(rtts, v)
	}
	return rtts
}

// alive reports whether process pid runs (a zombie does not).
func alive(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	// pid (comm) S ...: the state follows the last ')'.
	i := strings.LastIndexByte(string(b), ')')
	return i >= 0 && i+2 < len(b) && b[i+2] != 'Z'
}

// TestLabDelay checks lab.sh up --delay: RTTs of 2 x the sum of the link
// delays, the same hops as without delay, and nothing left after down.
func TestLabDelay(t *testing.T) {
	needLab(t, "ping", "traceroute")
	plain := labUp(t, "trtd0", 4)
	want := plain.inSrc(t, "traceroute", "-I", "-n", "-w", "5", plain.dst)
	if want.code != 0 || len(hops(want.stdout)) != 5 {
		t.Fatalf("traceroute without delay: exit %d\n%s%s", want.code, want.stdout, want.stderr)
	}

	l := labUp(t, "trtd", 4, "--delay", "2")
	script, err := filepath.Abs("../../scripts/lab.sh")
	if err != nil {
		t.Fatal(err)
	}
	st, err := exec.Command("bash", script, "status", "--prefix", l.prefix).CombinedOutput()
	if err != nil {
		t.Fatalf("lab.sh status: %v\n%s", err, st)
	}
	m := regexp.MustCompile(`delay process: pid (\d+)`).FindSubmatch(st)
	if m == nil {
		t.Fatalf("lab.sh status names no delay process:\n%s", st)
	}
	pid, _ := strconv.Atoi(string(m[1]))

	// 5 links of 2 ms each way: 20 ms, never less; the median within
	// 1 ms of it, the slowest within 5 ms (a loaded machine).
	p := l.inSrc(t, "ping", "-n", "-c", "5", "-i", "0.2", l.dst)
	rtts := pingRTTs(t, p.stdout)
	if p.code != 0 || len(rtts) != 5 {
		t.Fatalf("ping: exit %d, %d RTTs, want 5\n%s%s", p.code, len(rtts), p.stdout, p.stderr)
	}
	slices.Sort(rtts)
	t.Logf("ping RTTs, sorted: %v ms", rtts)
	const physical = 20.0
	if lo, med, hi := rtts[0], rtts[len(rtts)/2], rtts[len(rtts)-1]; lo < physical || med > physical+1 || hi > physical+5 {
		t.Errorf("ping RTTs %v ms: min %.3f, median %.3f, max %.3f; want min >= %v, median <= %v, max <= %v",
			rtts, lo, med, hi, physical, physical+1, physical+5)
	}

	got := l.inSrc(t, "traceroute", "-I", "-n", "-w", "5", l.dst)
	if a, b := strings.Join(hops(got.stdout), "\n"), strings.Join(hops(want.stdout), "\n"); got.code != 0 || a != b {
		t.Errorf("traceroute -I with delay: exit %d, hops:\n%s\nwant (without delay):\n%s", got.code, a, b)
	}

	if out, err := exec.Command("bash", script, "down", "--prefix", l.prefix).CombinedOutput(); err != nil {
		t.Fatalf("lab.sh down: %v\n%s", err, out)
	}
	if alive(pid) {
		t.Errorf("delay process %d still runs after down", pid)
	}
	ns, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		t.Fatalf("ip netns list: %v", err)
	}
	for _, line := range strings.Split(string(ns), "\n") {
		if strings.HasPrefix(line, l.prefix+"-") {
			t.Errorf("namespace left after down: %s", line)
		}
	}
}

// TestLabDelayRefused checks the combinations lab.sh up refuses with
// --delay, before it builds anything.
func TestLabDelayRefused(t *testing.T) {
	needLab(t)
	script, err := filepath.Abs("../../scripts/lab.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"ecmp", []string{"--delay", "2", "--ecmp", "2"}, "does not combine with --ecmp or --asym"},
		{"asym", []string{"--delay", "2", "--asym", "2"}, "does not combine with --ecmp or --asym"},
		{"count", []string{"--delay", "1,2"}, "2 values for 5 links"},
		{"not a number", []string{"--delay", "2ms"}, "bad --delay"},
		{"jitter alone", []string{"--jitter", "1"}, "need --delay"},
		{"link loss alone", []string{"--loss", "2:10"}, "need --delay"},
		{"link out of range", []string{"--delay", "1", "--loss", "6:10"}, "link 6 out of range 1..5"},
		{"loss over 100", []string{"--delay", "1", "--loss", "2:101"}, "over 100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{script, "up", "--prefix", "trtdx", "--routers", "4"}, tc.args...)
			out, err := exec.Command("bash", args...).CombinedOutput()
			if err == nil || !strings.Contains(string(out), tc.want) {
				t.Errorf("lab.sh up %s: err %v, output %q, want an error with %q", strings.Join(tc.args, " "), err, out, tc.want)
			}
		})
	}
}

// TestLabSatelliteHop: a path whose RTT leaps by 600 ms past hop 2, as a
// geostationary satellite link's does, is traced to its destination with
// every hop, as traceroute -I traces it; the probes past hop 2 must not
// be given up (and the trace stopped at the gap limit) before the far
// side's replies come.
func TestLabSatelliteHop(t *testing.T) {
	bin := needLab(t, "traceroute")
	l := labUp(t, "trtsat", 4, "--delay", "1,1,300,1,1")
	want := []string{"1 10.77.1.2", "2 10.77.2.2", "3 10.77.3.2", "4 10.77.4.2", "5 10.77.5.2"}
	wantHops(t, "run", l.inSrc(t, bin, "run", "-n", l.dst), want)
	wantHops(t, "traceroute -I", l.inSrc(t, "traceroute", "-I", "-n", l.dst), want)
}
