-- +goose Up
-- user_words holds one row per distinct word of the search text of every
-- user outside the recycle bin, with the user's last name: a search sorted
-- by last name reads a range of it without touching the users table. The
-- store keeps it (see words.go), as on SQLite. prev_word is the user's word
-- before this one in byte order ('' for the first), so that a prefix search
-- counts each user once without collecting distinct users. word and last_name compare
-- byte by byte, as users.last_name does; user_id has the collation of
-- users.id, so that both order the same.
CREATE TABLE user_words (
    org_id TEXT NOT NULL,
    word TEXT COLLATE "C" NOT NULL,
    last_name TEXT COLLATE "C" NOT NULL,
    user_id TEXT NOT NULL,
    prev_word TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (org_id, word, last_name, user_id) INCLUDE (prev_word)
);
CREATE INDEX user_words_by_user ON user_words(user_id, word);
INSERT INTO user_words (org_id, word, last_name, user_id, prev_word)
SELECT org_id, word, last_name, id, COALESCE(LAG(word) OVER (PARTITION BY id ORDER BY word COLLATE "C"), '')
FROM (SELECT DISTINCT u.org_id, w.word, u.last_name, u.id
      FROM users u CROSS JOIN LATERAL regexp_split_to_table(u.search_text, ' ') AS w(word)
      WHERE u.deleted_at = 0 AND w.word <> '') s;

-- +goose Down
DROP TABLE user_words;
