package admin

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"roster/internal/directory"
	"roster/internal/store"
)

var fieldKeyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// validateCustomFields checks the given values against the organization's
// fields and returns them in canonical form (numbers as Go formats them,
// dates as YYYY-MM-DD, yes/no as "true"/"false"). On create, required fields
// must have a value; on update, a required field may not be cleared.
func validateCustomFields(fields []*directory.CustomField, given map[string]string, creating bool, v *directory.Validation) map[string]string {
	out := map[string]string{}
	byKey := map[string]*directory.CustomField{}
	for _, f := range fields {
		byKey[f.Key] = f
	}
	for k, raw := range given {
		f, ok := byKey[k]
		if !ok {
			v.Add("custom_fields."+k, "is not a custom field of this organization")
			continue
		}
		val, msg := canonicalFieldValue(f, strings.TrimSpace(raw))
		if msg != "" {
			v.Add("custom_fields."+k, "%s", msg)
			continue
		}
		if val == "" && f.Required {
			v.Add("custom_fields."+k, "is required")
			continue
		}
		out[k] = val
	}
	if creating {
		for _, f := range fields {
			if _, ok := given[f.Key]; !ok && f.Required {
				v.Add("custom_fields."+f.Key, "is required")
			}
		}
	}
	return out
}

func canonicalFieldValue(f *directory.CustomField, raw string) (string, string) {
	if raw == "" {
		return "", ""
	}
	switch f.Type {
	case directory.FieldText:
		if len([]rune(raw)) > 1000 {
			return "", "must be at most 1000 characters"
		}
		return raw, ""
	case directory.FieldNumber:
		n, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return "", "must be a number"
		}
		return strconv.FormatFloat(n, 'f', -1, 64), ""
	case directory.FieldDate:
		d, err := time.Parse(directory.DateLayout, raw)
		if err != nil {
			return "", "must be a date like 2026-09-01"
		}
		return d.Format(directory.DateLayout), ""
	case directory.FieldBool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return "", "must be true or false"
		}
		return strconv.FormatBool(b), ""
	case directory.FieldChoice:
		if !slices.Contains(f.Choices, raw) {
			return "", "must be one of: " + strings.Join(f.Choices, ", ")
		}
		return raw, ""
	}
	return "", "has an unknown type"
}

func saveCustomFields(ctx context.Context, tx *store.Tx, orgID, userID string, fields []*directory.CustomField, values map[string]string) error {
	for _, f := range fields {
		if val, ok := values[f.Key]; ok {
			if err := tx.SetFieldValue(ctx, orgID, userID, f.ID, val); err != nil {
				return err
			}
		}
	}
	return nil
}

// FieldInput defines or redefines a custom field.
type FieldInput struct {
	Key      string
	Label    string
	Type     directory.FieldType
	Required bool
	Choices  []string
	Position int
}

func validateFieldInput(in *FieldInput, v *directory.Validation) {
	in.Label = strings.TrimSpace(in.Label)
	if in.Label == "" {
		v.Add("label", "is required")
	} else if len([]rune(in.Label)) > directory.MaxTextLen {
		v.Add("label", "must be at most %d characters", directory.MaxTextLen)
	}
	if !in.Type.Valid() {
		v.Add("type", "must be one of text, number, date, bool, choice")
	}
	if in.Type == directory.FieldChoice && len(in.Choices) == 0 {
		v.Add("choices", "a choice field needs at least one choice")
	}
	if in.Type != directory.FieldChoice && len(in.Choices) > 0 {
		v.Add("choices", "only choice fields have choices")
	}
	seen := map[string]bool{}
	for i, c := range in.Choices {
		c = strings.TrimSpace(c)
		in.Choices[i] = c
		if c == "" || seen[c] {
			v.Add("choices", "choices must be non-empty and distinct")
			break
		}
		seen[c] = true
	}
}

// Fields lists the organization's custom fields.
func (s *Service) Fields(ctx context.Context, a *Actor) ([]*directory.CustomField, error) {
	if err := s.authorize(a, "users.view"); err != nil {
		return nil, err
	}
	return s.db.Fields(ctx, a.OrgID)
}

