package engine

// functionsSQL creates the SQL functions of the Micromegas surface that
// DuckDB lacks, as macros in the database's main schema. Macros are
// visible to every connection and, because user SQL is restricted to
// SELECT, cannot be dropped or replaced by users.
var functionsSQL = []string{
	// Properties are the text of JSON objects of strings (the lakehouse
	// views); a MAP(VARCHAR, VARCHAR) or a JSON value works too, through
	// CAST(... AS JSON). DuckDB evaluates these once per distinct value of
	// a dictionary-encoded column.
	//
	// property_get(properties, key): the value of key (any characters),
	// NULL when the key is missing.
	`CREATE OR REPLACE MACRO property_get(properties, key) AS
		json_extract_string(CAST(properties AS JSON), '$.' || CAST(to_json(CAST(key AS VARCHAR)) AS VARCHAR))`,
	// properties_length(properties): the number of keys, as INTEGER.
	`CREATE OR REPLACE MACRO properties_length(properties) AS CAST(len(json_keys(CAST(properties AS JSON))) AS INTEGER)`,
	// The original's JSONB functions over DuckDB's JSON type (the json
	// extension is built in): properties_to_jsonb gives a JSON object with
	// sorted keys; jsonb_get(j, key) the value of key (any characters);
	// jsonb_as_string/f64/i64 NULL when the value has another type.
	// properties_to_dict gives the properties as a MAP(VARCHAR, VARCHAR)
	// and properties_to_array lists the {key, value} entries.
	`CREATE OR REPLACE MACRO properties_to_dict(properties) AS CAST(CAST(properties AS JSON) AS MAP(VARCHAR, VARCHAR))`,
	`CREATE OR REPLACE MACRO properties_to_array(properties) AS map_entries(CAST(CAST(properties AS JSON) AS MAP(VARCHAR, VARCHAR)))`,
	`CREATE OR REPLACE MACRO properties_to_jsonb(properties) AS
		to_json(map_from_entries(list_sort(map_entries(CAST(CAST(properties AS JSON) AS MAP(VARCHAR, VARCHAR))))))`,
	`CREATE OR REPLACE MACRO jsonb_parse(text) AS json(text)`,
	`CREATE OR REPLACE MACRO jsonb_format_json(j) AS CAST(CAST(j AS JSON) AS VARCHAR)`,
	`CREATE OR REPLACE MACRO jsonb_get(j, key) AS
		json_extract(CAST(j AS JSON), '$.' || CAST(to_json(CAST(key AS VARCHAR)) AS VARCHAR))`,
	`CREATE OR REPLACE MACRO jsonb_as_string(j) AS
		CASE WHEN json_type(CAST(j AS JSON)) = 'VARCHAR' THEN json_extract_string(CAST(j AS JSON), '$') END`,
	`CREATE OR REPLACE MACRO jsonb_as_f64(j) AS
		CASE WHEN json_type(CAST(j AS JSON)) IN ('DOUBLE', 'UBIGINT', 'BIGINT') THEN TRY_CAST(CAST(j AS JSON) AS DOUBLE) END`,
	`CREATE OR REPLACE MACRO jsonb_as_i64(j) AS
		CASE WHEN json_type(CAST(j AS JSON)) IN ('UBIGINT', 'BIGINT') THEN TRY_CAST(CAST(j AS JSON) AS BIGINT) END`,
	// date_bin(stride, source[, origin]) as in DataFusion: the start of
	// the stride-wide bin holding source, bins aligned on origin (default
	// the Unix epoch). stride may be an INTERVAL or a string such as
	// '1 minute'.
	`CREATE OR REPLACE MACRO date_bin(stride, source) AS
		time_bucket(CAST(stride AS INTERVAL), source, TIMESTAMP '1970-01-01 00:00:00'),
		(stride, source, origin) AS time_bucket(CAST(stride AS INTERVAL), source, origin)`,
	// The current time as TIMESTAMP_NS, so that it compares with the
	// tables' time columns (DuckDB refuses to compare TIMESTAMP_NS with
	// TIMESTAMP WITH TIME ZONE, the type of the built-in functions).
	// These macros shadow the built-ins; system.main.now() is the built-in.
	`CREATE OR REPLACE MACRO now() AS CAST(system.main.now() AS TIMESTAMP_NS)`,
	`CREATE OR REPLACE MACRO current_timestamp() AS CAST(system.main.now() AS TIMESTAMP_NS)`,
	`CREATE OR REPLACE MACRO get_current_timestamp() AS CAST(system.main.now() AS TIMESTAMP_NS)`,
	`CREATE OR REPLACE MACRO transaction_timestamp() AS CAST(system.main.now() AS TIMESTAMP_NS)`,
	// Histograms (spec 6): a histogram is STRUCT(start, end, min, max,
	// sum, sum_sq DOUBLE, count UBIGINT, bins UBIGINT[]). make_histogram
	// and sum_histograms are aggregates written as macros over DuckDB's
	// own aggregates; the bin of v is clamp(floor((v - start) / ((end -
	// start) / nb_bins)), 0, nb_bins - 1), NULL values are ignored. The
	// bins are counted by histogram_exact over the bin numbers 0 ..
	// nb_bins - 1, which lists every bin in order (no map lookup per bin);
	// no values give nb_bins zeros.
	`CREATE OR REPLACE MACRO make_histogram(hstart, hend, nb_bins, v) AS {
		'start': CAST(hstart AS DOUBLE), 'end': CAST(hend AS DOUBLE),
		'min': min(CAST(v AS DOUBLE)), 'max': max(CAST(v AS DOUBLE)),
		'sum': coalesce(sum(CAST(v AS DOUBLE)), 0), 'sum_sq': coalesce(sum(CAST(v AS DOUBLE) * CAST(v AS DOUBLE)), 0),
		'count': CAST(count(v) AS UBIGINT),
		'bins': coalesce(CAST(map_values(histogram_exact(
			CASE WHEN v IS NOT NULL THEN greatest(0, least(CAST(nb_bins AS BIGINT) - 1,
				CAST(floor((CAST(v AS DOUBLE) - hstart) / ((CAST(hend AS DOUBLE) - hstart) / nb_bins)) AS BIGINT))) END,
			range(CAST(nb_bins AS BIGINT)))) AS UBIGINT[]),
			list_resize(CAST([] AS UBIGINT[]), CAST(nb_bins AS BIGINT), 0))
	}`,
	// sum_histograms(h): bins added element-wise; start and end of the
	// first histogram (histograms of different shapes are not checked).
	`CREATE OR REPLACE MACRO sum_histograms(h) AS {
		'start': min(h.start), 'end': max(h."end"), 'min': min(h.min), 'max': max(h.max),
		'sum': sum(h.sum), 'sum_sq': sum(h.sum_sq), 'count': CAST(sum(h.count) AS UBIGINT),
		'bins': CAST(list_reduce(list(h.bins), (a, b) -> list_transform(list_zip(a, b), z -> z[1] + z[2])) AS UBIGINT[])
	}`,
	`CREATE OR REPLACE MACRO count_from_histogram(h) AS h.count`,
	`CREATE OR REPLACE MACRO sum_from_histogram(h) AS h.sum`,
	// variance_from_histogram(h): the sample variance, ((sum_sq / n) -
	// mean^2) * n / (n - 1).
	`CREATE OR REPLACE MACRO variance_from_histogram(h) AS
		((h.sum_sq / h.count) - (h.sum / h.count) * (h.sum / h.count)) * h.count / (h.count - 1)`,
	// quantile_from_histogram(h, ratio): the first bin whose cumulative
	// count reaches count * ratio, interpolated linearly inside it; end
	// when there is none (a Go function, histogram.go).
	`CREATE OR REPLACE MACRO quantile_from_histogram(h, ratio) AS
		micromegas_quantile_from_bins(h.start, h."end", h.count, h.bins, ratio)`,
	// Sketches (sketch.go, package sketch): distributions with a relative
	// error of 0.39% and no bounds to choose, mergeable. make_sketch(v)
	// and sum_sketches(s) are aggregates; quantile_from_sketch(s, ratio)
	// is a Go function.
	`CREATE OR REPLACE MACRO make_sketch(v) AS micromegas_sketch_from_values(list(CAST(v AS DOUBLE)))`,
	// A group of one sketch is returned as it is, without a call to Go.
	`CREATE OR REPLACE MACRO sum_sketches(s) AS
		CASE WHEN count(s) <= 1 THEN any_value(s) ELSE micromegas_merge_sketches(list(s)) END`,
	`CREATE OR REPLACE MACRO count_from_sketch(s) AS s.count`,
	// level_name(level): the name of a log level of log_entries and
	// log_stats (1 FATAL, 2 ERROR, 3 WARN, 4 INFO, 5 DEBUG, 6 TRACE);
	// another number as its decimal text.
	`CREATE OR REPLACE MACRO level_name(level) AS CASE level
		WHEN 1 THEN 'FATAL' WHEN 2 THEN 'ERROR' WHEN 3 THEN 'WARN'
		WHEN 4 THEN 'INFO' WHEN 5 THEN 'DEBUG' WHEN 6 THEN 'TRACE'
		ELSE CAST(level AS VARCHAR) END`,
}
