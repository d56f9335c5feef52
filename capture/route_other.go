//go:build !linux

package capture

import "net/netip"

// egress names the interface that holds src, where the kernel's route
// cannot be asked for it.
func egress(_, src netip.Addr) (string, error) { return ifaceOf(src) }
