package engine

import (
	"database/sql/driver"
	"fmt"
	"reflect"
	"unsafe"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/duckdb/duckdb-go/v2/mapping"
)

// nativeConn returns the DuckDB C connection handle behind a duckdb-go
// driver connection.
//
// duckdb-go runs every query through duckdb_pending_prepared, which
// materializes the whole result inside DuckDB before the first row is
// returned, and it exposes no streaming API. The engine needs the native
// handle to execute streaming queries (duckdb_pending_prepared_streaming) and
// to interrupt them. duckdb-go keeps the handle in the unexported field
// Conn.conn; this function reads it through reflection and checks its type, so
// an upgrade of duckdb-go that changes the layout fails loudly here (and in
// TestNativeConn) instead of corrupting memory.
//
// The caller must own dc (inside sql.Conn.Raw) for as long as it uses the
// handle.
func nativeConn(dc any) (mapping.Connection, error) {
	c, ok := dc.(*duckdb.Conn)
	if !ok {
		return mapping.Connection{}, fmt.Errorf("engine: driver connection is %T, want *duckdb.Conn", dc)
	}
	if _, ok := dc.(driver.Conn); !ok {
		return mapping.Connection{}, fmt.Errorf("engine: %T is not a driver.Conn", dc)
	}
	f := reflect.ValueOf(c).Elem().FieldByName("conn")
	if !f.IsValid() || f.Type() != reflect.TypeFor[mapping.Connection]() {
		return mapping.Connection{}, fmt.Errorf("engine: duckdb.Conn has no field conn of type mapping.Connection; " +
			"the duckdb-go version is not supported by internal/engine (see rawconn.go)")
	}
	raw := *(*mapping.Connection)(unsafe.Pointer(f.UnsafeAddr()))
	if raw.Ptr == nil {
		return mapping.Connection{}, fmt.Errorf("engine: duckdb connection is closed")
	}
	return raw, nil
}
