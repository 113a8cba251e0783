package engine

import (
	"database/sql"
	"database/sql/driver"
	"fmt"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// quantileFromBinsName is the Go function behind the quantile_from_histogram
// macro (functions.go). SQL list functions have no prefix sum: the macro
// it replaces rebuilt the cumulative counts with one list slice per bin,
// O(bins²) per histogram (11 s for 1,440 histograms of 1,000 bins);
// this is one pass over the bins.
const quantileFromBinsName = "micromegas_quantile_from_bins"

// quantileFromBins returns the ratio quantile of a histogram of len(bins)
// equal bins over [start, end) holding count values: the first bin whose
// cumulative count reaches count × ratio, interpolated linearly inside it
// (the start of the bin when it is empty), or end when no bin reaches it.
func quantileFromBins(start, end float64, count uint64, bins []uint64, ratio float64) float64 {
	target := float64(count) * ratio
	var cum uint64
	for i, b := range bins {
		before := cum
		cum += b
		if float64(cum) >= target {
			frac := 0.0
			if b != 0 {
				frac = (target - float64(before)) / float64(b)
			}
			return start + (end-start)/float64(len(bins))*(float64(i)+frac)
		}
	}
	return end
}

type quantileFromBinsUDF struct{ cfg duckdb.ScalarFuncConfig }

func (u *quantileFromBinsUDF) Config() duckdb.ScalarFuncConfig { return u.cfg }

func (u *quantileFromBinsUDF) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: func(v []driver.Value) (any, error) {
		start, ok1 := v[0].(float64)
		end, ok2 := v[1].(float64)
		count, ok3 := v[2].(uint64)
		list, ok4 := v[3].([]any)
		ratio, ok5 := v[4].(float64)
		if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 {
			return nil, fmt.Errorf("%s: unexpected argument types %T %T %T %T %T", quantileFromBinsName, v[0], v[1], v[2], v[3], v[4])
		}
		bins := make([]uint64, len(list))
		for i, b := range list {
			bins[i], _ = b.(uint64) // a NULL bin counts as empty
		}
		return quantileFromBins(start, end, count, bins, ratio), nil
	}}
}

// registerHistogramFunctions creates the Go functions used by the
// histogram macros of functionsSQL, on conn (functions are visible to
// every connection of the database).
func registerHistogramFunctions(conn *sql.Conn) error {
	double, err := duckdb.NewTypeInfo(duckdb.TYPE_DOUBLE)
	if err != nil {
		return fmt.Errorf("engine: %s: %w", quantileFromBinsName, err)
	}
	ubigint, err := duckdb.NewTypeInfo(duckdb.TYPE_UBIGINT)
	if err != nil {
		return fmt.Errorf("engine: %s: %w", quantileFromBinsName, err)
	}
	list, err := duckdb.NewListInfo(ubigint)
	if err != nil {
		return fmt.Errorf("engine: %s: %w", quantileFromBinsName, err)
	}
	udf := &quantileFromBinsUDF{cfg: duckdb.ScalarFuncConfig{
		InputTypeInfos: []duckdb.TypeInfo{double, double, ubigint, list, double},
		ResultTypeInfo: double,
	}}
	if err := duckdb.RegisterScalarUDF(conn, quantileFromBinsName, udf); err != nil {
		return fmt.Errorf("engine: register %s: %w", quantileFromBinsName, err)
	}
	return nil
}
