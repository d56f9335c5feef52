//go:build !openbsd

package capture

// dltRaw is libpcap's DLT_RAW: 12 (OpenBSD's is 14).
const dltRaw = 12
