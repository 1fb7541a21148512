package store

import (
	"context"
	"fmt"
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

// sortWordRows sorts rows of user_words in the order of its primary key
// (the word first: the rows of one write are of one organization).
func sortWordRows(rows []wordRow) {
	slices.SortFunc(rows, func(a, b wordRow) int {
		if c := strings.Compare(a.word, b.word); c != 0 {
			return c
		}
		if c := strings.Compare(a.orgID, b.orgID); c != 0 {
			return c
		}
		if c := strings.Compare(a.lastName, b.lastName); c != 0 {
			return c
		}
		return strings.Compare(a.userID, b.userID)
	})
}

// insertWords inserts rows into user_words in multi-row INSERTs (see
// insertRows).
func (c *Conn) insertWords(ctx context.Context, rows []wordRow) error {
	return c.insertRows(ctx, "INSERT INTO user_words (org_id, word, last_name, user_id, prev_word)", "", wordRowParams, len(rows), wordRows,
		func(args []any, i int) []any {
			r := rows[i]
			return append(args, r.orgID, r.word, r.lastName, r.userID, r.prevWord)
		})
}

// wordSource is what the rows of user_words of one user are made from:
// the search text and last name stored on the user, and whether the user
// is outside the recycle bin (only those have rows). A user that does not
// exist has the zero wordSource.
type wordSource struct {
	search, lastName string
	live             bool
}

// wordSourceOf reads the word source of a user as stored now.
func (c *Conn) wordSourceOf(ctx context.Context, orgID, userID string) (wordSource, error) {
	var src wordSource
	var deleted int64
	err := c.queryRow(ctx, `SELECT search_text, last_name, deleted_at FROM users WHERE org_id = ? AND id = ?`,
		orgID, userID).Scan(&src.search, &src.lastName, &deleted)
	if isNoRows(err) {
		return wordSource{}, nil
	}
	src.live = deleted == 0
	return src, err
}

// syncWords brings the rows of user_words of one user from those made of
// before, read by wordSourceOf ahead of a change to the user, to those the
// stored row makes now: none when the user is gone or in the recycle bin.
func (c *Conn) syncWords(ctx context.Context, orgID, userID string, before wordSource) error {
	after, err := c.wordSourceOf(ctx, orgID, userID)
	if err != nil || after == before {
		return err
	}
	if err := c.deleteWords(ctx, orgID, userID, before); err != nil {
		return err
	}
	if !after.live {
		return nil
	}
	return c.insertWords(ctx, appendWordRows(nil, orgID, userID, after.lastName, after.search))
}

// deleteWords removes the rows of user_words that src made, each by its
// primary key. There is no index of user_words by user: every row of a
// user is one of the words of the search text stored on the user, with
// the last name stored beside it, since every change to either goes
// through syncWords in the same transaction.
func (c *Conn) deleteWords(ctx context.Context, orgID, userID string, src wordSource) error {
	if !src.live {
		return nil
	}
	words := strings.Fields(src.search)
	slices.Sort(words)
	words = slices.Compact(words)
	for len(words) > 0 {
		chunk := words[:min(len(words), 500)]
		words = words[len(chunk):]
		args := make([]any, 0, 3+len(chunk))
		args = append(args, orgID, src.lastName, userID)
		for _, w := range chunk {
			args = append(args, w)
		}
		q := `DELETE FROM user_words WHERE org_id = ? AND last_name = ? AND user_id = ? AND word IN (` +
			strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ") + `)`
		if _, err := c.exec(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
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

// wordPaging says how searchByWords picks a page of matches.
type wordPaging int

const (
	pageByNumbers wordPaging = iota // merge when mergeWordsMax and mergeMatchesPerWord allow
	pageByMerge                     // always merge the runs of the words
	pageByRange                     // always sort the whole range
)

// A merge costs a few index seeks per distinct word that begins with the
// search, about what reading seventy entries of the range costs, some fifty
// matches (measured on SQLite at a million users). So searchByWords merges
// when there are at most mergeWordsMax such words and at least
// mergeMatchesPerWord matches for each: "john" at a million users has 224
// words for 25,285 matches; "j" has tens of thousands of words, and a word
// only usernames begin with has one match or a few.
const (
	mergeWordsMax       = 512
	mergeMatchesPerWord = 48
)

// wordCounts counts the users whose words begin with a search (total) and
// the distinct words that begin with it (words, one index seek each), the
// latter only as far as one past what a merge would take: past
// mergeWordsMax, or past total/mergeMatchesPerWord. Its parameters: org,
// lead, hi, lead, org, lead, hi, org, hi.
var wordCounts = fmt.Sprintf(`WITH RECURSIVE total(n) AS MATERIALIZED (
		SELECT COUNT(*) FROM user_words w WHERE w.org_id = ? AND w.word >= ? AND w.word < ? AND w.prev_word < ?),
	words(word, n) AS (
		SELECT (SELECT w.word FROM user_words w WHERE w.org_id = ? AND w.word >= ? AND w.word < ? ORDER BY w.word LIMIT 1), 1
		UNION ALL
		SELECT (SELECT w.word FROM user_words w WHERE w.org_id = ? AND w.word > words.word AND w.word < ? ORDER BY w.word LIMIT 1),
			words.n + 1
		FROM words WHERE words.word IS NOT NULL AND words.n <= %d AND words.n <= (SELECT n FROM total) / %d)
	SELECT t.n, (SELECT COUNT(word) FROM words) FROM total t`, mergeWordsMax, mergeMatchesPerWord)

// leadWords lists the distinct words of an organization in [lead, hi),
// one index seek each. Its parameters: org, lead, hi, org, hi.
const leadWords = `WITH RECURSIVE words(word) AS (
		SELECT (SELECT w.word FROM user_words w WHERE w.org_id = ? AND w.word >= ? AND w.word < ? ORDER BY w.word LIMIT 1)
		UNION ALL
		SELECT (SELECT w.word FROM user_words w WHERE w.org_id = ? AND w.word > words.word AND w.word < ? ORDER BY w.word LIMIT 1)
		FROM words WHERE words.word IS NOT NULL)`

// searchByWords lists the live users of an organization with a word
// starting with lead in last-name order, from user_words alone; f has no
// other condition (f.wordSearchable) and lead is its search (searchLead).
//
// The range [lead, lead+wordEnd) of the primary key (org_id, word,
// last_name, user_id) holds the last name and id of every user with a word
// starting with lead, so neither the total nor the order needs the users'
// rows. A user with several such words ("john", "johnson") is taken once,
// at the first of them: the row whose previous word of the same user
// sorts before lead. Only the page is read from users, by id. This answers
// what searchUsers answers, which the tests check.
//
// The total counts the range. The page comes one of two ways. Within one
// word the range is already in last-name order, so when few words begin
// with lead and each has many matches, the page merges the runs of the
// words: SQLite's recursive CTE, ordered, takes the first entry of each
// word and then, one at a time, the smallest entry and the next of its
// word, which reads a few entries per word instead of every match;
// PostgreSQL takes the first page of each word (LATERAL) and keeps the
// first page of those. Otherwise the page sorts the whole range, keeping
// only a page in memory. At a million users, searching "john" takes about
// 3 ms less with the merge (see docs/performance.md).
func (c *Conn) searchByWords(ctx context.Context, orgID, lead string, f *UserFilter, after string, afterArgs []any,
	order string) (*UserPage, error) {
	hi := lead + wordEnd
	page := &UserPage{}
	var words int
	err := c.queryRow(ctx, wordCounts, orgID, lead, hi, lead, orgID, lead, hi, orgID, hi).Scan(&page.Total, &words)
	if err != nil || page.Total == 0 {
		return page, err
	}
	merge := words <= min(mergeWordsMax, page.Total/mergeMatchesPerWord)
	switch c.d.wordPaging {
	case pageByMerge:
		merge = true
	case pageByRange:
		merge = false
	}
	var q string
	var args []any
	if merge {
		q, args = c.d.mergedWordPage(orgID, lead, f, afterArgs)
	} else {
		q = `SELECT u.id FROM (SELECT w.last_name AS last_name, w.user_id AS id FROM user_words w
			WHERE w.org_id = ? AND w.word >= ? AND w.word < ? AND w.prev_word < ?) u`
		args = []any{orgID, lead, hi, lead}
		if after != "" {
			q += ` WHERE ` + after
			args = append(args, afterArgs...)
		}
		q += order + ` LIMIT ?`
		args = append(args, f.Limit+1)
	}
	rows, err := c.query(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id IN (`+q+`)`+order, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return page, readPage(rows, rows, f, page)
}

// mergedWordPage returns the query of the ids of the page of a search by
// words that merges the runs of the words beginning with lead (see
// searchByWords), and its arguments; after is the cursor's last name and
// id, or nothing.
func (d dialect) mergedWordPage(orgID, lead string, f *UserFilter, after []any) (string, []any) {
	dir, cmp := "ASC", ">"
	if f.Desc {
		dir, cmp = "DESC", "<"
	}
	runOrder := ` ORDER BY x.last_name ` + dir + `, x.user_id ` + dir
	// first is the first match of a word of words, after the cursor.
	first := `SELECT x.last_name, x.user_id FROM user_words x
		WHERE x.org_id = ? AND x.word = words.word AND x.prev_word < ?`
	firstArgs := []any{orgID, lead}
	if len(after) > 0 {
		first += ` AND (x.last_name, x.user_id) ` + cmp + ` (?, ?)`
		firstArgs = append(firstArgs, after...)
	}
	first += runOrder
	args := []any{orgID, lead, lead + wordEnd, orgID, lead + wordEnd}
	if d.engine == Postgres {
		args = append(append(args, firstArgs...), f.Limit+1, f.Limit+1)
		return leadWords + ` SELECT t.user_id FROM words CROSS JOIN LATERAL (` + first + ` LIMIT ?) t
			ORDER BY t.last_name ` + dir + `, t.user_id ` + dir + ` LIMIT ?`, args
	}
	// q holds the next match of each word not yet taken; each step takes
	// the least (ORDER BY makes the queue a priority queue) and puts the
	// match that follows it in its word in its place.
	args = append(append(append(args, orgID), firstArgs...), orgID, orgID, lead, f.Limit+1)
	return leadWords + `,
		q(last_name, id, word) AS (
			SELECT h.last_name, h.user_id, h.word FROM words, user_words h
			WHERE words.word IS NOT NULL AND h.org_id = ? AND h.word = words.word
				AND (h.last_name, h.user_id) = (` + first + ` LIMIT 1)
			UNION ALL
			SELECT h.last_name, h.user_id, h.word FROM q, user_words h
			WHERE h.org_id = ? AND h.word = q.word AND (h.last_name, h.user_id) = (
				SELECT x.last_name, x.user_id FROM user_words x
				WHERE x.org_id = ? AND x.word = q.word AND x.prev_word < ? AND (x.last_name, x.user_id) ` + cmp + ` (q.last_name, q.id)` +
		runOrder + ` LIMIT 1)
			ORDER BY 1 ` + dir + `, 2 ` + dir + `
			LIMIT ?)
		SELECT id FROM q`, args
}
