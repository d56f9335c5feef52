#!/bin/sh
# darwin-cc.sh: gcc standing in for Apple's clang so that `go vet` can
# type-check the darwin build (cgo: gopacket's pcap package) on Linux, with
# Linux's libpcap headers in place of macOS's (make cross). It drops clang's
# "-arch X" and lets through what runtime/cgo's darwin C files declare only
# in Apple's headers. Good for vet, never for a binary: linking needs Apple's
# SDK (osxcross or a Mac).
skip=0
for a in "$@"; do
	shift
	if [ "$skip" = 1 ]; then skip=0; continue; fi
	if [ "$a" = "-arch" ]; then skip=1; continue; fi
	set -- "$@" "$a"
done
exec "${DARWIN_CC_GCC:-gcc}" "$@" -Wno-error -Wno-implicit-function-declaration -Wno-int-conversion
