package console_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"strconv"
	"testing"

	"roster/internal/admin"
	"roster/internal/directory"
)

// userPNG builds a small PNG image.
func userPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 6))
	for x := range 8 {
		for y := range 6 {
			img.Set(x, y, color.RGBA{R: uint8(30 * x), G: uint8(40 * y), B: 200, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// userUpload posts a multipart form with one file in field "photo" and
// the given other fields.
func (b *browser) userUpload(path, contentType string, data []byte, fields url.Values) *response {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="photo"; filename="me.png"`)
	h.Set("Content-Type", contentType)
	part, err := mw.CreatePart(h)
	if err != nil {
		b.t.Fatal(err)
	}
	_, _ = part.Write(data)
	_ = mw.Close()
	return b.do("POST", path, &body, mw.FormDataContentType())
}

// userEditForm is the edit form of u as the page fills it in: every
// field with u's values and the version.
func userEditForm(u *directory.User) url.Values {
	return url.Values{
		"version": {strconv.FormatInt(u.Version, 10)}, "supervisor_was": {""},
		"username": {u.Username}, "first_name": {u.FirstName}, "last_name": {u.LastName},
		"display_name": {u.DisplayName}, "phone": {u.Phone}, "job_title": {u.JobTitle}, "position": {u.Position},
		"external_id": {u.ExternalID}, "address_street": {u.Address.Street}, "address_locality": {u.Address.Locality},
		"address_region": {u.Address.Region}, "address_postal_code": {u.Address.PostalCode},
		"address_country": {u.Address.Country}, "supervisor": {""}, "department_id": {u.DepartmentID},
		"location_id": {u.LocationID}, "license": {string(u.License)}, "expires_at": {""},
	}
}

// userEvents returns the audit events of the fixture's organization with
// the given action about target.
func (f *fixture) userEvents(action, target string) []*directory.AuditEvent {
	f.t.Helper()
	var out []*directory.AuditEvent
	for _, e := range f.audit() {
		if e.Action == action && e.TargetID == target {
			out = append(out, e)
		}
	}
	return out
}

// userField defines a custom field through the operator.
func (f *fixture) userField(in admin.FieldInput) *directory.CustomField {
	f.t.Helper()
	fd, err := f.svc.CreateField(f.ctx, f.op(), in)
	if err != nil {
		f.t.Fatalf("CreateField: %v", err)
	}
	return fd
}
