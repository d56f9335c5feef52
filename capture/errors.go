package capture

import "errors"

// ErrPermission is returned when the raw socket or the capture needs
// privileges the process lacks.
var ErrPermission = errors.New("needs root or CAP_NET_RAW: run as root, or give the binary the capabilities with 'setcap cap_net_raw+ep $(command -v tracers)'")
