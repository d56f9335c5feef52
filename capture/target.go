package capture

import (
	"errors"
	"fmt"
	"net/netip"
)

// ErrBadHost is what errors.Is finds in the error for a HOST that names
// no one host to trace (a broadcast, multicast or unspecified address, a
// link-local address without its interface), or not one of the family
// asked for (-4 with an IPv6 address): a bad command line.
var ErrBadHost = errors.New("bad host")

// badHost is an error about HOST itself (errors.Is: ErrBadHost).
type badHost string

func (e badHost) Error() string        { return string(e) }
func (e badHost) Is(target error) bool { return target == ErrBadHost }

// A trace follows the path to one host.
var (
	errBroadcast   error = badHost("is a broadcast address: give one host")
	errMulticast   error = badHost("is a multicast address: give one host")
	errUnspecified error = badHost("is no host address: give one host")
)

// broadcast4 is the IPv4 limited broadcast address (RFC 919).
var broadcast4 = netip.AddrFrom4([4]byte{255, 255, 255, 255})

// CheckTarget refuses, with a one-line error, a destination that is not
// one host: the unspecified address (0.0.0.0, ::), a multicast address of
// either family, the IPv4 limited broadcast 255.255.255.255, and an IPv6
// link-local address without a zone, which names no interface to leave
// through (RFC 4007 section 11). A subnet's directed broadcast is known
// only to the kernel's routes: RouteTo refuses it.
func CheckTarget(dst netip.Addr) error {
	switch {
	case !dst.IsValid():
		return errors.New("no destination address")
	case dst.IsUnspecified():
		return fmt.Errorf("%s %w", dst, errUnspecified)
	case dst.IsMulticast():
		return fmt.Errorf("%s %w", dst, errMulticast)
	case dst == broadcast4:
		return fmt.Errorf("%s %w", dst, errBroadcast)
	case dst.Is6() && dst.IsLinkLocalUnicast() && dst.Zone() == "":
		return badHost(fmt.Sprintf("%s is a link-local address: name its interface, as %s%%eth0", dst, dst))
	}
	return nil
}
