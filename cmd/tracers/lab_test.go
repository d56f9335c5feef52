package main

// Lab tests: they build network namespaces with scripts/lab.sh and trace
// across real Linux routers with the built binary. They need root; without
// it they skip, and with CI set a skip is a failure.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// needTool returns the path of the program name, or skips the test
// without it (fails it when CI is set: CI installs every tool the tests use).
func needTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("cannot run in CI: needs %s: %v", name, err)
		}
		t.Skipf("needs %s: %v", name, err)
	}
	return path
}

// needLab skips (or, with CI set, fails) a test that needs root and the
// lab's tools, and returns the path of a freshly built tracers binary.
func needLab(t *testing.T, tools ...string) string {
	t.Helper()
	miss := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") != "" {
			t.Fatalf("lab test cannot run in CI: "+format, args...)
		}
		t.Skipf(format, args...)
	}
	if testing.Short() {
		miss("lab test skipped with -short")
	}
	if os.Geteuid() != 0 {
		miss("lab test needs root (network namespaces, raw sockets)")
	}
	for _, tool := range append([]string{"ip", "bash"}, tools...) {
		needTool(t, tool)
	}
	return builtTracers(t)
}

// builtTracers returns the path of a tracers binary built from this
// package once per test run (go build, the default tags).
func builtTracers(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tracers-lab-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "tracers")
		out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// lab is one scripts/lab.sh topology, removed when the test ends.
type lab struct {
	prefix string
	dst    string
}

// labUp brings up a lab of the given routers. Its prefix names its
// namespaces; TRACERS_LAB_PREFIX, when set, replaces the tests' own "trt"
// in it, so that two checkouts can run the lab tests at once.
func labUp(t *testing.T, prefix string, routers int, args ...string) *lab {
	t.Helper()
	if p := os.Getenv("TRACERS_LAB_PREFIX"); p != "" {
		prefix = p + strings.TrimPrefix(prefix, "trt")
	}
	script, err := filepath.Abs("../../scripts/lab.sh")
	if err != nil {
		t.Fatal(err)
	}
	all := append([]string{script, "up", "--prefix", prefix, "--routers", strconv.Itoa(routers)}, args...)
	out, err := exec.Command("bash", all...).CombinedOutput()
	if err != nil {
		t.Fatalf("lab.sh %s: %v\n%s", strings.Join(all[1:], " "), err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("bash", script, "down", "--prefix", prefix).CombinedOutput(); err != nil {
			t.Errorf("lab.sh down: %v\n%s", err, out)
		}
	})
	m := regexp.MustCompile(`(?m)^destination: (\S+)$`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("lab.sh printed no destination:\n%s", out)
	}
	return &lab{prefix: prefix, dst: string(m[1])}
}

// result is what one command printed and how it exited.
type result struct {
	stdout, stderr string
	code           int
}

// inSrc runs a command in the lab's source namespace, bounded in time.
func (l *lab) inSrc(t *testing.T, name string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", l.prefix + "-src", name}, args...)...)
	return run(t, cmd)
}

func run(t *testing.T, cmd *exec.Cmd) result {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("%s: %v", cmd, err)
	}
	return r
}

var hopLine = regexp.MustCompile(`^\s*(\d+)\s+(.*)$`)

// hops turns traceroute-style output into "TTL responders-and-marks" lines
// without RTTs: " 2  10.77.2.2  0.1 ms !H  *" becomes "2 10.77.2.2 !H *".
func hops(out string) []string {
	var res []string
	for _, line := range strings.Split(out, "\n") {
		m := hopLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		f := strings.Fields(m[2])
		keep := []string{m[1]}
		for i := 0; i < len(f); i++ {
			if i+1 < len(f) && f[i+1] == "ms" {
				i++
				continue
			}
			if f[i] == "(past" || f[i] == "destination)" {
				continue
			}
			keep = append(keep, f[i])
		}
		res = append(res, strings.Join(keep, " "))
	}
	return res
}

