package store

import (
	"context"
	"slices"

	"roster/internal/directory"
)

// userInsertColumns are the columns CreateUser and InsertUsersBulk fill, in
// the order of userRowArgs; version takes its default, 1.
const userInsertColumns = `id, org_id, username, username_key, email, email_key, first_name, last_name,
	display_name, phone, job_title, position, external_id, address_street, address_locality, address_region,
	address_postal_code, address_country, supervisor_id, department_id, location_id, license, expires_at,
	status, password_hash, must_change_password, created_by, created_at, updated_at, search_text`

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

// userInsertSQL returns the INSERT of user rows on SQLite from source
// (see sharedRows). It is OR FAIL: a violated constraint stops the
// statement where it is instead of undoing the rows it already wrote,
// which spares SQLite a statement journal (a copy of every page the
// statement changes) and halves the cost of a bulk load. Every caller runs
// it in a transaction or savepoint it rolls back on error, so the rows left
// behind never persist. It returns each new row's num, for the full-text
// index.
func (d dialect) userInsertSQL(source string) string {
	return "INSERT" + d.orFail() + " INTO users (" + userInsertColumns + ") " + source + " RETURNING num"
}

// InsertUsersBulk inserts many users, without passwords and without custom
// field values (see InsertUsersWithPasswords).
func (c *Conn) InsertUsersBulk(ctx context.Context, users []*directory.User) error {
	return c.InsertUsersWithPasswords(ctx, users, make([]string, len(users)))
}

// InsertUsersWithPasswords inserts users, each with its password hash
// (hashes[i] is users[i]'s, "" for none), in multi-row INSERT statements
// of a few hundred rows each; CreateUser is the case of one. The words of
// each chunk go into user_words, and on SQLite its search texts into the
// full-text index, in multi-row INSERTs too; the triggers keep the user
// counts. Call it on a transaction: a taken username, email or external id
// is a *DuplicateError, after which some of the users may have been
// inserted and the transaction (or savepoint) must be rolled back.
func (c *Conn) InsertUsersWithPasswords(ctx context.Context, users []*directory.User, hashes []string) error {
	prepared := prepareNewUsers(users, hashes)
	return c.InsertNewUsers(ctx, prepared, PrepareNewUserWords(prepared))
}

// NewUserWords are the rows of user_words of a batch of new users, made
// ready by PrepareNewUserWords.
type NewUserWords struct {
	rows []wordRow
}

// PrepareNewUserWords gathers the rows of user_words of users, in the
// order of the table's key: inserted in that order, each page of the
// table is read and changed once, rather than once for each of the many
// users with a word on it. Sorting them costs about a sixth of inserting
// them, so a bulk load does it before the transaction that inserts them.
func PrepareNewUserWords(users []*NewUser) *NewUserWords {
	n := 0
	for _, u := range users {
		n += len(u.words)
	}
	rows := make([]wordRow, 0, n)
	for _, u := range users {
		rows = append(rows, u.words...)
	}
	sortWordRows(rows)
	return &NewUserWords{rows: rows}
}

// InsertNewUserWords inserts rows of user_words made ready by
// PrepareNewUserWords, as InsertNewUsers does.
func (c *Conn) InsertNewUserWords(ctx context.Context, words *NewUserWords) error {
	if words == nil {
		return nil
	}
	return c.insertWords(ctx, words.rows)
}

// NewUser is a user to insert, made ready by PrepareNewUser: the
// parameters of its row and the rows of its search words, which a bulk
// load computes before the transaction that inserts the user, while the
// database writes the batch before.
type NewUser struct {
	user  *directory.User
	hash  string
	args  []any
	words []wordRow
}

// PrepareNewUser makes u, with its password hash ("" for none), ready for
// InsertNewUsers. u must not change in between.
func PrepareNewUser(u *directory.User, passwordHash string) *NewUser {
	return &NewUser{user: u, hash: passwordHash, args: userRowArgs(make([]any, 0, bulkUserParams), u, passwordHash),
		words: userWordRows(nil, u)}
}

func prepareNewUsers(users []*directory.User, hashes []string) []*NewUser {
	out := make([]*NewUser, len(users))
	for i, u := range users {
		out[i] = PrepareNewUser(u, hashes[i])
	}
	return out
}

// InsertNewUsers is InsertUsersWithPasswords for users made ready by
// PrepareNewUser, with their rows of user_words made ready by
// PrepareNewUserWords; words nil leaves those to InsertNewUserWords.
func (c *Conn) InsertNewUsers(ctx context.Context, users []*NewUser, words *NewUserWords) error {
	per := bulkRows
	if c.d.engine == Postgres {
		per = unnestRows
	}
	args := make([]any, 0, min(len(users), per)*bulkUserParams)
	var nums []int64
	for start := 0; start < len(users); start += per {
		chunk := users[start:min(start+per, len(users))]
		args = args[:0]
		for _, u := range chunk {
			args = append(args, u.args...)
		}
		var err error
		if nums, err = c.insertUserRows(ctx, len(chunk), args, nums[:0]); err != nil {
			return c.duplicateUser(err)
		}
		if err := c.indexText(ctx, nums); err != nil {
			return err
		}
	}
	if words != nil {
		if err := c.InsertNewUserWords(ctx, words); err != nil {
			return err
		}
	}
	for _, u := range users {
		u.user.Version, u.user.HasPassword = 1, u.hash != ""
	}
	return nil
}

// insertUserRows runs the INSERT of n user rows with their parameters; on
// SQLite it appends the num of each new row to nums.
func (c *Conn) insertUserRows(ctx context.Context, n int, args []any, nums []int64) ([]int64, error) {
	if c.d.engine != SQLite {
		return nums, c.insertUnnest(ctx, "INSERT INTO users ("+userInsertColumns+")", "", bulkUserParams, args)
	}
	source, args := sharedRows(n, bulkUserParams, args)
	rows, err := c.queryBulk(ctx, c.d.userInsertSQL(source), args...)
	if err != nil {
		return nums, err
	}
	defer rows.Close()
	for rows.Next() {
		var num int64
		if err := rows.Scan(&num); err != nil {
			return nums, err
		}
		nums = append(nums, num)
	}
	return nums, rows.Err()
}

// indexText adds the new users numbered nums (as insertUserRows collects
// them) to SQLite's full-text index, their search text read from their
// rows in the database rather than sent again. The new rows of one INSERT
// take the numbers after the highest there was, so nums is almost always
// a range without a gap, read as one; otherwise the rows are named.
func (c *Conn) indexText(ctx context.Context, nums []int64) error {
	if len(nums) == 0 {
		return nil
	}
	lo, hi := slices.Min(nums), slices.Max(nums)
	const add = `INSERT INTO users_fts (rowid, search_text) SELECT num, search_text FROM users WHERE `
	if hi-lo+1 == int64(len(nums)) {
		_, err := c.execBulk(ctx, add+`num BETWEEN ? AND ?`, lo, hi)
		return err
	}
	args := make([]any, len(nums))
	for i, n := range nums {
		args[i] = n
	}
	_, err := c.execBulk(ctx, add+`num IN (`+placeholders(len(nums))+`)`, args...)
	return err
}
