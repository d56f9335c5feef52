//go:build !gendoc

package main

import "github.com/spf13/cobra"

// newGendoc is nil without the gendoc build tag: the man page generator
// (cobra/doc, which imports blackfriday and go-yaml) stays out of the
// tracers users run. Their package initialisation was 8% of the CPU of a
// whole tracers run on the zero-delay lab (perf, 30 runs), about 3 ms at
// every start; make man and make completions build a binary with the tag.
func newGendoc() *cobra.Command { return nil }
