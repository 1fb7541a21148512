package rest_test

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/google/uuid"

	"roster/internal/directory"
)

// importColumns are the import targets: one the actor uploaded (mine; the
// owner's for an actor without an account) and one the owner uploaded
// (ownr).
var importColumns = []string{"mine", "ownr"}

// importMatrix covers the imports (matrix_test.go). They take users.import,
// which the owner, the administrators and the managers hold. An importer
// whose grant covers the whole organization reaches every import of it;
// one limited to a unit (district, siteB) reaches only their own, and
// another's answers 404, as if it did not exist: an import may touch users
// anywhere in the organization, so its rows are not theirs to read.
//
// The fields an import may fill take no permission at all, unlike the
// custom fields of GET /settings/custom-fields (users.view), which they
// list too.
func importMatrix() []matrixRoute {
	importPath := func(c *cell, state directory.ImportState, suffix string) string {
		return "imports/" + c.importTarget(state).ID + suffix
	}
	byID := func(method, suffix string, state directory.ImportState, ok int, mutates bool, body any) matrixRoute {
		s := fmt.Sprint(ok)
		return matrixRoute{route: method + " imports/{id}" + suffix, columns: importColumns, mutates: mutates,
			build: func(c *cell) request { return request{path: importPath(c, state, suffix), body: body} },
			want: `
			           mine ownr
			owner      ` + s + `  ` + s + `
			admin      ` + s + `  ` + s + `
			district   ` + s + `  404
			siteB      ` + s + `  404
			supervisor 403  403
			staff      403  403
			svc        403  403
			otherAdmin ` + s + `  404
			revoked    401  401
			anonymous  401  401`}
	}
	return []matrixRoute{
		{route: "POST imports", columns: one,
			build: func(c *cell) request {
				return request{path: "imports", body: "First,Last,Login\r\nNew,Person," + newTag() + "\r\n",
					header: []string{"Content-Type", "text/csv"}}
			},
			want: `
			           it
			owner      201
			admin      201
			district   201
			siteB      201
			supervisor 403
			staff      403
			svc        403
			otherAdmin 201
			revoked    401
			anonymous  401`},

		// The history lists what GET /imports/{id} shows.
		{route: "GET imports", columns: importColumns, observe: importListed,
			build: func(c *cell) request {
				c.importTarget(directory.ImportDraft)
				return request{path: "imports?limit=200"}
			},
			want: `
			           mine ownr
			owner      200  200
			admin      200  200
			district   200  404
			siteB      200  404
			supervisor 403  403
			staff      403  403
			svc        403  403
			otherAdmin 200  404
			revoked    401  401
			anonymous  401  401`},

		byID("GET", "", directory.ImportDraft, http.StatusOK, false, nil),
		byID("PATCH", "", directory.ImportDraft, http.StatusOK, true, `{"mode": "create"}`),
		byID("POST", "/preview", directory.ImportDraft, http.StatusOK, false, nil),
		byID("POST", "/start", directory.ImportDraft, http.StatusAccepted, true, nil),
		byID("GET", "/rows", directory.ImportDone, http.StatusOK, false, nil),
		byID("GET", "/exceptions", directory.ImportDone, http.StatusOK, false, nil),
		byID("POST", "/rollback", directory.ImportDone, http.StatusAccepted, true, nil),

		{route: "GET imports/fields", columns: one,
			build: func(c *cell) request { return request{path: "imports/fields"} },
			want: `
			           it
			owner      200
			admin      200
			district   200
			siteB      200
			supervisor 403
			staff      403
			svc        403
			otherAdmin 200
			revoked    401
			anonymous  401`},

		// Saved mappings belong to the organization, not to whoever saved
		// them: every importer of it may use and forget them.
		{route: "GET import-mappings", columns: one,
			build: func(c *cell) request { c.mapping(); return request{path: "import-mappings"} },
			want: `
			           it
			owner      200
			admin      200
			district   200
			siteB      200
			supervisor 403
			staff      403
			svc        403
			otherAdmin 200
			revoked    401
			anonymous  401`},
		{route: "DELETE import-mappings/{id}", columns: one, mutates: true,
			build: func(c *cell) request { return request{path: "import-mappings/" + c.mapping().ID} },
			want: `
			           it
			owner      204
			admin      204
			district   204
			siteB      204
			supervisor 403
			staff      403
			svc        403
			otherAdmin 404
			revoked    401
			anonymous  401`},
	}
}

// importTarget returns the cell's import in the given state: the actor's
// own (mine) or the owner's (ownr).
func (c *cell) importTarget(state directory.ImportState) *directory.Import {
	u := c.w.owner
	if c.column == "mine" && c.actor.user != nil {
		u = c.actor.user
	}
	key := "import:" + c.column + ":" + u.ID + ":" + string(state)
	return c.get(key, func() any { return c.w.newImport(u, state) }).(*directory.Import)
}

// mapping returns the cell's saved mapping of the first organization.
func (c *cell) mapping() *directory.ImportMapping {
	return c.get("mapping", func() any { return c.w.newMapping() }).(*directory.ImportMapping)
}

// newImport stores an import of one row uploaded by u straight in the
// database: a draft, or one the worker finished.
func (w *world) newImport(u *directory.User, state directory.ImportState) *directory.Import {
	w.t.Helper()
	im := &directory.Import{ID: uuid.NewString(), OrgID: u.OrgID, Kind: directory.ImportUsers, Mode: directory.ImportCreate,
		MatchBy: directory.MatchUsername, FileName: "matrix.csv", Delimiter: ',', Headers: []string{"First", "Last", "Login"},
		Mapping: []string{"first_name", "last_name", "username"}, State: state, Total: 1, CreatedAt: w.clock.Now(),
		Owner: directory.ImportOwner{ActorID: u.ID, ActorName: u.FirstName + " " + u.LastName}}
	if err := w.e.DB.CreateImport(w.ctx, im, [][]string{{"Imported", "Person", newTag()}}, []int{2}); err != nil {
		w.t.Fatalf("CreateImport: %v", err)
	}
	return im
}

// newMapping saves a mapping of the first organization straight in the
// database.
func (w *world) newMapping() *directory.ImportMapping {
	w.t.Helper()
	now := w.clock.Now()
	m := &directory.ImportMapping{ID: uuid.NewString(), OrgID: w.org.ID, Kind: directory.ImportUsers, Name: "Matrix " + newTag(),
		Headers: []string{"First", "Last", "Login"}, Mapping: []string{"first_name", "last_name", "username"},
		CreatedBy: w.owner.ID, CreatedAt: now, UpdatedAt: now}
	if err := w.e.DB.SaveImportMapping(w.ctx, m); err != nil {
		w.t.Fatalf("SaveImportMapping: %v", err)
	}
	return m
}

// importListed is the observe function of GET /imports: 200 when the
// cell's import is in the history, 404 when it is not.
func importListed(c *cell, r *response) (int, string) {
	var l struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := json.Unmarshal(r.Body, &l); err != nil {
		return 0, " (not an import list)"
	}
	want := c.importTarget(directory.ImportDraft).ID
	for _, im := range l.Items {
		if im.ID == want {
			return http.StatusOK, ""
		}
	}
	return http.StatusNotFound, fmt.Sprintf(" (not among the %d listed)", len(l.Items))
}
