package store

import (
	"context"

	"roster/internal/directory"
)

// PutPhoto stores or replaces a user's photo.
func (c *Conn) PutPhoto(ctx context.Context, orgID, userID string, p *directory.Photo) error {
	_, err := c.exec(ctx, `INSERT INTO user_photos (user_id, org_id, content_type, data, width, height, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET content_type = excluded.content_type, data = excluded.data,
		width = excluded.width, height = excluded.height, updated_at = excluded.updated_at`,
		userID, orgID, p.ContentType, p.Data, p.Width, p.Height, micros(p.UpdatedAt))
	return err
}

// Photo returns a user's photo.
func (c *Conn) Photo(ctx context.Context, orgID, userID string) (*directory.Photo, error) {
	var p directory.Photo
	var updated int64
	err := c.queryRow(ctx, `SELECT content_type, data, width, height, updated_at FROM user_photos WHERE org_id = ? AND user_id = ?`,
		orgID, userID).Scan(&p.ContentType, &p.Data, &p.Width, &p.Height, &updated)
	if isNoRows(err) {
		return nil, directory.NotFound("photo")
	}
	p.UpdatedAt = fromMicros(updated)
	return &p, err
}

// DeletePhoto removes a user's photo; it reports whether there was one.
func (c *Conn) DeletePhoto(ctx context.Context, orgID, userID string) (bool, error) {
	res, err := c.exec(ctx, `DELETE FROM user_photos WHERE org_id = ? AND user_id = ?`, orgID, userID)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}
