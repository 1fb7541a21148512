package directory

import (
	"strings"
	"testing"
)

func TestRecycleBinDays(t *testing.T) {
	old := `{"session_idle_minutes": 30, "lockout_threshold": 7}`
	p, err := DecodePolicy(old)
	if err != nil || p.RecycleBinDays != 0 || p.LockoutThreshold != 7 {
		t.Fatalf("DecodePolicy(old) = %+v, %v; want RecycleBinDays 0", p, err)
	}
	p.RecycleBinDays = 30
	back, err := DecodePolicy(EncodePolicy(p))
	if err != nil || back != p {
		t.Fatalf("round trip = %+v, %v; want %+v", back, err, p)
	}
	for days, ok := range map[int]bool{0: true, 1: true, 3650: true, -1: false, 3651: false} {
		q := SecurityPolicy{}.Defaults()
		q.RecycleBinDays = days
		var v Validation
		q.Validate(&v)
		err := v.Err()
		if ok != (err == nil) {
			t.Errorf("Validate with %d days: %v", days, err)
		}
		if !ok && (err == nil || !strings.Contains(err.Error(), "recycle_bin_days") && !strings.Contains(err.Error(), "3650")) {
			t.Errorf("Validate with %d days: %v does not name the field", days, err)
		}
	}
}
