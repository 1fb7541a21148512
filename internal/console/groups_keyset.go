package console

import (
	"encoding/base64"
	"encoding/json"
)

// keysetToken makes the opaque "after" value of a keyset-paged list from
// a store cursor; nil gives "" (no next page).
func keysetToken[C any](c *C) string {
	if c == nil {
		return ""
	}
	b, err := json.Marshal(c)
	if err != nil {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// keysetFrom reads an "after" value made by keysetToken; a missing or
// damaged value gives nil, which starts the list from its first page.
func keysetFrom[C any](s string) *C {
	if s == "" || len(s) > 2000 {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil
	}
	c := new(C)
	if json.Unmarshal(b, c) != nil {
		return nil
	}
	return c
}
