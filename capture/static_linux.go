//go:build linux && static

package capture

// With the static build tag (make build sets it, with netgo and osusergo,
// when libpcap.a, libdbus-1.a and libc.a are installed) tracers is one
// statically linked executable: no dynamic loader, no shared libc to map
// and relocate at every start. A zero-delay run took 22.2 ms against
// 24.5 ms for the pcapstatic build (perf stat, 4 x 10 runs each in turns,
// 2026-12-02); see README "Start-up". libpcap's name lookups
// (pcap_nametoaddr) and libdbus-1's user lookups are never called by
// tracers, whose filters hold addresses only: glibc's static NSS warnings
// at link time concern those alone.

/*
#cgo LDFLAGS: -lpcap -ldbus-1
// As in pcapstatic_linux.go: libdbus-1.a's calls into libsystemd.
int sd_listen_fds(int unset_environment) { return 0; }
int sd_is_socket(int fd, int family, int type, int listening) { return 0; }
*/
import "C"
