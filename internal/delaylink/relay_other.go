//go:build !linux

package delaylink

import (
	"context"
	"errors"
)

// Relay serves a set of links; only Linux has one.
type Relay struct{}

// Open fails: TUN devices in network namespaces are Linux only.
func Open(links []Link, seed uint64, logf func(format string, args ...any)) (*Relay, error) {
	return nil, errors.New("delaylink: needs Linux network namespaces")
}

// Run does nothing.
func (r *Relay) Run(ctx context.Context) error { return nil }

// Close does nothing.
func (r *Relay) Close() {}
