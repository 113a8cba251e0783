package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

// InsertProcess records a process if absent.
func (s *Store) InsertProcess(ctx context.Context, p catalog.Process) error {
	args, err := processArgs(p, s.now())
	if err != nil {
		return fmt.Errorf("insert process: %w", err)
	}
	_, err = s.writer.ExecContext(ctx, `INSERT INTO processes(process_id, exe, username, realname, computer,
		distro, cpu_brand, tsc_frequency, start_time, start_ticks, insert_time, parent_process_id, properties)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(process_id) DO NOTHING`, args...)
	return wrapErr("insert process", err)
}

func processArgs(p catalog.Process, insertTime time.Time) ([]any, error) {
	id, err := catalog.CanonicalID("process id", p.ProcessID)
	if err != nil {
		return nil, err
	}
	var parent any
	if p.ParentProcessID != "" {
		if parent, err = catalog.CanonicalID("parent process id", p.ParentProcessID); err != nil {
			return nil, err
		}
	}
	start, err := encodeTime("start time", p.StartTime)
	if err != nil {
		return nil, err
	}
	props, err := encodeProperties(p.Properties)
	if err != nil {
		return nil, err
	}
	return []any{id, p.Exe, p.Username, p.Realname, p.Computer, p.Distro, p.CPUBrand, p.TSCFrequency,
		start, p.StartTicks, insertTime.UnixNano(), parent, props}, nil
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
	tags, err := encodeTags(st.Tags)
	if err != nil {
		return fmt.Errorf("insert stream: %w", err)
	}
	props, err := encodeProperties(st.Properties)
	if err != nil {
		return fmt.Errorf("insert stream: %w", err)
	}
	format := st.Format
	if format == "" {
		format = catalog.DefaultStreamFormat
	}
	_, err = s.writer.ExecContext(ctx, `INSERT INTO streams(stream_id, process_id, dependencies_metadata,
		objects_metadata, tags, properties, format, insert_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(stream_id) DO NOTHING`,
		id, processID, st.DependenciesMetadata, st.ObjectsMetadata, tags, props, format, s.now().UnixNano())
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
	begin, err := encodeTime("begin time", b.BeginTime)
	if err != nil {
		return fmt.Errorf("insert block: %w", err)
	}
	end, err := encodeTime("end time", b.EndTime)
	if err != nil {
		return fmt.Errorf("insert block: %w", err)
	}
	res, err := s.writer.ExecContext(ctx, `INSERT INTO blocks(block_id, stream_id, process_id, begin_time,
		begin_ticks, end_time, end_ticks, nb_objects, object_offset, payload_size, insert_time)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(block_id) DO NOTHING`,
		ids[0], ids[1], ids[2], begin, b.BeginTicks, end, b.EndTicks, b.NbObjects, b.ObjectOffset,
		b.PayloadSize, s.now().UnixNano())
	if err != nil {
		return wrapErr("insert block", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return wrapErr("insert block", err)
	}
	// Already there: a retry, unless the ids differ.
	var stream, process string
	err = s.reader.QueryRowContext(ctx, `SELECT stream_id, process_id FROM blocks WHERE block_id = ?`, ids[0]).
		Scan(&stream, &process)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // deleted meanwhile (retention)
	}
	if err != nil {
		return wrapErr("insert block: read the existing row", err)
	}
	return catalog.BlockConflict(ids[0], ids[1], ids[2], stream, process)
}

const processColumns = `process_id, exe, username, realname, computer, distro, cpu_brand, tsc_frequency,
	start_time, start_ticks, insert_time, parent_process_id, properties`

type scanner interface{ Scan(dest ...any) error }

func scanProcess(row scanner) (catalog.Process, error) {
	var (
		p                                 catalog.Process
		start, insert                     sql.NullInt64
		parent, props                     sql.NullString
		exe, user, realname, comp, distro sql.NullString
		cpu                               sql.NullString
		tscFrequency, startTicks          sql.NullInt64
	)
	if err := row.Scan(&p.ProcessID, &exe, &user, &realname, &comp, &distro, &cpu, &tscFrequency,
		&start, &startTicks, &insert, &parent, &props); err != nil {
		return p, err
	}
	p.Exe, p.Username, p.Realname, p.Computer, p.Distro, p.CPUBrand =
		exe.String, user.String, realname.String, comp.String, distro.String, cpu.String
	p.TSCFrequency, p.StartTicks = tscFrequency.Int64, startTicks.Int64
	p.StartTime, p.InsertTime = decodeTime(start), decodeTime(insert)
	p.ParentProcessID = parent.String
	var err error
	p.Properties, err = decodeProperties(props)
	return p, err
}