func TestLabSameHopsAsTraceroute(t *testing.T) {
	bin := needLab(t, "traceroute")
	l := labUp(t, "trt1", 4)
	got := l.inSrc(t, bin, "run", "-n", l.dst)
	if got.code != 0 {
		t.Fatalf("tracers run: exit %d\n%s%s", got.code, got.stdout, got.stderr)
	}
	want := []string{"1 10.77.1.2", "2 10.77.2.2", "3 10.77.3.2", "4 10.77.4.2", "5 10.77.5.2"}
	if h := hops(got.stdout); strings.Join(h, "\n") != strings.Join(want, "\n") {
		t.Errorf("tracers hops:\n%s\nwant:\n%s\noutput:\n%s", strings.Join(h, "\n"), strings.Join(want, "\n"), got.stdout)
	}
	// -w 5 alone: traceroute's adaptive wait can print '*' for replies a
	// busy machine delays (its manual says so).
	tr := l.inSrc(t, "traceroute", "-I", "-n", "-w", "5", l.dst)
	if tr.code != 0 {
		t.Fatalf("traceroute: exit %d\n%s%s", tr.code, tr.stdout, tr.stderr)
	}
	if a, b := hops(got.stdout), hops(tr.stdout); strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("tracers and traceroute -I disagree:\ntracers:\n%s\ntraceroute:\n%s", got.stdout, tr.stdout)
	}
	// Three probes per hop, each with an RTT.
	for _, line := range strings.Split(strings.TrimSpace(got.stdout), "\n")[1:] {
		if n := strings.Count(line, " ms"); n != 3 {
			t.Errorf("hop line %q has %d RTTs, want 3", line, n)
		}
	}
	// The source's own address (routed through lo, not through the
	// interface that holds it) and the first router.
	for _, dst := range []string{"10.77.1.1", "10.77.1.2"} {
		got := l.inSrc(t, bin, "run", "-n", dst)
		tr := l.inSrc(t, "traceroute", "-I", "-n", "-w", "5", dst)
		want := "1 " + dst
		if a, b := strings.Join(hops(got.stdout), "\n"), strings.Join(hops(tr.stdout), "\n"); got.code != 0 || a != want || b != want {
			t.Errorf("run %s: exit %d, hops %q (traceroute -I: %q), want %q\n%s", dst, got.code, a, b, want, got.stderr)
		}
	}
}

// wantHops fails t unless r, the run of what, exited 0 and printed the
// hop lines want (as hops reads them).
func wantHops(t *testing.T, what string, r result, want []string) {
	t.Helper()
	if h := hops(r.stdout); r.code != 0 || strings.Join(h, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s: exit %d, hops:\n%s\nwant:\n%s\nstderr: %s", what, r.code, strings.Join(h, "\n"), strings.Join(want, "\n"), r.stderr)
	}
}

func TestLabSilentRouter(t *testing.T) {
	bin := needLab(t, "iptables")
	l := labUp(t, "trt2", 4, "--silent", "2")
	want := []string{"1 10.77.1.2", "2 * * *", "3 10.77.3.2", "4 10.77.4.2", "5 10.77.5.2"}
	wantHops(t, "run", l.inSrc(t, bin, "run", "-n", l.dst), want)
	// --explain prints the same hops, each with what its packets show.
	ex := l.inSrc(t, bin, "run", "-n", "--explain", l.dst)
	wantHops(t, "run --explain", ex, want)
	for _, w := range []string{
		"10.77.1.2 sent ICMP Time Exceeded (type 11, code 0)",
		"No reply to any of the 3 probes, yet later hops answer",
		"The destination 10.77.5.2 answered with ICMP Echo Reply (type 0): it was reached after 5 hops.",
	} {
		if !strings.Contains(ex.stdout, "      "+w) {
			t.Errorf("run --explain does not say %q:\n%s", w, ex.stdout)
		}
	}
}

func TestLabHostUnreachable(t *testing.T) {
	bin := needLab(t, "iptables")
	l := labUp(t, "trt3", 4, "--unreach", "3")
	got := l.inSrc(t, bin, "run", "-n", l.dst)
	// Router 3 answers TTL 3 with Time Exceeded, then refuses to forward.
	want := []string{"1 10.77.1.2", "2 10.77.2.2", "3 10.77.3.2", "4 10.77.3.2 !H !H !H"}
	if h := hops(got.stdout); strings.Join(h, "\n") != strings.Join(want, "\n") {
		t.Errorf("hops:\n%s\nwant:\n%s\noutput:\n%s", strings.Join(h, "\n"), strings.Join(want, "\n"), got.stdout)
	}
}