// CreateField defines a new custom field. It takes settings.manage through
// an organization-wide grant (KindForbidden); a key already used is
// KindConflict.
func (s *Service) CreateField(ctx context.Context, a *Actor, in FieldInput) (*directory.CustomField, error) {
	if err := s.manageSettings(a); err != nil {
		return nil, err
	}
	var v directory.Validation
	if !fieldKeyPattern.MatchString(in.Key) {
		v.Add("key", "must start with a lower-case letter and hold only lower-case letters, digits and underscores (at most 40)")
	}
	validateFieldInput(&in, &v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	f := &directory.CustomField{ID: newID(), OrgID: a.OrgID, Key: in.Key, Label: in.Label, Type: in.Type,
		Required: in.Required, Choices: in.Choices, Position: in.Position, CreatedAt: now, UpdatedAt: now}
	err := s.inTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateField(ctx, f); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "custom_field.create", "custom_field", f.ID, f.Label, created(fieldSnapshot(f)))
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

func fieldSnapshot(f *directory.CustomField) map[string]any {
	return map[string]any{"key": f.Key, "label": f.Label, "type": string(f.Type), "required": f.Required,
		"choices": strings.Join(f.Choices, ", "), "position": f.Position}
}

// UpdateField changes a custom field's label, required flag, choices and
// position; its key and type stay. Removing a choice that users hold is
// KindConflict. It takes settings.manage through an organization-wide
// grant (KindForbidden).
func (s *Service) UpdateField(ctx context.Context, a *Actor, id string, in FieldInput) (*directory.CustomField, error) {
	if err := s.manageSettings(a); err != nil {
		return nil, err
	}
	var out *directory.CustomField
	err := s.inTx(ctx, func(tx *store.Tx) error {
		f, err := findField(ctx, tx, a.OrgID, id)
		if err != nil {
			return err
		}
		in.Type, in.Key = f.Type, f.Key
		var v directory.Validation
		validateFieldInput(&in, &v)
		if err := v.Err(); err != nil {
			return err
		}
		if err := checkChoicesUnused(ctx, tx, a.OrgID, f, in.Choices); err != nil {
			return err
		}
		before := fieldSnapshot(f)
		f.Label, f.Required, f.Choices, f.Position, f.UpdatedAt = in.Label, in.Required, in.Choices, in.Position, s.now()
		if err := tx.UpdateField(ctx, f); err != nil {
			return err
		}
		out = f
		return s.record(ctx, tx, a, "custom_field.update", "custom_field", f.ID, f.Label, diff(before, fieldSnapshot(f)))
	})
	return out, err
}

// checkChoicesUnused refuses (KindConflict) to drop a choice of f that a
// user, in or out of the recycle bin, holds: they would keep a value the
// field no longer allows.
func checkChoicesUnused(ctx context.Context, tx *store.Tx, orgID string, f *directory.CustomField, choices []string) error {
	if f.Type != directory.FieldChoice {
		return nil
	}
	for _, c := range f.Choices {
		if slices.Contains(choices, c) {
			continue
		}
		for _, bin := range []bool{false, true} {
			page, err := tx.ListUsers(ctx, orgID, store.UserFilter{FieldID: f.ID, FieldValue: c, Deleted: bin, Limit: 1})
			if err != nil {
				return err
			}
			if page.Total > 0 {
				return &directory.Error{Kind: directory.KindConflict,
					Message: fmt.Sprintf("users hold the choice %q; give them another value before removing it", c),
					Fields:  []directory.FieldError{{Field: "choices", Message: fmt.Sprintf("%q is in use", c)}}}
			}
		}
	}
	return nil
}

// DeleteField removes a custom field and every value users had for it. It
// takes settings.manage through an organization-wide grant (KindForbidden).
func (s *Service) DeleteField(ctx context.Context, a *Actor, id string) error {
	if err := s.manageSettings(a); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *store.Tx) error {
		f, err := findField(ctx, tx, a.OrgID, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteField(ctx, a.OrgID, f.ID); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "custom_field.delete", "custom_field", f.ID, f.Label, diff(fieldSnapshot(f), map[string]any{}))
	})
}

func findField(ctx context.Context, tx *store.Tx, orgID, id string) (*directory.CustomField, error) {
	fields, err := tx.Fields(ctx, orgID)
	if err != nil {
		return nil, err
	}
	for _, f := range fields {
		if f.ID == id || f.Key == id {
			return f, nil
		}
	}
	return nil, directory.NotFound("custom field")
}

func parseOptionalTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC().Truncate(time.Microsecond), nil
}
