package engine

// functionsSQL creates the SQL functions of the Micromegas surface that
// DuckDB lacks, as macros in the database's main schema. Macros are
// visible to every connection and, because user SQL is restricted to
// SELECT, cannot be dropped or replaced by users.
var functionsSQL = []string{
	// property_get(properties, key): the value of key in a MAP(VARCHAR,
	// VARCHAR) properties column, NULL when the key is missing.
	`CREATE OR REPLACE MACRO property_get(properties, key) AS map_extract_value(properties, key)`,
	// properties_length(properties): the number of keys, as INTEGER.
	`CREATE OR REPLACE MACRO properties_length(properties) AS CAST(cardinality(CAST(properties AS MAP(VARCHAR, VARCHAR))) AS INTEGER)`,
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
}