func TestLabWriteTsharkReplay(t *testing.T) {
	bin := needLab(t, "tshark")
	l := labUp(t, "trt4", 4, "--silent", "2")
	dir := t.TempDir()
	for _, name := range []string{"t.pcap", "t.pcapng"} {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(dir, name)
			got := l.inSrc(t, bin, "run", "-n", "--write", file, l.dst)
			if got.code != 0 {
				t.Fatalf("run: exit %d: %s", got.code, got.stderr)
			}
			// tshark reads it without complaint, and checks both checksums of
			// every probe.
			ts := run(t, exec.Command("tshark", "-r", file, "-o", "ip.check_checksum:TRUE",
				"-T", "fields", "-E", "separator=/t",
				"-e", "ip.src", "-e", "icmp.type", "-e", "ip.checksum.status", "-e", "icmp.checksum.status", "-e", "_ws.malformed"))
			if ts.code != 0 || !onlyRootWarning(ts.stderr) {
				t.Fatalf("tshark: exit %d: %s", ts.code, ts.stderr)
			}
			var probes, replies int
			for _, line := range strings.Split(strings.TrimRight(ts.stdout, "\n"), "\n") {
				f := strings.Split(line, "\t")
				if len(f) < 5 {
					t.Fatalf("tshark line %q", line)
				}
				if f[4] != "" {
					t.Errorf("tshark marks a packet malformed: %q", line)
				}
				if f[0] == "10.77.1.1" && f[1] == "8" {
					probes++
					if f[2] != "1" || f[3] != "1" {
						t.Errorf("probe checksums not Good (ip %s, icmp %s; 1 is Good): %q", f[2], f[3], line)
					}
				} else {
					replies++
				}
			}
			// 5 hops of 3 probes, perhaps a few past the destination, every
			// one answered but the 3 to the silent router.
			if probes < 15 || replies != probes-3 {
				t.Errorf("tshark shows %d probes and %d replies", probes, replies)
			}
			// Replay prints the same hop lines, RTTs included, to the microsecond.
			rp := run(t, exec.Command(bin, "replay", file))
			if rp.code != 0 {
				t.Fatalf("replay: exit %d: %s", rp.code, rp.stderr)
			}
			live := hopLines(got.stdout)
			if re := hopLines(rp.stdout); len(re) < len(live) || strings.Join(re[:len(live)], "\n") != strings.Join(live, "\n") {
				t.Errorf("replay differs from run:\nrun:\n%s\nreplay:\n%s", got.stdout, rp.stdout)
			}
		})
	}
}

func onlyRootWarning(stderr string) bool {
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if line != "" && !strings.HasPrefix(line, "Running as user") {
			return false
		}
	}
	return true
}

// hopLines are the lines that start with a TTL, as printed.
func hopLines(out string) []string {
	var res []string
	for _, line := range strings.Split(out, "\n") {
		if hopLine.MatchString(line) {
			res = append(res, line)
		}
	}
	return res
}

func TestLabConcurrentRuns(t *testing.T) {
	bin := needLab(t)
	l := labUp(t, "trt5", 4)
	want := "1 10.77.1.2\n2 10.77.2.2\n3 10.77.3.2\n4 10.77.4.2\n5 10.77.5.2"
	var wg sync.WaitGroup
	res := make([]result, 4)
	for i := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = l.inSrc(t, bin, "run", "-n", "--rate", "2000", l.dst)
		}()
	}
	wg.Wait()
	for i, r := range res {
		if got := strings.Join(hops(r.stdout), "\n"); r.code != 0 || got != want {
			t.Errorf("run %d: exit %d, hops:\n%s\nwant:\n%s\nstderr: %s", i, r.code, got, want, r.stderr)
		}
	}
}

