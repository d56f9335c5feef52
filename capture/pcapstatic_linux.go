//go:build linux && pcapstatic && !static

package capture

// With the pcapstatic build tag (make build sets it when libpcap.a and
// libdbus-1.a are installed), libpcap and the libdbus-1 it calls are linked
// into the binary: the shared libpcap loads nine libraries at every start
// (libdbus-1, libsystemd, libgcrypt, liblzma, libzstd, liblz4, libcap,
// libgpg-error), which cost a run a third of its start-up here
// (scripts/bench-startup.sh: see the README). --as-needed drops the shared
// libpcap gopacket's own "-lpcap" names, since every symbol is found first
// in the archive.

/*
#cgo LDFLAGS: -Wl,--as-needed -Wl,-Bstatic -lpcap -ldbus-1 -Wl,-Bdynamic
// libdbus-1.a calls libsystemd for socket activation of a D-Bus daemon
// only, which a client never does; these stand in for the two calls, as
// when no socket was passed.
int sd_listen_fds(int unset_environment) { return 0; }
int sd_is_socket(int fd, int family, int type, int listening) { return 0; }
*/
import "C"
