package admin_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store/storetest"
)

func TestFieldDefinitions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		keyMsg := "must start with a lower-case letter and hold only lower-case letters, digits and underscores (at most 40)"
		for _, tc := range []struct {
			in   admin.FieldInput
			want []directory.FieldError
		}{
			{admin.FieldInput{Key: "Badge", Label: "B", Type: directory.FieldText}, fieldErrs("key", keyMsg)},
			{admin.FieldInput{Key: "9lives", Label: "B", Type: directory.FieldText}, fieldErrs("key", keyMsg)},
			{admin.FieldInput{Key: "k" + strings.Repeat("x", 40), Label: "B", Type: directory.FieldText}, fieldErrs("key", keyMsg)},
			{admin.FieldInput{Key: "ok", Label: " ", Type: directory.FieldText}, fieldErrs("label", "is required")},
			{admin.FieldInput{Key: "ok", Label: "B", Type: "colour"}, fieldErrs("type", "must be one of text, number, date, bool, choice")},
			{admin.FieldInput{Key: "ok", Label: "B", Type: directory.FieldChoice}, fieldErrs("choices", "a choice field needs at least one choice")},
			{admin.FieldInput{Key: "ok", Label: "B", Type: directory.FieldText, Choices: []string{"a"}}, fieldErrs("choices", "only choice fields have choices")},
			{admin.FieldInput{Key: "ok", Label: "B", Type: directory.FieldChoice, Choices: []string{"a", " a "}}, fieldErrs("choices", "choices must be non-empty and distinct")},
		} {
			_, err := f.svc.CreateField(f.ctx, f.op, tc.in)
			wantKind(t, err, directory.KindInvalid)
			if diff := cmp.Diff(tc.want, fieldErrors(err)); diff != "" {
				t.Errorf("CreateField(%+v) (-want +got):\n%s", tc.in, diff)
			}
		}

		team := f.createField(admin.FieldInput{Key: "team", Label: "Team", Type: directory.FieldChoice, Choices: []string{"red", "green", "blue"}})
		_, err := f.svc.CreateField(f.ctx, f.op, admin.FieldInput{Key: "team", Label: "Again", Type: directory.FieldText})
		wantKind(t, err, directory.KindConflict)

		member := f.createUser(func(in *admin.UserInput) { in.CustomFields = map[string]string{"team": "green"} })
		binned := f.arrange(f.createUser(func(in *admin.UserInput) { in.CustomFields = map[string]string{"team": "blue"} }),
			func(u *directory.User) { u.DeletedAt = f.clock.Now() })

		// Key and type stay; the field is found by id or key.
		got, err := f.svc.UpdateField(f.ctx, f.op, "team", admin.FieldInput{Key: "renamed", Type: directory.FieldText, Label: "Squad",
			Choices: []string{"red", "green", "blue", "gold"}})
		if err != nil {
			t.Fatal(err)
		}
		if got.Key != "team" || got.Type != directory.FieldChoice || got.Label != "Squad" || len(got.Choices) != 4 {
			t.Errorf("updated field: %+v", got)
		}

		// A choice that users hold, in the bin or not, cannot be removed.
		for _, choices := range [][]string{{"red", "blue", "gold"}, {"red", "green", "gold"}} {
			before := f.eventIDs()
			_, err = f.svc.UpdateField(f.ctx, f.op, team.ID, admin.FieldInput{Label: "Squad", Choices: choices})
			wantKind(t, err, directory.KindConflict)
			f.noEvent(before)
		}
		if got, err := f.svc.UpdateField(f.ctx, f.op, team.ID, admin.FieldInput{Label: "Squad", Choices: []string{"green", "blue"}}); err != nil ||
			!cmp.Equal(got.Choices, []string{"green", "blue"}) {
			t.Errorf("remove unused choices: %+v, %v", got, err)
		}
		_, err = f.svc.UpdateField(f.ctx, f.op, "nope", admin.FieldInput{Label: "X"})
		wantKind(t, err, directory.KindNotFound)

		// Deleting the field deletes its values.
		if err := f.svc.DeleteField(f.ctx, f.op, team.ID); err != nil {
			t.Fatal(err)
		}
		for _, u := range []*directory.User{member, binned} {
			if vals := f.reload(u.ID).CustomFields; len(vals) != 0 {
				t.Errorf("values left after the field was deleted: %v", vals)
			}
		}
		err = f.svc.DeleteField(f.ctx, f.op, team.ID)
		wantKind(t, err, directory.KindNotFound)
		fields, err := f.svc.Fields(f.ctx, f.op)
		if err != nil || len(fields) != 0 {
			t.Errorf("fields after delete: %v, %v", fields, err)
		}
	})
}