func TestLabErrors(t *testing.T) {
	bin := needLab(t, "setpriv")
	l := labUp(t, "trt6", 2)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{name: "no CAP_NET_RAW", args: []string{"setpriv", "--inh-caps=-all", "--bounding-set=-net_raw,-net_admin", bin, "run", "-n", l.dst}, code: 2, want: "CAP_NET_RAW"},
		// IPv6 is off in a lab without --ipv6: no route to ::1 (before
		// IPv6 run: "not an IPv4 address"), in one line naming it.
		{name: "ipv6 literal", args: []string{bin, "run", "-n", "::1"}, code: 1, want: "::1"},
		{name: "missing interface", args: []string{bin, "run", "-n", "-i", "nosuch0", l.dst}, code: 1, want: "nosuch0"},
		{name: "bad max hops", args: []string{bin, "run", "-n", "-m", "300", l.dst}, code: 2, want: "max hops"},
		{name: "bad flag", args: []string{bin, "run", "--nope", l.dst}, code: 2, want: "unknown flag"},
		// A HOST that names no one host, or not of the family asked
		// for, is a bad command line (exit 2), as traceroute's.
		{name: "broadcast", args: []string{bin, "run", "-n", "10.77.1.255"}, code: 2, want: "10.77.1.255 is a broadcast address"},
		{name: "multicast", args: []string{bin, "run", "-n", "224.0.0.1"}, code: 2, want: "multicast"},
		{name: "unspecified", args: []string{bin, "run", "-n", "0.0.0.0"}, code: 2, want: "0.0.0.0 is no host address"},
		{name: "foreign source", args: []string{bin, "run", "-n", "-s", "10.99.0.1", l.dst}, code: 1, want: "source 10.99.0.1 is not an address of this host"},
		{name: "ipv4 address with -6", args: []string{bin, "run", "-n", "-6", l.dst}, code: 2, want: "is an IPv4 address"},
		{name: "-4 and -6", args: []string{bin, "run", "-n", "-4", "-6", l.dst}, code: 2, want: "-4 and -6"},
		{name: "zero in flight", args: []string{bin, "run", "-n", "-N", "0", l.dst}, code: 2, want: "-N"},
		{name: "too many in flight", args: []string{bin, "run", "-n", "-N", "300", l.dst}, code: 2, want: "in flight"},
		// The namespace has no route to any name server: resolving fails
		// at once, and nothing leaves the lab.
		{name: "unresolvable host", args: []string{bin, "run", "-n", "no-such-host.invalid"}, code: 1, want: "no-such-host.invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := l.inSrc(t, tt.args[0], tt.args[1:]...)
			lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
			if r.code != tt.code || len(lines) != 1 || !strings.HasPrefix(lines[0], "tracers: ") || !strings.Contains(lines[0], tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and one line 'tracers: ...%s...'", r.code, r.stderr, tt.code, tt.want)
			}
			if strings.Contains(r.stderr, "goroutine") || strings.Contains(r.stderr, "panic") {
				t.Errorf("stack trace on stderr: %s", r.stderr)
			}
		})
	}
}

func TestLabFullDisk(t *testing.T) {
	bin := needLab(t)
	l := labUp(t, "trt7", 2)
	r := l.inSrc(t, bin, "run", "-n", "--write", "/dev/full", l.dst)
	if r.code == 0 || strings.Count(r.stderr, "/dev/full") != 1 || !strings.Contains(r.stderr, "no space") {
		t.Errorf("exit %d, stderr %q; want an error naming /dev/full once and the full disk", r.code, r.stderr)
	}
	if h := hops(r.stdout); len(h) != 3 || h[2] != "3 10.77.3.2" {
		t.Errorf("trace not printed on a full disk:\n%s", r.stdout)
	}
}

// TestLabInterrupt: Ctrl-C (SIGINT), SIGTERM and a lost terminal (SIGHUP)
// end a run with what it found printed, "interrupted" and the exit status
// a shell gives a process the signal ended, and a whole capture file.
func TestLabInterrupt(t *testing.T) {
	bin := needLab(t, "tshark", "iptables")
	// The destination's router drops everything: the trace would take
	// many seconds at 20 probes/s with no gap limit; the signal comes first.
	l := labUp(t, "trt8", 3, "--silent", "3")
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "int.pcap")
			cmd := exec.Command("ip", "netns", "exec", l.prefix+"-src", bin, "run", "-n", "--rate", "20", "--gap-limit", "0", "-w", "5", "--write", file, "10.77.9.9")
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Signal once the trace is under way: the capture file exists
			// (it is created after the capture opened) and a moment has passed
			// for the first hops. A fixed sleep was too short on a loaded machine.
			for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				if _, err := os.Stat(file); err == nil {
					break
				}
			}
			time.Sleep(500 * time.Millisecond)
			// ip netns exec execs the binary, so the pid is tracers'.
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("tracers did not stop on %v", sig)
			}
			// As a shell reports a process the signal ended: 130, 143, 129.
			if code := cmd.ProcessState.ExitCode(); code != 128+int(sig) || !strings.Contains(errb.String(), "interrupted") {
				t.Errorf("exit %d, stderr %q; want %d and 'interrupted'", code, errb.String(), 128+int(sig))
			}
			if h := hops(out.String()); len(h) == 0 || h[0] != "1 10.77.1.2" {
				t.Errorf("what was found before %v is not printed:\n%s", sig, out.String())
			}
			ts := run(t, exec.Command("tshark", "-r", file, "-T", "fields", "-e", "frame.number"))
			if ts.code != 0 || !onlyRootWarning(ts.stderr) || len(strings.Fields(ts.stdout)) < 2 {
				t.Errorf("capture after %v: tshark exit %d, %d packets, stderr %q", sig, ts.code, len(strings.Fields(ts.stdout)), ts.stderr)
			}
		})
	}
}

