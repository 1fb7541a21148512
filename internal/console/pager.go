package console

import (
	"net/url"
)

// pager holds the links between pages of a keyset-paged list: First
// leads back to the start, Next carries the cursor of the page's last
// row. Prev is set by lists that can walk backwards.
type pager struct {
	First, Prev, Next string
}

// pageLinks builds the pager of a list at path with query q: next is the
// cursor of the following page ("" = this is the last page), and the
// current page is not the first when q holds a cursor.
func pageLinks(path string, q url.Values, next string) pager {
	var p pager
	if q.Get("after") != "" {
		first := cloneValues(q)
		first.Del("after")
		p.First = withQuery(path, first)
	}
	if next != "" {
		n := cloneValues(q)
		n.Set("after", next)
		p.Next = withQuery(path, n)
	}
	return p
}

// withQuery joins a path and a query.
func withQuery(path string, q url.Values) string {
	if enc := q.Encode(); enc != "" {
		return path + "?" + enc
	}
	return path
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		if len(v) > 0 && v[0] != "" {
			out[k] = append([]string(nil), v...)
		}
	}
	return out
}
