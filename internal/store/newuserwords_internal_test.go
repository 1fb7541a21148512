package store

import (
	"slices"
	"strings"
	"testing"

	"roster/internal/directory"
)

// TestPrepareNewUserWords checks that the search words of a batch of new
// users come out every one, each user's words with the word before it, in
// the order of user_words' key.
func TestPrepareNewUserWords(t *testing.T) {
	users := []*directory.User{
		{ID: "u3", OrgID: "o", Profile: directory.Profile{Username: "zed", FirstName: "Ann", LastName: "Berg"}},
		{ID: "u1", OrgID: "o", Profile: directory.Profile{Username: "ann", FirstName: "Ann", LastName: "Berg"}},
		{ID: "u2", OrgID: "o", Profile: directory.Profile{Username: "bob", FirstName: "Bob", LastName: "Adams", JobTitle: "Nurse"}},
	}
	var want []wordRow
	prepared := make([]*NewUser, len(users))
	for i, u := range users {
		prepared[i] = PrepareNewUser(u, "")
		want = append(want, userWordRows(nil, u)...)
	}
	got := PrepareNewUserWords(prepared).rows
	if len(got) != len(want) || len(got) == 0 {
		t.Fatalf("%d rows, want %d: %v", len(got), len(want), got)
	}
	key := func(r wordRow) string { return strings.Join([]string{r.orgID, r.word, r.lastName, r.userID}, "\x00") }
	if !slices.IsSortedFunc(got, func(a, b wordRow) int { return strings.Compare(key(a), key(b)) }) {
		t.Errorf("rows not in key order: %v", got)
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("row %v missing", w)
		}
	}
	if words := PrepareNewUserWords(nil); words == nil || len(words.rows) != 0 {
		t.Errorf("no users: %v", words)
	}
}
