package store

import (
	"context"
	"strings"

	"roster/internal/directory"
)

// userInsertColumns are the columns CreateUser and InsertUsersBulk fill, in
// the order of userRowArgs; version is always 1.
const userInsertColumns = `id, org_id, username, username_key, email, email_key, first_name, last_name,
	display_name, phone, job_title, position, external_id, address_street, address_locality, address_region,
	address_postal_code, address_country, supervisor_id, department_id, location_id, license, expires_at,
	status, password_hash, must_change_password, created_by, created_at, updated_at, version, search_text`

// bulkUserParams is the number of bound parameters per row.
const bulkUserParams = 30

// bulkRows is the number of rows one INSERT statement carries: 300 rows of
// 30 parameters stay well under SQLite's limit of 32,766 bound parameters
// and PostgreSQL's of 65,535, and make the statement overhead negligible.
const bulkRows = 300

// userRowArgs appends the parameters of u's row, with its password hash
// ("" for none), to args.
func userRowArgs(args []any, u *directory.User, passwordHash string) []any {
	return append(args,
		u.ID, u.OrgID, u.Username, directory.FoldKey(u.Username), u.Email, directory.FoldKey(u.Email),
		u.FirstName, u.LastName, u.DisplayName, u.Phone, u.JobTitle, u.Position, u.ExternalID,
		u.Address.Street, u.Address.Locality, u.Address.Region, u.Address.PostalCode, u.Address.Country,
		nullable(u.SupervisorID), nullable(u.DepartmentID), nullable(u.LocationID), string(u.License),
		micros(u.ExpiresAt), string(u.Status), passwordHash, u.MustChangePassword, u.CreatedBy,
		micros(u.CreatedAt), micros(u.UpdatedAt), directory.SearchText(&u.Profile))
}

// userInsertSQL returns an INSERT of n user rows.
func userInsertSQL(n int) string {
	row := "(" + strings.Repeat("?, ", bulkUserParams-1) + "1, ?)"
	var b strings.Builder
	b.Grow(len(userInsertColumns) + n*(len(row)+2) + 32)
	b.WriteString("INSERT INTO users (" + userInsertColumns + ") VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}

// InsertUsersBulk inserts many users, without passwords and without custom
// field values, in multi-row INSERT statements of a few hundred rows each.
// The triggers keep the full-text index and the user counts up to date, as
// for CreateUser, and the words of each chunk go into user_words in
// multi-row INSERTs too. Call it on a transaction: a taken username, email or
// external id is a *DuplicateError, after which some of the users may have
// been inserted and the transaction should be rolled back.
func (c *Conn) InsertUsersBulk(ctx context.Context, users []*directory.User) error {
	args := make([]any, 0, min(len(users), bulkRows)*bulkUserParams)
	var words []wordRow
	for len(users) > 0 {
		chunk := users[:min(len(users), bulkRows)]
		users = users[len(chunk):]
		args = args[:0]
		for _, u := range chunk {
			args = userRowArgs(args, u, "")
		}
		if _, err := c.exec(ctx, userInsertSQL(len(chunk)), args...); err != nil {
			return c.duplicateUser(err)
		}
		words = words[:0]
		for _, u := range chunk {
			words = userWordRows(words, u)
		}
		if err := c.insertWords(ctx, words); err != nil {
			return err
		}
		for _, u := range chunk {
			u.Version = 1
			u.HasPassword = false
		}
	}
	return nil
}
