package engine

import (
	"errors"
	"strings"
)

// ErrInvalidQuery is the sentinel matched (errors.Is) by every error that
// blames the query rather than the server: syntax errors, unknown tables or
// functions, type errors, statements the sandbox forbids. Servers map it to
// an "invalid argument" status.
var ErrInvalidQuery = errors.New("invalid query")

// QueryError is an error reported by DuckDB for a query. Its message is
// DuckDB's, which starts with the error class ("Binder Error: ...").
type QueryError struct {
	// Msg is DuckDB's error message.
	Msg string
	// Invalid is true when the query, not the server, is at fault.
	Invalid bool
}

// Error returns DuckDB's message.
func (e *QueryError) Error() string { return e.Msg }

// Is reports whether target is ErrInvalidQuery and the query is at fault.
func (e *QueryError) Is(target error) bool { return target == ErrInvalidQuery && e.Invalid }

// InvalidQuery reports whether the query is at fault. It lets servers that do
// not import this package classify the error.
func (e *QueryError) InvalidQuery() bool { return e.Invalid }

// invalidQuery returns an error for a query the engine itself refuses.
func invalidQuery(msg string) error { return &QueryError{Msg: msg, Invalid: true} }

// userErrorClasses are the DuckDB error classes caused by the query text.
// Anything else (IO, Out of Memory, Internal, Fatal, Interrupt, ...) is the
// server's problem.
var userErrorClasses = map[string]bool{
	"Parser Error":                 true,
	"Syntax Error":                 true,
	"Binder Error":                 true,
	"Catalog Error":                true,
	"Conversion Error":             true,
	"Out of Range Error":           true,
	"Invalid Input Error":          true,
	"Invalid Error":                true,
	"Invalid type Error":           true,
	"Invalid Type Error":           true,
	"Mismatch Type Error":          true,
	"Type Error":                   true,
	"Permission Error":             true,
	"Not implemented Error":        true,
	"Constraint Error":             true,
	"Dependency Error":             true,
	"Parameter Not Allowed Error":  true,
	"Parameter Not Resolved Error": true,
	"Divide by Zero Error":         true,
	"Sequence Error":               true,
}

// duckdbError classifies a DuckDB error message.
func duckdbError(msg string) error {
	class, _, _ := strings.Cut(msg, ": ")
	if class == "Out of Memory Error" {
		msg = outOfMemoryMessage(msg)
	}
	return &QueryError{Msg: msg, Invalid: userErrorClasses[class]}
}

// isInterrupt reports whether msg is DuckDB's answer to duckdb_interrupt.
func isInterrupt(msg string) bool { return strings.HasPrefix(msg, "INTERRUPT Error") }
