package main

// Lab tests of scripts/lab.sh --ipv6 itself, traced with the system's
// ping and traceroute: every link's fd77:k::/64, the misbehaving routers
// over IPv6, and that down leaves nothing behind. Like lab_test.go they
// need root; without it they skip, and with CI set a skip is a failure.

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// lab6 is one scripts/lab.sh up --ipv6 topology, removed when the test
// ends.
type lab6 struct {
	*lab
	dst6   string // the destination's IPv6 address, as lab.sh printed it
	script string // scripts/lab.sh, absolute
	out    string // what lab.sh up printed
}

// labUp6 runs lab.sh up --ipv6 under the given prefix ("tl" followed by a
// tag; TRACERS_LAB_PREFIX, when set, replaces the "tl", as it replaces
// "trt" in lab_test.go).
func labUp6(t *testing.T, prefix string, routers int, args ...string) *lab6 {
	t.Helper()
	if p := os.Getenv("TRACERS_LAB_PREFIX"); p != "" {
		prefix = p + strings.TrimPrefix(prefix, "tl")
	}
	script, err := filepath.Abs("../../scripts/lab.sh")
	if err != nil {
		t.Fatal(err)
	}
	all := append([]string{script, "up", "--prefix", prefix, "--routers", strconv.Itoa(routers), "--ipv6"}, args...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "bash", all...).CombinedOutput()
	t.Cleanup(func() {
		if out, err := exec.Command("bash", script, "down", "--prefix", prefix).CombinedOutput(); err != nil {
			t.Errorf("lab.sh down: %v\n%s", err, out)
		}
	})
	if err != nil {
		t.Fatalf("lab.sh %s: %v\n%s", strings.Join(all[1:], " "), err, out)
	}
	dst := regexp.MustCompile(`(?m)^destination: (\S+)$`).FindSubmatch(out)
	dst6 := regexp.MustCompile(`(?m)^destination6: (\S+)$`).FindSubmatch(out)
	if dst == nil || dst6 == nil {
		t.Fatalf("lab.sh printed no destination or destination6:\n%s", out)
	}
	return &lab6{lab: &lab{prefix: prefix, dst: string(dst[1])}, dst6: string(dst6[1]), script: script, out: string(out)}
}

// namespaces lists the lab's namespaces that exist now.
func (l *lab6) namespaces(t *testing.T) []string {
	t.Helper()
	r := run(t, exec.Command("ip", "netns", "list"))
	if r.code != 0 {
		t.Fatalf("ip netns list: exit %d: %s", r.code, r.stderr)
	}
	var nss []string
	for _, line := range strings.Split(r.stdout, "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(f[0], l.prefix+"-") {
			nss = append(nss, f[0])
		}
	}
	return nss
}

func joinLines(s []string) string { return strings.Join(s, "\n") }

func TestLab6Path(t *testing.T) {
	needLab(t, "traceroute", "ping", "ip6tables")
	l := labUp6(t, "tl6a", 4)
	if l.dst6 != "fd77:5::2" || l.dst != "10.77.5.2" {
		t.Errorf("destinations %s and %s, want 10.77.5.2 and fd77:5::2", l.dst, l.dst6)
	}
	if p := l.inSrc(t, "ping", "-6", "-n", "-c", "1", "-W", "5", l.dst6); p.code != 0 {
		t.Fatalf("ping -6 %s: exit %d\n%s%s", l.dst6, p.code, p.stdout, p.stderr)
	}
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"traceroute -6 -I", []string{"-6", "-I", "-n", "-w", "5", l.dst6},
			[]string{"1 fd77:1::2", "2 fd77:2::2", "3 fd77:3::2", "4 fd77:4::2", "5 fd77:5::2"}},
		{"traceroute -6 UDP", []string{"-6", "-n", "-w", "5", l.dst6},
			[]string{"1 fd77:1::2", "2 fd77:2::2", "3 fd77:3::2", "4 fd77:4::2", "5 fd77:5::2"}},
		// IPv4 is there as before, beside IPv6.
		{"traceroute -4 -I", []string{"-4", "-I", "-n", "-w", "5", l.dst},
			[]string{"1 10.77.1.2", "2 10.77.2.2", "3 10.77.3.2", "4 10.77.4.2", "5 10.77.5.2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := l.inSrc(t, "traceroute", tt.args...)
			if h := hops(tr.stdout); tr.code != 0 || joinLines(h) != joinLines(tt.want) {
				t.Errorf("exit %d, hops:\n%s\nwant:\n%s\n%s", tr.code, joinLines(h), joinLines(tt.want), tr.stderr)
			}
		})
	}
	// The source sends IPv6 nowhere but into the lab.
	if p := l.inSrc(t, "ping", "-6", "-n", "-c", "1", "-W", "1", "2001:db8::1"); p.code == 0 {
		t.Errorf("ping -6 2001:db8::1 from the source succeeded; want it refused\n%s", p.stdout)
	}
	rules := run(t, exec.Command("ip", "netns", "exec", l.prefix+"-src", "ip6tables", "-w", "5", "-S", "OUTPUT"))
	if !strings.Contains(rules.stdout, "-A OUTPUT -d fd77::/16 -j ACCEPT") || !strings.Contains(rules.stdout, "-A OUTPUT -j DROP") {
		t.Errorf("the source's ip6tables OUTPUT rules do not keep IPv6 in fd77::/16:\n%s%s", rules.stdout, rules.stderr)
	}
	// No address waits for duplicate address detection, no namespace
	// limits its ICMPv6 errors, and only the routers forward.
	for _, ns := range l.namespaces(t) {
		r := run(t, exec.Command("ip", "-n", ns, "-6", "addr", "show", "tentative"))
		if r.code != 0 || strings.TrimSpace(r.stdout) != "" {
			t.Errorf("%s: tentative IPv6 addresses (exit %d):\n%s%s", ns, r.code, r.stdout, r.stderr)
		}
		r = run(t, exec.Command("ip", "netns", "exec", ns, "sysctl", "-n", "net.ipv6.icmp.ratelimit", "net.ipv6.conf.all.forwarding"))
		want := "0\n0"
		if regexp.MustCompile(`-r\d+$`).MatchString(ns) {
			want = "0\n1"
		}
		if got := strings.TrimSpace(r.stdout); r.code != 0 || got != want {
			t.Errorf("%s: icmp.ratelimit and forwarding %q, want %q", ns, got, want)
		}
	}
	st := run(t, exec.Command("bash", l.script, "status", "--prefix", l.prefix))
	for _, w := range []string{"fd77:1::1/64", "fd77:5::2/64", "unreachable default"} {
		if !strings.Contains(st.stdout, w) {
			t.Errorf("lab.sh status does not show %q:\n%s", w, st.stdout)
		}
	}
}

