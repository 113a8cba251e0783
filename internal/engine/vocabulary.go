package engine

import (
	"context"
	"fmt"
)

// Vocabulary lists the words of the engine's SQL as DuckDB's own catalogs
// name them (duckdb_keywords(), duckdb_functions()), grouped as Flight
// SQL's GetSqlInfo reports them to query editors for completion. DuckDB
// gives categories to few of its functions, so the groups also follow the
// types of their parameters and results.
type Vocabulary struct {
	// Keywords are the keywords of DuckDB's parser, in upper case.
	Keywords []string
	// NumericFunctions take and return numbers (abs, round, sqrt...).
	NumericFunctions []string
	// StringFunctions are DuckDB's "string", "regex" and
	// "text_similarity" functions and the others that take and return
	// text.
	StringFunctions []string
	// DateTimeFunctions take or return dates, times, timestamps or
	// intervals (date_trunc, epoch_ns...).
	DateTimeFunctions []string
	// SystemFunctions are the other scalar and aggregate functions and
	// macros, the Micromegas ones included (property_get, level_name,
	// date_bin, make_histogram...).
	SystemFunctions []string
}

// vocabularyFunctionsSQL lists each scalar or aggregate function or macro
// named by an identifier once, with its group: date-time when DuckDB says
// so or every overload takes or returns a temporal type, numeric when
// every overload maps numbers to a number, string when DuckDB says so or
// every overload maps text to text. The engine's helper functions, which
// its macros call, and the collations (icu_collate_*) are left out.
const vocabularyFunctionsSQL = `WITH f AS (
	SELECT function_name AS name, function_type AS kind, categories,
		coalesce(return_type, '') AS ret, coalesce(parameter_types, []) AS params
	FROM duckdb_functions()
	WHERE function_type IN ('scalar', 'aggregate', 'macro')
		AND regexp_full_match(function_name, '[A-Za-z][A-Za-z0-9_]*')
		AND NOT starts_with(function_name, 'micromegas_') AND NOT starts_with(function_name, 'icu_collate_')
), g AS (
	SELECT name,
		bool_or(list_has_any(categories, ['date', 'timestamp'])) OR bool_and(kind = 'scalar'
			AND (regexp_matches(ret, '^(DATE|TIME|INTERVAL)')
				OR len(list_filter(params, p -> regexp_matches(p, '^(DATE|TIME|INTERVAL)'))) > 0)) AS temporal,
		bool_and(kind = 'scalar' AND len(params) > 0 AND regexp_matches(ret, $1)
			AND len(list_filter(params, p -> NOT regexp_matches(p, $1))) = 0) AS numeric,
		bool_or(list_has_any(categories, ['string', 'regex', 'text_similarity']))
			OR bool_and(ret = 'VARCHAR' AND list_contains(params, 'VARCHAR')) AS text
	FROM f GROUP BY name
)
SELECT name, CASE WHEN temporal THEN 'datetime' WHEN numeric THEN 'numeric' WHEN text THEN 'string' ELSE 'system' END
FROM g ORDER BY name`

// numericTypes matches the names of DuckDB's number types.
const numericTypes = `^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)`

// Vocabulary reads the engine's keywords and functions.
func (e *Engine) Vocabulary(ctx context.Context) (Vocabulary, error) {
	var v Vocabulary
	err := e.eachRow(ctx, `SELECT DISTINCT upper(keyword_name), '' FROM duckdb_keywords() ORDER BY 1`, func(k, _ string) {
		v.Keywords = append(v.Keywords, k)
	})
	if err != nil {
		return v, fmt.Errorf("engine: list keywords: %w", err)
	}
	groups := map[string]*[]string{
		"numeric": &v.NumericFunctions, "string": &v.StringFunctions,
		"datetime": &v.DateTimeFunctions, "system": &v.SystemFunctions,
	}
	err = e.eachRow(ctx, vocabularyFunctionsSQL, func(name, grp string) {
		*groups[grp] = append(*groups[grp], name)
	}, numericTypes)
	if err != nil {
		return v, fmt.Errorf("engine: list functions: %w", err)
	}
	return v, nil
}

// eachRow runs sql with args, whose rows are two strings, and calls fn
// with each.
func (e *Engine) eachRow(ctx context.Context, sql string, fn func(a, b string), args ...any) error {
	rows, err := e.db.QueryContext(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a, b string
		if err := rows.Scan(&a, &b); err != nil {
			return err
		}
		fn(a, b)
	}
	return rows.Err()
}
