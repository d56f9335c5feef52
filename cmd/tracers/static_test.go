package main

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestPcapStatic builds tracers as make build does where libpcap.a and
// libdbus-1.a are installed (the pcapstatic tag) and checks that the
// binary needs no shared library but libc's, and that it runs.
func TestPcapStatic(t *testing.T) {
	if testing.Short() {
		t.Skip("builds tracers; skipped with -short")
	}
	if runtime.GOOS != "linux" {
		t.Skip("the pcapstatic tag is for Linux")
	}
	needArchives(t, "libpcap.a", "libdbus-1.a")
	bin := filepath.Join(t.TempDir(), "tracers")
	if out, err := exec.Command("go", "build", "-tags", "pcapstatic", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build -tags pcapstatic: %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	libs, err := f.ImportedLibraries()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range libs {
		if !strings.HasPrefix(l, "libc.so") {
			t.Errorf("the pcapstatic binary needs %s; want libc only (of %q)", l, libs)
		}
	}
	if out, err := exec.Command(bin, "version").CombinedOutput(); err != nil || !strings.Contains(string(out), "libpcap version") {
		t.Errorf("tracers version: %v\n%s", err, out)
	}
}

// TestStatic builds tracers as make build does where libc.a is installed
// too (the static tag with netgo and osusergo, linked with -static) and
// checks that the binary has no dynamic loader and no shared library, and
// that it runs.
func TestStatic(t *testing.T) {
	if testing.Short() {
		t.Skip("builds tracers; skipped with -short")
	}
	if runtime.GOOS != "linux" {
		t.Skip("the static tag is for Linux")
	}
	needArchives(t, "libpcap.a", "libdbus-1.a", "libc.a")
	bin := filepath.Join(t.TempDir(), "tracers")
	cmd := exec.Command("go", "build", "-tags", "static netgo osusergo",
		"-ldflags", "-linkmode external -extldflags -static", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build -tags static: %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("the static binary has a %v program header", p.Type)
		}
	}
	if libs, err := f.ImportedLibraries(); err == nil && len(libs) > 0 {
		t.Errorf("the static binary needs %q", libs)
	}
	if out, err := exec.Command(bin, "version").CombinedOutput(); err != nil || !strings.Contains(string(out), "libpcap version") {
		t.Errorf("tracers version: %v\n%s", err, out)
	}
}

// needArchives skips the test, or fails it in CI, unless the C compiler
// finds every static library in names (libpcap0.8-dev, libdbus-1-dev,
// libc6-dev install them).
func needArchives(t *testing.T, names ...string) {
	t.Helper()
	for _, a := range names {
		out, err := exec.Command("cc", "-print-file-name="+a).Output()
		if err != nil || strings.TrimSpace(string(out)) == a {
			if os.Getenv("CI") != "" {
				t.Fatalf("cannot run in CI: no %s (libpcap0.8-dev, libdbus-1-dev, libc6-dev): %v", a, err)
			}
			t.Skipf("no %s: %v", a, err)
		}
	}
}
