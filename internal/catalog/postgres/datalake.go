package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

// insertTime is the insert time the store stamps on new rows.
func (s *Store) insertTime() pgtype.Timestamptz { return encodeTime(s.now()) }

// InsertProcess records a process if absent.
func (s *Store) InsertProcess(ctx context.Context, p catalog.Process) error {
	id, err := catalog.CanonicalID("process id", p.ProcessID)
	if err != nil {
		return fmt.Errorf("insert process: %w", err)
	}
	var parent pgtype.Text
	if p.ParentProcessID != "" {
		if parent.String, err = catalog.CanonicalID("parent process id", p.ParentProcessID); err != nil {
			return fmt.Errorf("insert process: %w", err)
		}
		parent.Valid = true
	}
	keys, values := splitProperties(p.Properties)
	_, err = s.pool.Exec(ctx, `INSERT INTO processes(process_id, exe, username, realname, computer, distro,
		cpu_brand, tsc_frequency, start_time, start_ticks, insert_time, parent_process_id, properties)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, `+propertiesSQL("$13", "$14")+`)
		ON CONFLICT (process_id) DO NOTHING`,
		id, p.Exe, p.Username, p.Realname, p.Computer, p.Distro, p.CPUBrand, p.TSCFrequency,
		encodeTime(p.StartTime), p.StartTicks, s.insertTime(), parent, keys, values)
	return wrapErr("insert process", err)
}

// InsertStream records a stream if absent.
func (s *Store) InsertStream(ctx context.Context, st catalog.Stream) error {
	id, err := catalog.CanonicalID("stream id", st.StreamID)
	if err != nil {
		return fmt.Errorf("insert stream: %w", err)
	}
	processID, err := catalog.CanonicalID("process id", st.ProcessID)
	if err != nil {
		return fmt.Errorf("insert stream: %w", err)
	}
	format := st.Format
	if format == "" {
		format = catalog.DefaultStreamFormat
	}
	keys, values := splitProperties(st.Properties)
	_, err = s.pool.Exec(ctx, `INSERT INTO streams(stream_id, process_id, dependencies_metadata,
		objects_metadata, tags, properties, insert_time, format)
		VALUES ($1, $2, $3, $4, $5, `+propertiesSQL("$6", "$7")+`, $8, $9)
		ON CONFLICT (stream_id) DO NOTHING`,
		id, processID, st.DependenciesMetadata, st.ObjectsMetadata, nonNilStrings(st.Tags), keys, values,
		s.insertTime(), format)
	return wrapErr("insert stream", err)
}

// InsertBlock records a block if absent. Its stream and process need not
// exist yet.
func (s *Store) InsertBlock(ctx context.Context, b catalog.Block) error {
	var ids [3]string
	for i, f := range []struct{ what, id string }{
		{"block id", b.BlockID}, {"stream id", b.StreamID}, {"process id", b.ProcessID},
	} {
		id, err := catalog.CanonicalID(f.what, f.id)
		if err != nil {
			return fmt.Errorf("insert block: %w", err)
		}
		ids[i] = id
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO blocks(block_id, stream_id, process_id, begin_time, begin_ticks,
		end_time, end_ticks, nb_objects, object_offset, payload_size, insert_time)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (block_id) DO NOTHING`,
		ids[0], ids[1], ids[2], encodeTime(b.BeginTime), b.BeginTicks, encodeTime(b.EndTime), b.EndTicks,
		b.NbObjects, b.ObjectOffset, b.PayloadSize, s.insertTime())
	if err != nil || tag.RowsAffected() == 1 {
		return wrapErr("insert block", err)
	}
	// Already there: a retry, unless the ids differ.
	var stream, process string
	err = s.pool.QueryRow(ctx, `SELECT stream_id::text, process_id::text FROM blocks WHERE block_id = $1`, ids[0]).
		Scan(&stream, &process)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // deleted meanwhile (retention)
	}
	if err != nil {
		return wrapErr("insert block: read the existing row", err)
	}
	return catalog.BlockConflict(ids[0], ids[1], ids[2], stream, process)
}

var processColumns = `process_id::text, exe, username, realname, computer, distro, cpu_brand, tsc_frequency,
	start_time, start_ticks, insert_time, COALESCE(parent_process_id::text, ''), ` +
	propertyKeysSQL("properties") + `, ` + propertyValuesSQL("properties")

func scanProcess(row pgx.Row) (catalog.Process, error) {
	var (
		p                                 catalog.Process
		exe, user, realname, comp, distro pgtype.Text
		cpu                               pgtype.Text
		tscFrequency, startTicks          pgtype.Int8
		start, insert                     pgtype.Timestamptz
		keys, values                      []string
	)
	if err := row.Scan(&p.ProcessID, &exe, &user, &realname, &comp, &distro, &cpu, &tscFrequency,
		&start, &startTicks, &insert, &p.ParentProcessID, &keys, &values); err != nil {
		return p, err
	}
	p.Exe, p.Username, p.Realname, p.Computer, p.Distro, p.CPUBrand =
		exe.String, user.String, realname.String, comp.String, distro.String, cpu.String
	p.TSCFrequency, p.StartTicks = tscFrequency.Int64, startTicks.Int64
	p.StartTime, p.InsertTime = decodeTime(start), decodeTime(insert)
	p.Properties = joinProperties(keys, values)
	return p, nil
}

// GetProcess returns one process or catalog.ErrNotFound.
func (s *Store) GetProcess(ctx context.Context, processID string) (catalog.Process, error) {
	id, err := catalog.CanonicalID("process id", processID)
	if err != nil {
		return catalog.Process{}, fmt.Errorf("get process: %w", err)
	}
	p, err := scanProcess(s.pool.QueryRow(ctx, `SELECT `+processColumns+` FROM processes WHERE process_id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return p, fmt.Errorf("get process %s: %w", id, catalog.ErrNotFound)
	}
	return p, wrapErr("get process", err)
}

