//go:build !windows

package capture

// deviceName is the libpcap device that captures on iface: iface itself.
func deviceName(iface string) (string, error) { return iface, nil }