// GetProcess returns one process or catalog.ErrNotFound.
func (s *Store) GetProcess(ctx context.Context, processID string) (catalog.Process, error) {
	id, err := catalog.CanonicalID("process id", processID)
	if err != nil {
		return catalog.Process{}, fmt.Errorf("get process: %w", err)
	}
	p, err := scanProcess(s.reader.QueryRowContext(ctx,
		`SELECT `+processColumns+` FROM processes WHERE process_id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("get process %s: %w", id, catalog.ErrNotFound)
	}
	return p, wrapErr("get process", err)
}

// ListProcesses returns processes ordered by start time.
func (s *Store) ListProcesses(ctx context.Context) ([]catalog.Process, error) {
	rows, err := s.reader.QueryContext(ctx,
		`SELECT `+processColumns+` FROM processes ORDER BY start_time, process_id`)
	if err != nil {
		return nil, wrapErr("list processes", err)
	}
	defer rows.Close()
	var out []catalog.Process
	for rows.Next() {
		p, err := scanProcess(rows)
		if err != nil {
			return nil, wrapErr("list processes", err)
		}
		out = append(out, p)
	}
	return out, wrapErr("list processes", rows.Err())
}

const streamColumns = `stream_id, process_id, dependencies_metadata, objects_metadata, tags, properties,
	format, insert_time`

func scanStream(row scanner) (catalog.Stream, error) {
	var (
		st          catalog.Stream
		tags, props sql.NullString
		insert      sql.NullInt64
	)
	if err := row.Scan(&st.StreamID, &st.ProcessID, &st.DependenciesMetadata, &st.ObjectsMetadata,
		&tags, &props, &st.Format, &insert); err != nil {
		return st, err
	}
	st.InsertTime = decodeTime(insert)
	var err error
	if st.Tags, err = decodeTags(tags); err != nil {
		return st, err
	}
	st.Properties, err = decodeProperties(props)
	return st, err
}

// GetStream returns one stream or catalog.ErrNotFound.
func (s *Store) GetStream(ctx context.Context, streamID string) (catalog.Stream, error) {
	id, err := catalog.CanonicalID("stream id", streamID)
	if err != nil {
		return catalog.Stream{}, fmt.Errorf("get stream: %w", err)
	}
	st, err := scanStream(s.reader.QueryRowContext(ctx,
		`SELECT `+streamColumns+` FROM streams WHERE stream_id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
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
	rows, err := s.reader.QueryContext(ctx,
		`SELECT `+streamColumns+` FROM streams WHERE process_id = ? ORDER BY insert_time, stream_id`, id)
	if err != nil {
		return nil, wrapErr("list streams", err)
	}
	defer rows.Close()
	var out []catalog.Stream
	for rows.Next() {
		st, err := scanStream(rows)
		if err != nil {
			return nil, wrapErr("list streams", err)
		}
		out = append(out, st)
	}
	return out, wrapErr("list streams", rows.Err())
}

// ListBlocks returns blocks ordered by (insert_time, block_id).
func (s *Store) ListBlocks(ctx context.Context, f catalog.BlockFilter) ([]catalog.Block, error) {
	var (
		where []string
		args  []any
	)
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
		where, args = append(where, c.column+" = ?"), append(args, id)
	}
	if f.Tag != "" {
		where = append(where, `EXISTS (SELECT 1 FROM streams s, json_each(s.tags) t
			WHERE s.stream_id = b.stream_id AND t.value = ?)`)
		args = append(args, f.Tag)
	}
	for _, c := range []struct {
		t    time.Time
		cond string
	}{{f.InsertedFrom, "b.insert_time >= ?"}, {f.InsertedTo, "b.insert_time < ?"}} {
		if c.t.IsZero() {
			continue
		}
		ns, err := encodeTime("insert time bound", c.t)
		if err != nil {
			return nil, fmt.Errorf("list blocks: %w", err)
		}
		where, args = append(where, c.cond), append(args, ns)
	}
	q := `SELECT b.block_id, b.stream_id, b.process_id, b.begin_time, b.begin_ticks, b.end_time, b.end_ticks,
		b.nb_objects, b.object_offset, b.payload_size, b.insert_time FROM blocks b`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY b.insert_time, b.block_id"
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	rows, err := s.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, wrapErr("list blocks", err)
	}
	defer rows.Close()
	var out []catalog.Block
	for rows.Next() {
		var (
			b                  catalog.Block
			begin, end, insert sql.NullInt64
		)
		if err := rows.Scan(&b.BlockID, &b.StreamID, &b.ProcessID, &begin, &b.BeginTicks, &end, &b.EndTicks,
			&b.NbObjects, &b.ObjectOffset, &b.PayloadSize, &insert); err != nil {
			return nil, wrapErr("list blocks", err)
		}
		b.BeginTime, b.EndTime, b.InsertTime = decodeTime(begin), decodeTime(end), decodeTime(insert)
		out = append(out, b)
	}
	return out, wrapErr("list blocks", rows.Err())
}
