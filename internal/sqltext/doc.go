// Package sqltext reads SQL text without parsing it: one tokenizer of
// DuckDB's lexical rules (scan.go) and the analyses built on its tokens
// that the lakehouse and the FlightSQL server need before the engine sees
// a query:
//
//   - calls of named functions and their arguments (calls.go), which the
//     lakehouse plans itself (view_instance, list_partitions, ...);
//   - parameter markers, "?" and "$N", and their replacement by other text
//     or by SQL literals of bound values (placeholders.go, interpolate.go);
//   - time predicates of a WHERE clause that bound the partitions a query
//     reads, the substrings it requires of text columns (needles) and the
//     values it requires of id columns (bounds.go, needles.go, ids.go);
//   - ORDER BY an event-time column DESC (order.go).
//
// Every analysis only ever narrows what a query reads when the text makes
// it certainly safe; the engine parses the query itself and reports its
// errors.
package sqltext
