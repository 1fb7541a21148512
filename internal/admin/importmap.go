package admin

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// MappingChange gives the column under Header the field named Field: its
// key or its label, either without regard to case; "" leaves the column
// out.
type MappingChange struct {
	Header, Field string
}

// ParseMappingPairs reads "Header=field" pairs separated by commas, as the
// map parameter of an upload and the --map flag write them.
func ParseMappingPairs(spec string) ([]MappingChange, error) {
	var out []MappingChange
	for _, pair := range strings.Split(spec, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		header, field, ok := strings.Cut(pair, "=")
		if !ok {
			return nil, fmt.Errorf("%q is not Column=field; write each mapping as a column header, an equals sign and a field", strings.TrimSpace(pair))
		}
		out = append(out, MappingChange{Header: header, Field: field})
	}
	return out, nil
}

// changeMapping applies changes to a mapping of a file with headers, the
// fields being those of cols. A field given to a column is taken from any
// other column that had it. The error names the change at fault and lists
// what it could have said.
func changeMapping(mapping []string, headers []string, changes []MappingChange, cols []Column) ([]string, error) {
	out := make([]string, len(headers))
	copy(out, mapping)
	for _, c := range changes {
		header := strings.TrimSpace(c.Header)
		i := slices.IndexFunc(headers, func(h string) bool { return strings.EqualFold(strings.TrimSpace(h), header) })
		if i < 0 {
			return nil, fmt.Errorf("the file has no column %q; its columns are %s", header, quoteAll(headers))
		}
		key, ok := fieldKey(c.Field, cols)
		if !ok {
			return nil, fmt.Errorf("%q is not a field an import can fill; the fields are %s", strings.TrimSpace(c.Field), fieldList(cols))
		}
		if key != "" {
			for j := range out {
				if out[j] == key {
					out[j] = ""
				}
			}
		}
		out[i] = key
	}
	return out, nil
}

// fieldKey finds the column named by a key or a label.
func fieldKey(name string, cols []Column) (string, bool) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", true
	}
	for _, c := range cols {
		if strings.EqualFold(c.Key, name) || strings.EqualFold(c.Label, name) {
			return c.Key, true
		}
	}
	return "", false
}

// fieldList lists the fields as "key (Label)".
func fieldList(cols []Column) string {
	parts := make([]string, 0, len(cols))
	for _, c := range cols {
		parts = append(parts, c.Key+" ("+c.Label+")")
	}
	return strings.Join(parts, ", ")
}

func quoteAll(list []string) string {
	parts := make([]string, 0, len(list))
	for _, s := range list {
		parts = append(parts, strconv.Quote(s))
	}
	return strings.Join(parts, ", ")
}
