package rest_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"roster/internal/store/storetest"
)

func TestSecurityPolicyRecycleBinDays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		got := must[policy](t, f.do("GET", "settings/security", nil), http.StatusOK)
		if got.RecycleBinDays != 0 {
			t.Fatalf("recycle_bin_days = %d by default, want 0", got.RecycleBinDays)
		}
		changed := got
		changed.RecycleBinDays = 90
		if got := must[policy](t, f.do("PUT", "settings/security", changed), http.StatusOK); got != changed {
			t.Fatalf("PUT answered %+v, want %+v", got, changed)
		}
		if got := must[policy](t, f.do("GET", "settings/security", nil), http.StatusOK); got.RecycleBinDays != 90 {
			t.Fatalf("GET after PUT: recycle_bin_days = %d, want 90", got.RecycleBinDays)
		}

		// Out of range: named, nothing changed.
		bad := changed
		bad.RecycleBinDays = 3651
		wantProblem(t, f.do("PUT", "settings/security", bad), http.StatusUnprocessableEntity, "body.recycle_bin_days")
		if got := must[policy](t, f.do("GET", "settings/security", nil), http.StatusOK); got != changed {
			t.Fatalf("a refused PUT changed the policy: %+v", got)
		}

		// A body without the field, as older clients send it, is taken
		// and keeps deleted users until purged by hand.
		var body map[string]any
		js, _ := json.Marshal(changed)
		_ = json.Unmarshal(js, &body)
		delete(body, "recycle_bin_days")
		if got := must[policy](t, f.do("PUT", "settings/security", body), http.StatusOK); got.RecycleBinDays != 0 {
			t.Fatalf("PUT without the field: recycle_bin_days = %d, want 0", got.RecycleBinDays)
		}
	})
}
