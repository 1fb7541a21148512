package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"strings"
	texttemplate "text/template"
)

//go:embed templates
var templateFiles embed.FS

// Notice is what a mail template is filled with.
type Notice struct {
	Org      string // the organization's name, which every mail is sent in
	Name     string // how the recipient is addressed
	Username string // the recipient's user name
	// AutoUnlockMinutes is the organization's automatic unlock, for the
	// account-locked notice (0 = none).
	AutoUnlockMinutes int
	// Data holds what a kind needs: link, minutes, hours, inviter, invitee,
	// invitee_email, login, actor, reason, ends_at.
	Data map[string]string
}

// Templates are the parsed mail templates: for each kind, a subject and a
// plain-text body, and an HTML body inside a shared layout. They are
// embedded in the binary and parsed once.
type Templates struct {
	text map[string]*texttemplate.Template
	html map[string]*htmltemplate.Template
}

// LoadTemplates parses the embedded templates. It fails only when a
// template does not parse, which the tests catch.
func LoadTemplates() (*Templates, error) {
	t := &Templates{text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	entries, err := fs.ReadDir(templateFiles, "templates/text")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		kind := strings.TrimSuffix(e.Name(), ".tmpl")
		tt, err := texttemplate.New(kind).Option("missingkey=error").ParseFS(templateFiles, "templates/text/"+e.Name())
		if err != nil {
			return nil, fmt.Errorf("mail template %s: %w", kind, err)
		}
		ht, err := htmltemplate.New(kind).Option("missingkey=error").ParseFS(templateFiles,
			"templates/html/layout.tmpl", "templates/html/"+e.Name())
		if err != nil {
			return nil, fmt.Errorf("mail template %s (HTML): %w", kind, err)
		}
		t.text[kind], t.html[kind] = tt, ht
	}
	return t, nil
}

// Kinds lists the kinds of mail there are templates for.
func (t *Templates) Kinds() []string {
	out := make([]string, 0, len(t.text))
	for k := range t.text {
		out = append(out, k)
	}
	return out
}

// Render fills the templates of a kind: the subject, the plain-text body
// (signed with the organization's name) and the HTML body. An unknown kind
// or a missing value is an error.
func (t *Templates) Render(kind string, n Notice) (subject, text, html string, err error) {
	tt, ok := t.text[kind]
	if !ok {
		return "", "", "", fmt.Errorf("mail: no template for %q", kind)
	}
	if n.Data == nil {
		n.Data = map[string]string{}
	}
	var b bytes.Buffer
	if err := tt.ExecuteTemplate(&b, "subject", n); err != nil {
		return "", "", "", fmt.Errorf("mail %s subject: %w", kind, err)
	}
	subject = strings.TrimSpace(b.String())
	b.Reset()
	if err := tt.ExecuteTemplate(&b, "text", n); err != nil {
		return "", "", "", fmt.Errorf("mail %s text: %w", kind, err)
	}
	text = strings.TrimLeft(b.String(), "\n") + "\n-- \n" + n.Org + "\n"
	b.Reset()
	page := struct {
		Notice
		Subject string
	}{n, subject}
	if err := t.html[kind].ExecuteTemplate(&b, "html", page); err != nil {
		return "", "", "", fmt.Errorf("mail %s HTML: %w", kind, err)
	}
	return subject, text, b.String(), nil
}