// TestLabECMP checks lab.sh --ecmp: router 1 splits UDP flows between
// router 2 and its twin, so traceroute's UDP probes (a port each) meet both
// at TTL 2, while tracers' default probes (Paris ICMP: one checksum to
// hash) all take one path and still reach the destination.
func TestLabECMP(t *testing.T) {
	bin := needLab(t, "traceroute")
	l := labUp(t, "trt9", 4, "--ecmp", "2")
	// Ten probes all hashed onto one path: 1 in 512; a second run makes
	// a false failure one in a quarter of a million.
	var tr result
	var h []string
	both := false
	for range 2 {
		tr = l.inSrc(t, "traceroute", "-n", "-q", "10", "-w", "5", l.dst)
		h = hops(tr.stdout)
		if both = len(h) == 5 && strings.Contains(h[1]+" ", " 10.77.2.2 ") && strings.Contains(h[1]+" ", " 10.77.102.2 "); both {
			break
		}
	}
	if tr.code != 0 || !both {
		t.Errorf("traceroute -q 10: exit %d, hops %q; want both 10.77.2.2 and 10.77.102.2 at TTL 2\n%s", tr.code, h, tr.stderr)
	}
	got := l.inSrc(t, bin, "run", "-n", l.dst)
	h = hops(got.stdout)
	if got.code != 0 || len(h) != 5 || h[1] != "2 10.77.2.2" && h[1] != "2 10.77.102.2" || h[4] != "5 "+l.dst {
		t.Errorf("tracers run: exit %d, hops %q; want one path through router 2 or its twin to %s", got.code, h, l.dst)
	}
}

// TestLabAsymmetric checks lab.sh --asym: the replies of router 3 and
// beyond come back through one router more, and run --explain says so.
func TestLabAsymmetric(t *testing.T) {
	bin := needLab(t)
	l := labUp(t, "trt10", 4, "--asym", "3")
	got := l.inSrc(t, bin, "run", "-n", "--explain", l.dst)
	want := []string{"1 10.77.1.2", "2 10.77.2.2", "3 10.77.3.2", "4 10.77.4.2", "5 10.77.5.2"}
	if h := hops(got.stdout); got.code != 0 || strings.Join(h, "\n") != strings.Join(want, "\n") {
		t.Fatalf("exit %d, hops %q, want %q\n%s", got.code, h, want, got.stderr)
	}
	for _, w := range []string{
		"crossed 2 hops back, as many as the probe crossed forward",
		"crossed 4 hops back while the probe crossed 3 forward: the return path differs from the forward path (an asymmetric route)",
	} {
		if !strings.Contains(got.stdout, w) {
			t.Errorf("run --explain does not say %q:\n%s", w, got.stdout)
		}
	}
}

