package auth

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Admins is the list of MICROMEGAS_ADMINS: emails, subjects or API key
// names whose identities are admins.
type Admins struct {
	names map[string]bool
}

// ParseAdmins reads MICROMEGAS_ADMINS: a JSON list of strings, as the
// original, or a comma-separated list. Emails match case-insensitively.
func ParseAdmins(s string) (Admins, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Admins{}, nil
	}
	var list []string
	if strings.HasPrefix(s, "[") {
		if err := json.Unmarshal([]byte(s), &list); err != nil {
			return Admins{}, fmt.Errorf(`MICROMEGAS_ADMINS: want a JSON list of emails, subjects or key names such as ["alice@example.com"], or a comma-separated list: %w`, err)
		}
	} else {
		list = strings.Split(s, ",")
	}
	a := Admins{names: map[string]bool{}}
	for _, n := range list {
		if n = strings.TrimSpace(n); n != "" {
			a.names[strings.ToLower(n)] = true
		}
	}
	return a, nil
}

// Match reports whether the list names id's subject or email.
func (a Admins) Match(id Identity) bool {
	if len(a.names) == 0 {
		return false
	}
	return a.names[strings.ToLower(id.Subject)] || (id.Email != "" && a.names[strings.ToLower(id.Email)])
}

// Len is the number of names.
func (a Admins) Len() int { return len(a.names) }
