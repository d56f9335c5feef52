package main

// Packaging tests: make install / make uninstall into a temporary prefix,
// and make deb installed with dpkg and purged. Both then trace the lab as
// a non-root user (nobody) with the capabilities install gave the binary.
// They need root; with CI set they must run.

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tracers/tracers/internal/schematest"
)

// asNobody is the command line that runs args as a user without any
// privilege: uid nobody, gid nogroup, no supplementary groups.
func asNobody(args ...string) []string {
	return append([]string{"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"}, args...)
}

// makeIn runs make in the repository root with args, bounded in time.
func makeIn(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "make", append([]string{"-C", "../.."}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// worldDir is a temporary directory nobody can enter (t.TempDir's are 0700).
func worldDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// traceAsNobody runs bin run -n in the lab as nobody and checks the hops.
func traceAsNobody(t *testing.T, l *lab, bin string, want []string) {
	t.Helper()
	cmd := asNobody(bin, "run", "-n", l.dst)
	got := l.inSrc(t, cmd[0], cmd[1:]...)
	if got.code != 0 {
		t.Fatalf("tracers run as nobody: exit %d\n%s%s", got.code, got.stdout, got.stderr)
	}
	if h := hops(got.stdout); !slices.Equal(h, want) {
		t.Errorf("tracers run as nobody: hops %q, want %q\n%s", h, want, got.stdout)
	}
}

func getcap(t *testing.T, file string) string {
	t.Helper()
	out, err := exec.Command("getcap", file).CombinedOutput()
	if err != nil {
		t.Fatalf("getcap %s: %v\n%s", file, err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestLabInstallUninstall(t *testing.T) {
	needLab(t, "make", "setcap", "getcap", "setpriv", "gzip")
	dir := worldDir(t)
	prefix, build := filepath.Join(dir, "prefix"), filepath.Join(dir, "build")
	vars := []string{"PREFIX=" + prefix, "DESTDIR=", "BUILD=" + build, "BIN=" + filepath.Join(build, "tracers")}
	makeIn(t, append([]string{"install"}, vars...)...)

	bin := filepath.Join(prefix, "bin", "tracers")
	for _, f := range []string{
		bin,
		"share/man/man1/tracers.1.gz",
		"share/man/man1/tracers-run.1.gz",
		"share/man/man1/tracers-replay.1.gz",
		"share/bash-completion/completions/tracers",
		"share/zsh/site-functions/_tracers", // vendor-completions for PREFIX=/usr
		"share/fish/vendor_completions.d/tracers.fish",
	} {
		if !filepath.IsAbs(f) {
			f = filepath.Join(prefix, f)
		}
		if _, err := os.Stat(f); err != nil {
			t.Errorf("make install did not install %s: %v", f, err)
		}
	}
	if c := getcap(t, bin); !strings.HasSuffix(c, " cap_net_raw=ep") {
		t.Errorf("getcap %s = %q, want cap_net_raw=ep", bin, c)
	}
	if out, err := exec.Command("man", "-M", filepath.Join(prefix, "share", "man"), "-w", "tracers-run").CombinedOutput(); err != nil ||
		strings.TrimSpace(string(out)) != filepath.Join(prefix, "share/man/man1/tracers-run.1.gz") {
		t.Errorf("man -w tracers-run = %q, %v", out, err)
	}

	l := labUp(t, "tp", 2)
	traceAsNobody(t, l, bin, []string{"1 10.77.1.2", "2 10.77.2.2", "3 10.77.3.2"})
	// tracers run --format json: the one JSON document only a live run writes.
	cmd := asNobody(bin, "run", "-n", "--format", "json", l.dst)
	if got := l.inSrc(t, cmd[0], cmd[1:]...); got.code != 0 || !strings.Contains(got.stdout, `"reached": true`) {
		t.Errorf("tracers run --format json as nobody: exit %d\n%s%s", got.code, got.stdout, got.stderr)
	} else {
		schematest.Load(t).Validate(t, "run --format json", []byte(got.stdout))
	}

	makeIn(t, append([]string{"uninstall"}, vars...)...)
	var left []string
	_ = filepath.WalkDir(prefix, func(path string, _ fs.DirEntry, err error) error {
		if err == nil || !os.IsNotExist(err) {
			left = append(left, path)
		}
		return nil
	})
	if len(left) > 0 {
		t.Errorf("make uninstall left %q", left)
	}
}

func TestLabDeb(t *testing.T) {
	needLab(t, "make", "dpkg", "dpkg-deb", "getcap", "setpriv", "man")
	if exec.Command("dpkg", "-s", "tracers").Run() == nil {
		t.Fatal("a tracers package is installed already; this test installs and purges its own: dpkg --purge tracers first")
	}
	build := worldDir(t)
	makeIn(t, "deb", "BUILD="+build, "BIN="+filepath.Join(build, "tracers"))
	debs, _ := filepath.Glob(filepath.Join(build, "tracers_*_*.deb"))
	if len(debs) != 1 {
		t.Fatalf("make deb made %q, want one tracers_VERSION_ARCH.deb", debs)
	}
	if out, err := exec.Command("dpkg-deb", "-f", debs[0], "Depends").Output(); err != nil || !strings.Contains(string(out), "libpcap0.8") {
		t.Errorf("Depends: %q (%v), want libpcap0.8", out, err)
	}

	if out, err := exec.Command("dpkg", "-i", debs[0]).CombinedOutput(); err != nil {
		t.Fatalf("dpkg -i %s: %v\n%s", debs[0], err, out)
	}
	t.Cleanup(func() { _ = exec.Command("dpkg", "--purge", "tracers").Run() })
	out, err := exec.Command("dpkg", "-L", "tracers").Output()
	if err != nil {
		t.Fatalf("dpkg -L tracers: %v", err)
	}
	listed := strings.Fields(string(out))

	const bin = "/usr/bin/tracers"
	version := asNobody(bin, "version")
	v, err := exec.Command(version[0], version[1:]...).CombinedOutput()
	if err != nil || !strings.HasPrefix(string(v), "tracers ") || !strings.Contains(string(v), "libpcap:  libpcap version") {
		t.Errorf("tracers version: %v\n%s", err, v)
	}
	for _, page := range []string{"tracers", "tracers-run"} {
		if out, err := exec.Command("man", "-w", page).CombinedOutput(); err != nil ||
			strings.TrimSpace(string(out)) != "/usr/share/man/man1/"+page+".1.gz" {
			t.Errorf("man -w %s = %q, %v", page, out, err)
		}
	}
	if c := getcap(t, bin); !strings.HasSuffix(c, " cap_net_raw=ep") {
		t.Errorf("getcap %s = %q, want cap_net_raw=ep (postinst)", bin, c)
	}
	l := labUp(t, "tp", 2)
	traceAsNobody(t, l, bin, []string{"1 10.77.1.2", "2 10.77.2.2", "3 10.77.3.2"})

	if out, err := exec.Command("dpkg", "--purge", "tracers").CombinedOutput(); err != nil {
		t.Fatalf("dpkg --purge tracers: %v\n%s", err, out)
	}
	if exec.Command("dpkg", "-s", "tracers").Run() == nil {
		t.Error("dpkg -s tracers: still known after --purge")
	}
	for _, f := range listed {
		fi, err := os.Lstat(f)
		if err != nil {
			continue
		}
		// Directories other packages share (/usr/bin, /usr/share/man/man1) stay.
		if !fi.IsDir() || strings.Contains(f, "tracers") {
			t.Errorf("%s is left after dpkg --purge tracers", f)
		}
	}
}
