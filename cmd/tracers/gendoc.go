//go:build gendoc

package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// newGendoc is the hidden command make man and make completions run: the
// man pages and shell completions are generated from the commands at build
// time, never written by hand. It is built in with the gendoc tag only:
// cobra/doc's package initialisation (blackfriday's tables, go-yaml) cost
// every run of tracers about 3 ms of CPU (see nogendoc.go).
func newGendoc() *cobra.Command {
	var manDir, compDir string
	c := &cobra.Command{
		Use:    "gendoc [--man DIR] [--completions DIR]",
		Short:  "Write the man pages and the bash, zsh and fish completions (for make)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if manDir == "" && compDir == "" {
				return usageError{fmt.Errorf("gendoc needs --man DIR or --completions DIR")}
			}
			root := cmd.Root()
			if manDir != "" {
				if err := writeMan(root, manDir); err != nil {
					return err
				}
			}
			if compDir != "" {
				return writeCompletions(root, compDir)
			}
			return nil
		},
	}
	c.Flags().StringVar(&manDir, "man", "", "write one man page per command, tracers.1, tracers-run.1, ..., to DIR")
	c.Flags().StringVar(&compDir, "completions", "", "write tracers (bash), _tracers (zsh) and tracers.fish to DIR")
	return c
}

// writeMan writes a section 1 man page for root and every command under
// it that help lists, with an EXIT STATUS section. The date comes from
// SOURCE_DATE_EPOCH when set (as cobra/doc reads it), for reproducible
// builds.
func writeMan(root *cobra.Command, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("gendoc: %w", err)
	}
	root.DisableAutoGenTag = true // no "Auto generated" HISTORY with today's date
	var walk func(c *cobra.Command) error
	walk = func(c *cobra.Command) error {
		if !c.IsAvailableCommand() && c != root || c.IsAdditionalHelpTopicCommand() {
			return nil
		}
		for _, sub := range c.Commands() {
			if err := walk(sub); err != nil {
				return err
			}
		}
		header := &doc.GenManHeader{Title: strings.ToUpper(manName(c)), Section: "1",
			Source: "tracers " + version, Manual: "tracers manual"}
		var b bytes.Buffer
		if err := doc.GenMan(c, header, &b); err != nil {
			return fmt.Errorf("gendoc: man page of %s: %w", c.CommandPath(), err)
		}
		page := withExitStatus(b.Bytes(), exitStatus(c))
		name := filepath.Join(dir, manName(c)+".1")
		if err := os.WriteFile(name, page, 0o644); err != nil {
			return fmt.Errorf("gendoc: %w", err)
		}
		return nil
	}
	return walk(root)
}

// manName is the page name of c: tracers, tracers-run, tracers-completion-bash.
func manName(c *cobra.Command) string {
	return strings.ReplaceAll(c.CommandPath(), " ", "-")
}

// exitStatus lists, as (status, meaning) pairs, how c exits. main maps a
// usageError and capture.ErrPermission to 2, an interruption to 128 + the
// signal, any other error to 1.
func exitStatus(c *cobra.Command) [][2]string {
	usage := [2]string{"2", "a bad command line: an unknown flag, a bad flag value, a missing or extra argument."}
	switch c.Name() {
	case "run":
		return [][2]string{
			{"0", "the trace ran, whether or not the destination answered."},
			{"1", "an error: HOST does not resolve, no route, sending or capturing failed, or the --write file cannot be written."},
			{"2", "a bad command line (HOST too: a broadcast, multicast or unspecified address, or one of the other family than -4 or -6 asks for), or missing privileges: tracers run needs root or the capability cap_net_raw (make install and the Debian package give it to the binary)."},
			{"130, 143, 129", "interrupted by SIGINT (Ctrl-C), SIGTERM or SIGHUP, as a shell reports a process the signal ended: what was found is printed and the --write file is complete."},
		}
	case "replay":
		return [][2]string{
			{"0", "the whole capture was read."},
			{"1", "the capture cannot be opened, is damaged (the message names the packet and byte offset; the traces before the damage are printed), or the --write file cannot be written."},
			usage,
			{"130, 143, 129", "interrupted by SIGINT (Ctrl-C), SIGTERM or SIGHUP: the traces read so far are printed."},
		}
	case "checksum":
		return [][2]string{
			{"0", "the checksum was computed, or with --verify the data's checksum is valid."},
			{"1", "with --verify, the checksum field is wrong (the right value is printed); or --file cannot be read."},
			usage,
		}
	}
	return [][2]string{
		{"0", "success."},
		{"1", "an error, printed on standard error in one line starting with \"tracers:\"."},
		{"2", "a bad command line, or (tracers run) missing privileges."},
	}
}

// withExitStatus inserts an EXIT STATUS section into the troff man page
// cobra/doc wrote, before SEE ALSO as man-pages(7) orders sections, or at
// the end when there is no SEE ALSO.
func withExitStatus(page []byte, status [][2]string) []byte {
	var s bytes.Buffer
	s.WriteString(".SH EXIT STATUS\n")
	for _, st := range status {
		fmt.Fprintf(&s, ".TP\n.B %s\n%s\n", st[0], strings.ReplaceAll(st[1], "-", `\-`))
	}
	s.WriteString("\n")
	at := bytes.Index(page, []byte("\n.SH SEE ALSO"))
	if at < 0 {
		return append(page, s.Bytes()...)
	}
	at++
	out := make([]byte, 0, len(page)+s.Len())
	out = append(out, page[:at]...)
	out = append(out, s.Bytes()...)
	return append(out, page[at:]...)
}

// writeCompletions writes the bash, zsh and fish completion scripts under
// the names those shells look for: tracers, _tracers and tracers.fish.
func writeCompletions(root *cobra.Command, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("gendoc: %w", err)
	}
	for _, f := range []struct {
		name string
		gen  func(*bytes.Buffer) error
	}{
		{"tracers", func(b *bytes.Buffer) error { return root.GenBashCompletionV2(b, true) }},
		{"_tracers", func(b *bytes.Buffer) error { return root.GenZshCompletion(b) }},
		{"tracers.fish", func(b *bytes.Buffer) error { return root.GenFishCompletion(b, true) }},
	} {
		var b bytes.Buffer
		if err := f.gen(&b); err != nil {
			return fmt.Errorf("gendoc: completion %s: %w", f.name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.name), b.Bytes(), 0o644); err != nil {
			return fmt.Errorf("gendoc: %w", err)
		}
	}
	return nil
}
