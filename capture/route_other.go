//go:build !linux

package capture

import "net/netip"

// kernelRoute cannot ask the kernel's route here: RouteTo then takes the
// source a connected UDP socket gets and the interface that holds it.
func kernelRoute(_, _ netip.Addr) (Route, error) { return Route{}, nil }
