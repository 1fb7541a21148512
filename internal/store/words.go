package store

import (
	"context"
	"slices"
	"strings"

	"roster/internal/directory"
)

// user_words holds one row per distinct word of the search text of each
// user outside the recycle bin, with the user's last name, so that a search
// sorted by last name reads a range of its primary key and never the users
// table (see searchByWords). Every write that creates users, changes their
// search text or last name, moves them in or out of the recycle bin or
// deletes them keeps it right here, in the same transaction.

// wordRow is one row of user_words.
type wordRow struct {
	orgID, word, lastName, userID, prevWord string
}

// wordRowParams is the number of bound parameters per row of user_words.
const wordRowParams = 5

// wordRows is the most rows one INSERT into user_words carries: 2,000 rows
// of 5 parameters stay well under both engines' limits.
const wordRows = 2000

// appendWordRows appends a row for each distinct word of search, each with
// the word before it in byte order ("" for the first): a prefix search
// counts a user at the first of their words with the prefix, the one whose
// previous word sorts before the prefix.
func appendWordRows(rows []wordRow, orgID, userID, lastName, search string) []wordRow {
	words := strings.Fields(search)
	slices.Sort(words)
	words = slices.Compact(words)
	prev := ""
	for _, w := range words {
		rows = append(rows, wordRow{orgID, w, lastName, userID, prev})
		prev = w
	}
	return rows
}

// userWordRows appends the rows of user_words of u as CreateUser and
// InsertUsersBulk store it: outside the recycle bin (they leave deleted_at 0).
func userWordRows(rows []wordRow, u *directory.User) []wordRow {
	return appendWordRows(rows, u.OrgID, u.ID, u.LastName, directory.SearchText(&u.Profile))
}

// insertWords inserts rows into user_words in multi-row INSERTs (OR FAIL
// on SQLite, as userInsertSQL explains).
func (c *Conn) insertWords(ctx context.Context, rows []wordRow) error {
	args := make([]any, 0, min(len(rows), wordRows)*wordRowParams)
	for len(rows) > 0 {
		chunk := rows[:min(len(rows), wordRows)]
		rows = rows[len(chunk):]
		args = args[:0]
		var b strings.Builder
		b.Grow(64 + len(chunk)*16)
		b.WriteString("INSERT" + c.d.orFail() + " INTO user_words (org_id, word, last_name, user_id, prev_word) VALUES ")
		for i, r := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?)")
			args = append(args, r.orgID, r.word, r.lastName, r.userID, r.prevWord)
		}
		if _, err := c.execBulk(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// syncWords rewrites the rows of user_words of one user from the user's
// stored row: none when the user is gone or in the recycle bin.
func (c *Conn) syncWords(ctx context.Context, orgID, userID string) error {
	if _, err := c.exec(ctx, `DELETE FROM user_words WHERE org_id = ? AND user_id = ?`, orgID, userID); err != nil {
		return err
	}
	var search, lastName string
	var deleted int64
	err := c.queryRow(ctx, `SELECT search_text, last_name, deleted_at FROM users WHERE org_id = ? AND id = ?`,
		orgID, userID).Scan(&search, &lastName, &deleted)
	if isNoRows(err) || (err == nil && deleted != 0) {
		return nil
	}
	if err != nil {
		return err
	}
	return c.insertWords(ctx, appendWordRows(nil, orgID, userID, lastName, search))
}

// wordEnd follows a word to bound the range of the words it begins: U+10FFFF
// sorts after every character, byte by byte on both engines (user_words.word
// is COLLATE "C" on PostgreSQL), so [w, w+wordEnd) holds every word
// starting with w.
const wordEnd = "\U0010FFFF"

// searchLead returns the word of a search that user_words serves it by: the
// search's only word once those that another word starts with are dropped
// (a word starting with "johnson" starts with "john"). ok is false when
// the search has no word or several independent ones.
func searchLead(q string) (lead string, ok bool) {
	words := directory.SearchWords(q)
	if len(words) > 8 {
		words = words[:8]
	}
	for _, w := range words {
		if len(w) > len(lead) {
			lead = w
		}
	}
	for _, w := range words {
		if !strings.HasPrefix(lead, w) {
			return "", false
		}
	}
	return lead, lead != ""
}

// searchByWords lists the live users of an organization with a word
// starting with lead in last-name order, counting them in the same
// statement, from user_words alone; f has no other condition
// (f.wordSearchable) and lead is its search (searchLead).
//
// The range [lead, lead+wordEnd) of the primary key (org_id, word,
// last_name, user_id) holds the last name and id of every user with a word
// starting with lead, so neither the total nor the order needs the users'
// rows. A user with several such words ("john", "johnson") is taken once,
// at the first of them: the row whose previous word of the same user
// sorts before lead. Only the page is read from users, by id, and the
// total comes in the same statement. This answers what searchUsers
// answers, which the tests check.
//
// PostgreSQL gathers the matches once (a MATERIALIZED CTE), counts them
// and keeps the page of them in order. SQLite is faster reading the
// range twice, once to count it and once for the page (a sort bounded by
// the page), than writing the matches into a temporary table and reading
// that twice: at a million users, searching "john" (25,285 matches) takes
// about 24 ms at the median instead of 29 (see docs/performance.md).
func (c *Conn) searchByWords(ctx context.Context, orgID, lead string, f *UserFilter, after string, afterArgs []any,
	order string) (*UserPage, error) {
	inner := `SELECT w.last_name AS last_name, w.user_id AS id FROM user_words w
		WHERE w.org_id = ? AND w.word >= ? AND w.word < ? AND w.prev_word < ?`
	rangeArgs := []any{orgID, lead, lead + wordEnd, lead}
	// m is the matches under the names of the users table (u.last_name,
	// u.id), so that the cursor condition and the order read the same.
	with, m := `WITH m AS MATERIALIZED (`+inner+`) `, `m`
	args := append([]any(nil), rangeArgs...)
	if c.d.engine == SQLite {
		with, m = ``, `(`+inner+`)`
		args = append(args, rangeArgs...) // the range is read twice
	}
	pick := `SELECT u.id FROM ` + m + ` u`
	if after != "" {
		pick += ` WHERE ` + after
		args = append(args, afterArgs...)
	}
	pick += order + ` LIMIT ?`
	args = append(args, f.Limit+1)
	q := with + `SELECT ` + userColumns + `, (SELECT COUNT(*) FROM ` + m + ` c) FROM users u
		WHERE u.id IN (` + pick + `)` + order
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	page := &UserPage{Total: -1}
	if err := readPage(rows, withTotal{rows, &page.Total}, f, page); err != nil {
		return nil, err
	}
	if page.Total < 0 {
		// No row came back to carry the count: there is no match, or the
		// cursor is past the last one.
		page.Total = 0
		if after != "" {
			err := c.queryRow(ctx, `SELECT COUNT(*) FROM (`+inner+`) m`, rangeArgs...).Scan(&page.Total)
			if err != nil {
				return nil, err
			}
		}
	}
	return page, nil
}
