package admin

import (
	"reflect"
	"testing"
	"time"

	"roster/internal/directory"
)

// TestCreatedIsDiffFromNothing checks that created, which an import calls
// once per new user, gives what diffing the snapshot's non-empty fields
// against nothing gives.
func TestCreatedIsDiffFromNothing(t *testing.T) {
	u := &directory.User{ID: "u1", OrgID: "o1", Status: directory.StatusPending,
		Profile: directory.Profile{Username: "ada", FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.org",
			License: directory.LicenseStandard, ExpiresAt: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC),
			CustomFields: map[string]string{"badge": "7", "empty": ""}},
		MustChangePassword: true}
	for _, snap := range []map[string]any{
		userSnapshot(u),
		userSnapshot(&directory.User{}),
		{"n": 0, "list": []string(nil), "names": []string{"a"}, "off": false, "on": true, "none": nil, "s": ""},
		{},
	} {
		got, want := created(snap), diff(map[string]any{}, nonEmpty(snap))
		if !reflect.DeepEqual(got, want) {
			t.Errorf("created(%v)\n got %v\nwant %v", snap, got, want)
		}
	}
	if got := created(userSnapshot(u)); len(got) == 0 || got[0].Field != "custom_fields.badge" || got[len(got)-1].Field != "username" {
		t.Errorf("created(user) is not in field order: %v", got)
	}
}