// ListProcesses returns processes ordered by start time.
func (s *Store) ListProcesses(ctx context.Context) ([]catalog.Process, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+processColumns+` FROM processes ORDER BY start_time, process_id`)
	if err != nil {
		return nil, wrapErr("list processes", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (catalog.Process, error) { return scanProcess(row) })
	return out, wrapErr("list processes", err)
}

var streamColumns = `stream_id::text, process_id::text, dependencies_metadata, objects_metadata,
	COALESCE(tags, '{}'), ` + propertyKeysSQL("properties") + `, ` + propertyValuesSQL("properties") +
	`, format, insert_time`

func scanStream(row pgx.Row) (catalog.Stream, error) {
	var (
		st           catalog.Stream
		keys, values []string
		insert       pgtype.Timestamptz
	)
	if err := row.Scan(&st.StreamID, &st.ProcessID, &st.DependenciesMetadata, &st.ObjectsMetadata,
		&st.Tags, &keys, &values, &st.Format, &insert); err != nil {
		return st, err
	}
	st.Tags = nonNilStrings(st.Tags)
	st.Properties = joinProperties(keys, values)
	st.InsertTime = decodeTime(insert)
	return st, nil
}

// GetStream returns one stream or catalog.ErrNotFound.
func (s *Store) GetStream(ctx context.Context, streamID string) (catalog.Stream, error) {
	id, err := catalog.CanonicalID("stream id", streamID)
	if err != nil {
		return catalog.Stream{}, fmt.Errorf("get stream: %w", err)
	}
	st, err := scanStream(s.pool.QueryRow(ctx, `SELECT `+streamColumns+` FROM streams WHERE stream_id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return st, fmt.Errorf("get stream %s: %w", id, catalog.ErrNotFound)
	}
	return st, wrapErr("get stream", err)
}

// ListStreams returns the streams of a process ordered by insert time.
func (s *Store) ListStreams(ctx context.Context, processID string) ([]catalog.Stream, error) {
	id, err := catalog.CanonicalID("process id", processID)
	if err != nil {
		return nil, fmt.Errorf("list streams: %w", err)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+streamColumns+` FROM streams WHERE process_id = $1
		ORDER BY insert_time, stream_id`, id)
	if err != nil {
		return nil, wrapErr("list streams", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (catalog.Stream, error) { return scanStream(row) })
	return out, wrapErr("list streams", err)
}

// ListBlocks returns blocks ordered by (insert_time, block_id).
func (s *Store) ListBlocks(ctx context.Context, f catalog.BlockFilter) ([]catalog.Block, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	for _, c := range []struct{ what, id, column string }{
		{"process id", f.ProcessID, "b.process_id"}, {"stream id", f.StreamID, "b.stream_id"},
	} {
		if c.id == "" {
			continue
		}
		id, err := catalog.CanonicalID(c.what, c.id)
		if err != nil {
			return nil, fmt.Errorf("list blocks: %w", err)
		}
		add(c.column+" = ?", id)
	}
	if f.Tag != "" {
		add(`EXISTS (SELECT 1 FROM streams s WHERE s.stream_id = b.stream_id AND ? = ANY(s.tags))`, f.Tag)
	}
	if !f.InsertedFrom.IsZero() {
		add("b.insert_time >= ?", encodeTime(f.InsertedFrom))
	}
	if !f.InsertedTo.IsZero() {
		add("b.insert_time < ?", encodeTime(f.InsertedTo))
	}
	q := `SELECT b.block_id::text, b.stream_id::text, b.process_id::text, b.begin_time, b.begin_ticks,
		b.end_time, b.end_ticks, b.nb_objects, b.object_offset, b.payload_size, b.insert_time FROM blocks b`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	// UUIDs sort like their canonical lower-case strings.
	q += " ORDER BY b.insert_time, b.block_id"
	if f.Limit > 0 {
		args = append(args, f.Limit)
		q += " LIMIT $" + strconv.Itoa(len(args))
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, wrapErr("list blocks", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (catalog.Block, error) {
		var (
			b                  catalog.Block
			begin, end, insert pgtype.Timestamptz
		)
		err := row.Scan(&b.BlockID, &b.StreamID, &b.ProcessID, &begin, &b.BeginTicks, &end, &b.EndTicks,
			&b.NbObjects, &b.ObjectOffset, &b.PayloadSize, &insert)
		b.BeginTime, b.EndTime, b.InsertTime = decodeTime(begin), decodeTime(end), decodeTime(insert)
		return b, err
	})
	return out, wrapErr("list blocks", err)
}
