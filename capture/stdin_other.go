//go:build !unix

package capture

import (
	"context"
	"io"
	"os"
)

// stdin is standard input for a capture read; here a read waiting for
// data does not end with ctx (stdin_unix.go).
func stdin(context.Context) io.ReadCloser { return nopCloser{os.Stdin} }
