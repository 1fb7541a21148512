package store

// ForceWordPaging makes every search by words of db page by merging the
// runs of the words (merge) or by sorting the whole range, whatever the
// numbers say, so that the tests check both ways. Give it a DB of its
// own: the tests of the package share theirs.
func (db *DB) ForceWordPaging(merge bool) {
	db.d.wordPaging = pageByRange
	if merge {
		db.d.wordPaging = pageByMerge
	}
}