// TestLabRunIPv6 traces over IPv6 (lab.sh up --ipv6): the same hops as
// traceroute -6 -I, a silent router's * * *, !H at an address unreachable,
// and --write then replay giving the same hop lines, RTTs included, with
// every probe's ICMPv6 checksum Good in tshark.
func TestLabRunIPv6(t *testing.T) {
	bin := needLab(t, "traceroute", "tshark", "ip6tables")
	dst6 := "fd77:5::2" // lab.sh: fd77:(N+1)::2 for N routers
	t.Run("plain", func(t *testing.T) {
		l := labUp(t, "trt11", 4, "--ipv6")
		got := l.inSrc(t, bin, "run", "-6", "-n", dst6)
		want := []string{"1 fd77:1::2", "2 fd77:2::2", "3 fd77:3::2", "4 fd77:4::2", "5 fd77:5::2"}
		if h := hops(got.stdout); got.code != 0 || strings.Join(h, "\n") != strings.Join(want, "\n") {
			t.Errorf("run -6: exit %d, hops %q, want %q\n%s%s", got.code, h, want, got.stdout, got.stderr)
		}
		if !strings.HasPrefix(got.stdout, "tracers to fd77:5::2 (fd77:5::2), 30 hops max, 80 byte packets\n") {
			t.Errorf("header: %q", strings.SplitN(got.stdout, "\n", 2)[0])
		}
		tr := l.inSrc(t, "traceroute", "-6", "-I", "-n", "-w", "5", dst6)
		if a, b := hops(got.stdout), hops(tr.stdout); tr.code != 0 || strings.Join(a, "\n") != strings.Join(b, "\n") {
			t.Errorf("tracers run -6 and traceroute -6 -I disagree:\ntracers:\n%s\ntraceroute:\n%s", got.stdout, tr.stdout)
		}
		// A name-less IPv6 literal without -6 is traced over IPv6 too.
		if any := l.inSrc(t, bin, "run", "-n", dst6); strings.Join(hops(any.stdout), "\n") != strings.Join(want, "\n") {
			t.Errorf("run without -6: exit %d\n%s%s", any.code, any.stdout, any.stderr)
		}
	})
	t.Run("silent router and write", func(t *testing.T) {
		l := labUp(t, "trt12", 4, "--ipv6", "--silent", "2")
		file := filepath.Join(t.TempDir(), "t6.pcapng")
		got := l.inSrc(t, bin, "run", "-6", "-n", "--write", file, dst6)
		want := []string{"1 fd77:1::2", "2 * * *", "3 fd77:3::2", "4 fd77:4::2", "5 fd77:5::2"}
		if h := hops(got.stdout); got.code != 0 || strings.Join(h, "\n") != strings.Join(want, "\n") {
			t.Fatalf("run -6: exit %d, hops %q, want %q\n%s", got.code, h, want, got.stderr)
		}
		rp := run(t, exec.Command(bin, "replay", file))
		live := hopLines(got.stdout)
		if re := hopLines(rp.stdout); rp.code != 0 || len(re) < len(live) || strings.Join(re[:len(live)], "\n") != strings.Join(live, "\n") {
			t.Errorf("replay differs from run:\nrun:\n%s\nreplay:\n%s%s", got.stdout, rp.stdout, rp.stderr)
		}
		ts := run(t, exec.Command("tshark", "-r", file, "-T", "fields", "-E", "separator=/t",
			"-e", "ipv6.src", "-e", "icmpv6.type", "-e", "icmpv6.checksum.status", "-e", "_ws.malformed"))
		if ts.code != 0 || !onlyRootWarning(ts.stderr) {
			t.Fatalf("tshark: exit %d: %s", ts.code, ts.stderr)
		}
		probes := 0
		for _, line := range strings.Split(strings.TrimRight(ts.stdout, "\n"), "\n") {
			f := strings.Split(line, "\t")
			if len(f) < 4 || f[3] != "" {
				t.Errorf("tshark line %q: short or malformed", line)
				continue
			}
			if f[0] == "fd77:1::1" && f[1] == "128" {
				probes++
				if f[2] != "1" {
					t.Errorf("probe ICMPv6 checksum not Good (1 is Good): %q", line)
				}
			}
		}
		if probes < 15 {
			t.Errorf("tshark shows %d probes, want at least 15", probes)
		}
	})
	t.Run("address unreachable", func(t *testing.T) {
		l := labUp(t, "trt13", 4, "--ipv6", "--unreach", "3")
		got := l.inSrc(t, bin, "run", "-6", "-n", dst6)
		want := []string{"1 fd77:1::2", "2 fd77:2::2", "3 fd77:3::2", "4 fd77:3::2 !H !H !H"}
		if h := hops(got.stdout); strings.Join(h, "\n") != strings.Join(want, "\n") {
			t.Errorf("hops %q, want %q\n%s%s", h, want, got.stdout, got.stderr)
		}
	})
}

// TestLabOnLinkReplay: a trace to a host on the source's link sends TTL 1
// alone; a replay of its capture is still that trace, as run printed it.
func TestLabOnLinkReplay(t *testing.T) {
	bin := needLab(t)
	l := labUp(t, "trt7o", 1)
	file := filepath.Join(t.TempDir(), "onlink.pcap")
	got := l.inSrc(t, bin, "run", "-n", "--write", file, "10.77.1.2")
	if h := hops(got.stdout); got.code != 0 || len(h) != 1 || h[0] != "1 10.77.1.2" {
		t.Fatalf("run: exit %d, hops %q, want 1 10.77.1.2\n%s", got.code, h, got.stderr)
	}
	rp := run(t, exec.Command(bin, "replay", file))
	if a, b := hopLines(rp.stdout), hopLines(got.stdout); rp.code != 0 || len(a) != 1 || a[0] != b[0] {
		t.Errorf("replay:\n%s%s\nwant the hop run printed:\n%s", rp.stdout, rp.stderr, got.stdout)
	}
}
