package capture

// dltRaw is libpcap's DLT_RAW on OpenBSD.
const dltRaw = 14
