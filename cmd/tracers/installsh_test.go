package main

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestInstallScript runs scripts/install.sh (what make install and make
// uninstall run) on stand-in files into a DESTDIR: the files land where
// Debian's man, bash-completion, zsh and fish look, the manifest lists
// them and the directories install created, a second install keeps one
// manifest, and uninstall removes exactly that: a directory that was
// there before, with a file of its own, stays as it was.
func TestInstallScript(t *testing.T) {
	for _, tool := range []string{"bash", "install", "gzip"} {
		needTool(t, tool)
	}
	src := t.TempDir()
	write := func(path, text string, mode os.FileMode) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), mode); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(src, "tracers")
	write(bin, "#!/bin/sh\n", 0o755)
	for _, f := range []string{"man/tracers.1", "man/tracers-run.1", "completions/tracers", "completions/_tracers", "completions/tracers.fish"} {
		write(filepath.Join(src, f), f+"\n", 0o644)
	}
	dest := t.TempDir()
	// Someone else's file in a directory install also uses.
	other := filepath.Join(dest, "usr/share/man/man1/other.1.gz")
	write(other, "other\n", 0o644)

	sh := func(verb string) string {
		t.Helper()
		cmd := exec.Command("bash", "../../scripts/install.sh", verb)
		cmd.Env = append(os.Environ(), "PREFIX=/usr", "DESTDIR="+dest, "BIN="+bin, "BUILD="+src)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("install.sh %s: %v\n%s", verb, err, out)
		}
		return string(out)
	}
	files := func() []string {
		var got []string
		_ = filepath.WalkDir(dest, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(dest, path)
				got = append(got, filepath.ToSlash(rel))
			}
			return nil
		})
		slices.Sort(got)
		return got
	}

	out := sh("install")
	if !strings.Contains(out, "no capabilities given") {
		t.Errorf("install.sh with DESTDIR says %q, want that it gives no capabilities", out)
	}
	want := []string{
		"usr/bin/tracers",
		"usr/share/bash-completion/completions/tracers",
		"usr/share/fish/vendor_completions.d/tracers.fish",
		"usr/share/man/man1/other.1.gz",
		"usr/share/man/man1/tracers-run.1.gz",
		"usr/share/man/man1/tracers.1.gz",
		"usr/share/tracers/install-manifest",
		"usr/share/zsh/vendor-completions/_tracers",
	}
	if got := files(); !slices.Equal(got, want) {
		t.Errorf("installed %q, want %q", got, want)
	}
	manifest := filepath.Join(dest, "usr/share/tracers/install-manifest")
	first, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"d " + filepath.Join(dest, "usr/bin"), "f " + filepath.Join(dest, "usr/bin/tracers")} {
		if !strings.Contains(string(first), line+"\n") {
			t.Errorf("manifest lacks %q:\n%s", line, first)
		}
	}
	if strings.Contains(string(first), "d "+filepath.Join(dest, "usr/share/man/man1")+"\n") {
		t.Errorf("manifest lists usr/share/man/man1, which was there before:\n%s", first)
	}
	if gz, err := exec.Command("gzip", "-dc", filepath.Join(dest, "usr/share/man/man1/tracers-run.1.gz")).Output(); err != nil || string(gz) != "man/tracers-run.1\n" {
		t.Errorf("tracers-run.1.gz holds %q (%v)", gz, err)
	}

	sh("install") // again: the same manifest, not a second list
	if again, _ := os.ReadFile(manifest); string(again) != string(first) {
		t.Errorf("manifest after a second install:\n%s\nwant:\n%s", again, first)
	}

	sh("uninstall")
	if got := files(); !slices.Equal(got, []string{"usr/share/man/man1/other.1.gz"}) {
		t.Errorf("after uninstall: %q, want only the other package's file", got)
	}
	for _, d := range []string{"usr/bin", "usr/share/tracers", "usr/share/zsh"} {
		if _, err := os.Stat(filepath.Join(dest, d)); err == nil {
			t.Errorf("uninstall left the directory %s that install created", d)
		}
	}
}
