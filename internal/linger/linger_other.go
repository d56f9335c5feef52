//go:build !linux || !cgo

package linger

import "os"

// Exit ends the process with code.
func Exit(code int) { os.Exit(code) }