func TestLab6Misbehaving(t *testing.T) {
	needLab(t, "traceroute", "ip6tables")
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"silent", []string{"--silent", "2"},
			[]string{"1 fd77:1::2", "2 * * *", "3 fd77:3::2", "4 fd77:4::2", "5 fd77:5::2"}},
		// Router 3 answers TTL 3 with Time Exceeded, then refuses to forward.
		{"address unreachable", []string{"--unreach", "3"},
			[]string{"1 fd77:1::2", "2 fd77:2::2", "3 fd77:3::2", "4 fd77:3::2 !H !H !H"}},
		{"administratively prohibited", []string{"--unreach", "3", "--unreach-kind", "admin"},
			[]string{"1 fd77:1::2", "2 fd77:2::2", "3 fd77:3::2", "4 fd77:3::2 !X !X !X"}},
		// Router 3's replies take the detour back, from its own address.
		{"asymmetric", []string{"--asym", "3"},
			[]string{"1 fd77:1::2", "2 fd77:2::2", "3 fd77:3::2", "4 fd77:4::2", "5 fd77:5::2"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := labUp6(t, "tl6b"+strconv.Itoa(i), 4, tt.args...)
			tr := l.inSrc(t, "traceroute", "-6", "-I", "-n", "-w", "5", l.dst6)
			if h := hops(tr.stdout); joinLines(h) != joinLines(tt.want) {
				t.Errorf("traceroute -6 -I: exit %d, hops:\n%s\nwant:\n%s\n%s", tr.code, joinLines(h), joinLines(tt.want), tr.stderr)
			}
		})
	}
}

func TestLab6ECMP(t *testing.T) {
	needLab(t, "traceroute")
	l := labUp6(t, "tl6c", 4, "--ecmp", "2")
	// As in TestLabECMP: ten UDP probes all hashed onto one path is 1 in
	// 512, twice in a row 1 in a quarter of a million.
	var tr result
	var h []string
	both := false
	for range 2 {
		tr = l.inSrc(t, "traceroute", "-6", "-n", "-q", "10", "-w", "5", l.dst6)
		h = hops(tr.stdout)
		if both = len(h) == 5 && strings.Contains(h[1]+" ", " fd77:2::2 ") && strings.Contains(h[1]+" ", " fd77:102::2 "); both {
			break
		}
	}
	if tr.code != 0 || !both || h[4] != "5 "+l.dst6 {
		t.Errorf("traceroute -6 -q 10: exit %d, hops %q; want both fd77:2::2 and fd77:102::2 at TTL 2, then %s\n%s", tr.code, h, l.dst6, tr.stderr)
	}
}

// TestLab6Down checks that down removes every namespace of the lab, the
// ECMP twin and the detour included, and leaves no process in them.
func TestLab6Down(t *testing.T) {
	needLab(t, "ping")
	l := labUp6(t, "tl6d", 3, "--ecmp", "2", "--asym", "2")
	nss := l.namespaces(t)
	want := []string{"src", "r1", "r2", "r2x", "r2d", "r3", "dst"}
	if len(nss) != len(want) {
		t.Fatalf("namespaces %q, want %d: %q", nss, len(want), want)
	}
	for _, w := range want {
		if !strings.Contains(" "+strings.Join(nss, " ")+" ", " "+l.prefix+"-"+w+" ") {
			t.Errorf("no namespace %s-%s among %q", l.prefix, w, nss)
		}
	}
	// lab.sh leaves nothing running (its self-check ping has exited).
	for _, ns := range nss {
		if r := run(t, exec.Command("ip", "netns", "pids", ns)); strings.TrimSpace(r.stdout) != "" {
			t.Errorf("processes left in %s: %s", ns, r.stdout)
		}
	}
	down := run(t, exec.Command("bash", l.script, "down", "--prefix", l.prefix))
	if down.code != 0 || !strings.Contains(down.stdout, "removed 7 namespaces") || down.stderr != "" {
		t.Errorf("lab.sh down: exit %d\n%s%s", down.code, down.stdout, down.stderr)
	}
	if left := l.namespaces(t); len(left) != 0 {
		t.Errorf("namespaces left after down: %q", left)
	}
	links := run(t, exec.Command("ip", "-o", "link", "show"))
	if strings.Contains(links.stdout, ": "+l.prefix+"-l") {
		t.Errorf("lab links left in the root namespace:\n%s", links.stdout)
	}
	st := run(t, exec.Command("bash", l.script, "status", "--prefix", l.prefix))
	if !strings.Contains(st.stdout, "lab "+l.prefix+": not running") {
		t.Errorf("lab.sh status after down:\n%s", st.stdout)
	}
}
