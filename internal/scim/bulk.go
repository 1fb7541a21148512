package scim

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// bulkOp is one operation of a Bulk request (RFC 7644 §3.7).
type bulkOp struct {
	Method  string          `json:"method"`
	BulkID  string          `json:"bulkId,omitempty"`
	Version string          `json:"version,omitempty"`
	Path    string          `json:"path"`
	Data    json.RawMessage `json:"data,omitempty"`
}

type bulkRequest struct {
	Schemas      []string `json:"schemas"`
	FailOnErrors int      `json:"failOnErrors"`
	Operations   []bulkOp `json:"Operations"`
}

// bulk runs the operations of a Bulk request in order, each on its own
// (an operation that fails changes nothing, the others stand). A value
// "bulkId:x" anywhere in an operation's data stands for the id of the
// resource that the operation with bulkId x created; an operation that
// refers to one not yet created waits until it is, and operations that
// wait for each other fail with 409. failOnErrors stops the request after
// that many errors.
func (h *Handler) bulk(ctx context.Context, r *request) result {
	var req bulkRequest
	dec := json.NewDecoder(bytes.NewReader(r.body))
	if err := dec.Decode(&req); err != nil {
		return fail(errorf(http.StatusBadRequest, "invalidSyntax", "the body is not a Bulk request: %v", err))
	}
	if !containsFold(req.Schemas, schemaBulkReq) {
		return fail(errorf(http.StatusBadRequest, "invalidSyntax", "a Bulk body has the schema %s", schemaBulkReq))
	}
	if len(req.Operations) > MaxOperations {
		return fail(errorf(http.StatusRequestEntityTooLarge, "", "a Bulk request holds at most %d operations; this one has %d", MaxOperations, len(req.Operations)))
	}
	if req.FailOnErrors < 0 {
		return fail(errorf(http.StatusBadRequest, "invalidValue", "failOnErrors must not be negative"))
	}
	seen := map[string]bool{}
	for i, op := range req.Operations {
		m := strings.ToUpper(op.Method)
		if m != http.MethodPost && m != http.MethodPut && m != http.MethodPatch && m != http.MethodDelete {
			return fail(errorf(http.StatusBadRequest, "invalidSyntax", "operation %d: method must be POST, PUT, PATCH or DELETE", i+1))
		}
		if !strings.HasPrefix(op.Path, "/Users") && !strings.HasPrefix(op.Path, "/Groups") {
			return fail(errorf(http.StatusBadRequest, "invalidPath", "operation %d: path must name /Users or /Groups", i+1))
		}
		if m == http.MethodPost && op.BulkID == "" {
			return fail(errorf(http.StatusBadRequest, "invalidSyntax", "operation %d: a POST needs a bulkId", i+1))
		}
		if op.BulkID != "" {
			if seen[op.BulkID] {
				return fail(errorf(http.StatusBadRequest, "invalidSyntax", "bulkId %s is used twice", op.BulkID))
			}
			seen[op.BulkID] = true
		}
	}
	ids := map[string]string{} // bulkId → the id of the resource created
	out := make([]map[string]any, len(req.Operations))
	done := make([]bool, len(req.Operations))
	errs := 0
	for progress := true; progress; {
		progress = false
		for i, op := range req.Operations {
			if done[i] {
				continue
			}
			if req.FailOnErrors > 0 && errs >= req.FailOnErrors {
				break
			}
			path, ok1 := substitute(op.Path, ids)
			data, ok2 := substitute(string(op.Data), ids)
			if !ok1 || !ok2 {
				continue // waits for an operation that creates what it names
			}
			done[i], progress = true, true
			res := h.route(ctx, &request{method: strings.ToUpper(op.Method), path: path, body: []byte(data), ifMatch: op.Version})
			entry := map[string]any{"method": strings.ToUpper(op.Method)}
			if op.BulkID != "" {
				entry["bulkId"] = op.BulkID
			}
			if res.err != nil {
				errs++
				entry["status"] = strconv.Itoa(res.err.Status)
				entry["response"] = res.err.body()
			} else {
				entry["status"] = strconv.Itoa(res.status)
				if res.version != "" {
					entry["version"] = res.version
				}
				loc := res.location
				if loc == "" && strings.ToUpper(op.Method) != http.MethodDelete {
					loc = h.base + path
				}
				if loc != "" {
					entry["location"] = loc
				}
				if op.BulkID != "" && res.status == http.StatusCreated {
					ids[op.BulkID] = loc[strings.LastIndex(loc, "/")+1:]
				}
			}
			out[i] = entry
		}
	}
	var ops []any
	for i, op := range req.Operations {
		switch {
		case out[i] != nil:
			ops = append(ops, out[i])
		case req.FailOnErrors > 0 && errs >= req.FailOnErrors:
			// Not run: the request stopped at failOnErrors.
		default:
			e := errorf(http.StatusConflict, "invalidValue", "operation %d refers to a bulkId that no operation of the request created", i+1)
			entry := map[string]any{"method": strings.ToUpper(op.Method), "status": "409", "response": e.body()}
			if op.BulkID != "" {
				entry["bulkId"] = op.BulkID
			}
			ops = append(ops, entry)
		}
	}
	if ops == nil {
		ops = []any{}
	}
	return result{status: http.StatusOK, body: map[string]any{"schemas": []string{schemaBulkResp}, "Operations": ops}}
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// substitute replaces each "bulkId:x" in s by the id created for x; it
// reports false when one of them is not created yet.
func substitute(s string, ids map[string]string) (string, bool) {
	const mark = "bulkId:"
	if !strings.Contains(s, mark) {
		return s, true
	}
	var b strings.Builder
	for {
		i := strings.Index(s, mark)
		if i < 0 {
			b.WriteString(s)
			return b.String(), true
		}
		b.WriteString(s[:i])
		s = s[i+len(mark):]
		end := strings.IndexAny(s, `"/?&, }]`)
		if end < 0 {
			end = len(s)
		}
		id, ok := ids[s[:end]]
		if !ok {
			return "", false
		}
		b.WriteString(id)
		s = s[end:]
	}
}
