package console_test

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"roster/internal/admin"
	"roster/internal/directory"
)

// usersLock locks u the way a stranger does: wrong passwords through the
// sign-in form until the lockout threshold.
func usersLock(t *testing.T, f *fixture, u *directory.User) *directory.User {
	t.Helper()
	b := f.browser()
	for range directory.DefaultLockoutThreshold {
		b.post("/login", url.Values{"username": {u.Username}, "password": {"not the password at all"}})
	}
	got := f.reload(u)
	if !got.Locked() {
		t.Fatalf("%s is not locked after %d wrong passwords", u.Name(), directory.DefaultLockoutThreshold)
	}
	return got
}

// usersRows returns the ids of the list's rows, in order.
func usersRows(body string) []string {
	var ids []string
	for _, m := range regexp.MustCompile(`<tr id="user-([^"]+)"`).FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// usersShows reports whether the list shows the row of u.
func usersShows(body string, u *directory.User) bool {
	return strings.Contains(body, `<tr id="user-`+u.ID+`"`)
}

// usersNamed makes a user with a first and last name chosen by the test.
func usersNamed(t *testing.T, f *fixture, first, last, roleKey, unitID string) *directory.User {
	t.Helper()
	u := f.user(first, roleKey, unitID)
	if u.LastName != last {
		l := last
		var err error
		u, err = f.svc.UpdateUser(f.ctx, f.op(), u.ID, 0, &admin.UserPatch{LastName: &l})
		if err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
	}
	return u
}

// itoa writes an integer.
func usersItoa(n int64) string { return strconv.FormatInt(n, 10) }

// toInt reads a number an audit change holds (JSON numbers come back as
// float64).
func usersInt(v any) int64 {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int64:
		return x
	case float64:
		return int64(x)
	}
	return -1
}

// usersUninvited adds a pending user who was never sent an invitation.
func usersUninvited(t *testing.T, f *fixture, first string) *directory.User {
	t.Helper()
	no := false
	name := strings.ToLower(first) + "-" + randHex(3)
	u, err := f.svc.CreateUser(f.ctx, f.op(), &admin.UserInput{Profile: directory.Profile{Username: name,
		Email: name + "@example.org", FirstName: first, LastName: "Uninvited"}, Invite: &no})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	return u
}
