-- +goose Up
-- user_words holds one row per distinct word of the search text of every
-- user outside the recycle bin, with the user's last name: a search sorted
-- by last name reads a range of it without touching the users table. The
-- store keeps it (see words.go): SQLite triggers cannot split a string.
-- prev_word is the user's word before this one in byte order ('' for the
-- first), so that a prefix search counts each user once, at the first of
-- their words with the prefix, without collecting distinct users.
CREATE TABLE user_words (
    org_id TEXT NOT NULL,
    word TEXT NOT NULL,
    last_name TEXT NOT NULL,
    user_id TEXT NOT NULL,
    prev_word TEXT NOT NULL,
    PRIMARY KEY (org_id, word, last_name, user_id)
) WITHOUT ROWID;
CREATE INDEX user_words_by_user ON user_words(user_id, word);
-- +goose StatementBegin
WITH RECURSIVE split(org_id, last_name, user_id, word, rest) AS (
    SELECT org_id, last_name, id, '', search_text || ' ' FROM users WHERE deleted_at = 0
    UNION ALL
    SELECT org_id, last_name, user_id, substr(rest, 1, instr(rest, ' ') - 1), substr(rest, instr(rest, ' ') + 1)
    FROM split WHERE rest <> ''
),
words AS (SELECT DISTINCT org_id, word, last_name, user_id FROM split WHERE word <> '')
INSERT INTO user_words (org_id, word, last_name, user_id, prev_word)
SELECT org_id, word, last_name, user_id, COALESCE(LAG(word) OVER (PARTITION BY user_id ORDER BY word), '') FROM words;
-- +goose StatementEnd

-- +goose Down
DROP TABLE user_words;
