package delaylink

import (
	"errors"
	"testing"
	"time"
)

func TestParseLink(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      string
		want    Link
		wantErr bool
	}{
		{"delay only", "a-src,a-l1a,a-r1,a-l1b,2", Link{A: End{"a-src", "a-l1a"}, B: End{"a-r1", "a-l1b"}, Delay: 2 * time.Millisecond}, false},
		{"all", "x,p,y,q,1.5,0.25,10", Link{A: End{"x", "p"}, B: End{"y", "q"}, Delay: 1500 * time.Microsecond, Jitter: 250 * time.Microsecond, LossPct: 10}, false},
		{"zero", "x,p,y,q,0,0,0", Link{A: End{"x", "p"}, B: End{"y", "q"}}, false},
		{"too few", "x,p,y,q", Link{}, true},
		{"too many", "x,p,y,q,1,2,3,4", Link{}, true},
		{"empty name", "x,,y,q,1", Link{}, true},
		{"negative", "x,p,y,q,-1", Link{}, true},
		{"unit", "x,p,y,q,2ms", Link{}, true},
		{"loss over 100", "x,p,y,q,1,0,100.5", Link{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseLink(tc.in)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("ParseLink(%q) = %+v, %v; want %+v, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
			if err != nil && tc.name != "loss over 100" && !errors.Is(err, errSpec) {
				t.Errorf("ParseLink(%q) error %v does not wrap errSpec", tc.in, err)
			}
		})
	}
}
