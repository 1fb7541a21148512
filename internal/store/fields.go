package store

import (
	"context"
	"encoding/json"

	"roster/internal/directory"
)

const fieldColumns = `id, org_id, key, label, type, required, choices, position, created_at, updated_at`

func scanField(row interface{ Scan(...any) error }) (*directory.CustomField, error) {
	var f directory.CustomField
	var typ, choices string
	var created, updated int64
	if err := row.Scan(&f.ID, &f.OrgID, &f.Key, &f.Label, &typ, &f.Required, &choices, &f.Position, &created, &updated); err != nil {
		return nil, err
	}
	f.Type = directory.FieldType(typ)
	f.CreatedAt, f.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &f, json.Unmarshal([]byte(choices), &f.Choices)
}

func choicesJSON(f *directory.CustomField) string {
	if f.Choices == nil {
		return "[]"
	}
	b, _ := json.Marshal(f.Choices)
	return string(b)
}

// CreateField inserts a custom field; a key already used is a conflict.
func (c *Conn) CreateField(ctx context.Context, f *directory.CustomField) error {
	_, err := c.exec(ctx, `INSERT INTO custom_fields (id, org_id, key, label, type, required, choices, position, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		f.ID, f.OrgID, f.Key, f.Label, string(f.Type), f.Required, choicesJSON(f), f.Position, micros(f.CreatedAt), micros(f.UpdatedAt))
	if _, dup := c.d.uniqueViolation(err); dup {
		return &directory.Error{Kind: directory.KindConflict, Message: "a custom field with this key already exists",
			Fields: []directory.FieldError{{Field: "key", Message: "is already used by another field"}}}
	}
	return err
}

// UpdateField saves the label, required flag, choices and position of f.
func (c *Conn) UpdateField(ctx context.Context, f *directory.CustomField) error {
	_, err := c.exec(ctx, `UPDATE custom_fields SET label = ?, required = ?, choices = ?, position = ?, updated_at = ?
		WHERE org_id = ? AND id = ?`, f.Label, f.Required, choicesJSON(f), f.Position, micros(f.UpdatedAt), f.OrgID, f.ID)
	return err
}

// DeleteField removes a custom field and every value users had for it.
func (c *Conn) DeleteField(ctx context.Context, orgID, id string) error {
	if _, err := c.exec(ctx, `DELETE FROM user_field_values WHERE org_id = ? AND field_id = ?`, orgID, id); err != nil {
		return err
	}
	_, err := c.exec(ctx, `DELETE FROM custom_fields WHERE org_id = ? AND id = ?`, orgID, id)
	return err
}

// Fields lists the custom fields of an organization in their order.
func (c *Conn) Fields(ctx context.Context, orgID string) ([]*directory.CustomField, error) {
	rows, err := c.query(ctx, `SELECT `+fieldColumns+` FROM custom_fields WHERE org_id = ? ORDER BY position, key`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*directory.CustomField
	for rows.Next() {
		f, err := scanField(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// FieldValues returns a user's custom field values by field key.
func (c *Conn) FieldValues(ctx context.Context, userID string) (map[string]string, error) {
	rows, err := c.query(ctx, `SELECT f.key, v.value FROM user_field_values v JOIN custom_fields f ON f.id = v.field_id
		WHERE v.user_id = ?`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

// SetFieldValue stores one custom field value of a user; an empty value
// removes it.
func (c *Conn) SetFieldValue(ctx context.Context, orgID, userID, fieldID, value string) error {
	if value == "" {
		_, err := c.exec(ctx, `DELETE FROM user_field_values WHERE org_id = ? AND user_id = ? AND field_id = ?`, orgID, userID, fieldID)
		return err
	}
	_, err := c.exec(ctx, `INSERT INTO user_field_values (user_id, field_id, org_id, value) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_id, field_id) DO UPDATE SET value = excluded.value`, userID, fieldID, orgID, value)
	return err
}
