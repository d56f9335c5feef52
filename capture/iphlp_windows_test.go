package capture

import (
	"net/netip"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"
)

// TestIpNetRow2Layout checks mibIpNetRow2 against netioapi.h's
// MIB_IPNET_ROW2 (88 bytes on 64-bit Windows).
func TestIpNetRow2Layout(t *testing.T) {
	var r mibIpNetRow2
	if got := unsafe.Sizeof(r); got != 88 {
		t.Errorf("sizeof = %d, want 88", got)
	}
	if got := unsafe.Offsetof(r.PhysicalAddressLength); got != 72 {
		t.Errorf("PhysicalAddressLength at %d, want 72", got)
	}
}

func TestSockaddr(t *testing.T) {
	for _, s := range []string{"10.77.5.2", "fd77:5::2"} {
		a := netip.MustParseAddr(s)
		var sa windows.RawSockaddrInet
		setSockaddr(&sa, a)
		if got := sockaddrAddr(&sa); got != a {
			t.Errorf("%s: read back %s", a, got)
		}
	}
}
