package console_test

import (
	"bytes"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"roster/internal/directory"
)

// importsUpload posts the upload form with a file named name holding
// content, and the given kind and mode ("" leaves a field out).
func (b *browser) importsUpload(kind, mode, name, content string) *response {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if kind != "" {
		_ = mw.WriteField("kind", kind)
	}
	if mode != "" {
		_ = mw.WriteField("mode", mode)
	}
	if name != "" {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="file"; filename="`+name+`"`)
		h.Set("Content-Type", "text/csv")
		part, err := mw.CreatePart(h)
		if err != nil {
			b.t.Fatal(err)
		}
		_, _ = part.Write([]byte(content))
	}
	_ = mw.Close()
	return b.do("POST", "/admin/imports", &body, mw.FormDataContentType())
}

// importsID reads the id of the import a redirect leads to.
func (f *fixture) importsID(r *response) string {
	f.t.Helper()
	m := regexp.MustCompile(`^/admin/imports/([^/?#]+)`).FindStringSubmatch(r.Location())
	if r.Code != 303 || m == nil {
		f.t.Fatalf("the upload did not lead to an import: %s", r)
	}
	return m[1]
}

// importsSettings is the mapping form as a browser sends it: mode,
// matching and one field key per column.
func importsSettings(mode string, mapping ...string) url.Values {
	v := url.Values{"mode": {mode}, "match_by": {directory.MatchUsername}}
	for i, key := range mapping {
		v.Set("mapping."+strconv.Itoa(i), key)
	}
	return v
}

// importsRun runs the background worker until no import waits.
func (f *fixture) importsRun() {
	f.t.Helper()
	if _, err := f.svc.RunImports(f.ctx, "test"); err != nil {
		f.t.Fatalf("RunImports: %v", err)
	}
}

// importsHistory returns the organization's imports as the operator sees
// them.
func (f *fixture) importsHistory() []*directory.Import {
	f.t.Helper()
	pg, err := f.svc.Imports(f.ctx, f.op(), 200, nil)
	if err != nil {
		f.t.Fatalf("Imports: %v", err)
	}
	return pg.Imports
}

// importsUser returns the user with a user name or email, or nil.
func (f *fixture) importsUser(login string) *directory.User {
	f.t.Helper()
	u, err := f.svc.UserByLogin(f.ctx, f.org.ID, login)
	if directory.KindOf(err) == directory.KindNotFound {
		return nil
	}
	if err != nil {
		f.t.Fatalf("UserByLogin %s: %v", login, err)
	}
	if u.Deleted() {
		return nil
	}
	return u
}

// importsCSV builds a file of users: a header and one line per row, each
// user name suffixed to keep tests apart.
func importsCSV(header string, rows ...string) string {
	return header + "\r\n" + strings.Join(rows, "\r\n") + "\r\n"
}
