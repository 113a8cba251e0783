package lakehouse

import (
	"context"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

// appendBlockRow appends one row of the blocks view: the block joined with
// its stream and process (spec 5.2). The payload is not read.
func (l *Lakehouse) appendBlockRow(_ context.Context, s *sink, b catalog.Block, m *streamMeta) error {
	c := s.c
	c.str(0, b.BlockID)
	c.str(1, b.StreamID)
	c.str(2, b.ProcessID)
	c.ts(3, b.BeginTime.UnixNano())
	c.i64(4, b.BeginTicks)
	c.ts(5, b.EndTime.UnixNano())
	c.i64(6, b.EndTicks)
	c.i32(7, b.NbObjects)
	c.i64(8, b.ObjectOffset)
	c.i64(9, b.PayloadSize)
	c.ts(10, b.InsertTime.UnixNano())
	st, p := m.stream, m.process
	c.bin(11, st.DependenciesMetadata)
	c.bin(12, st.ObjectsMetadata)
	c.strList(13, st.Tags)
	c.dict(14, m.streamProps)
	c.ts(15, st.InsertTime.UnixNano())
	c.ts(16, p.StartTime.UnixNano())
	c.i64(17, p.StartTicks)
	c.i64(18, p.TSCFrequency)
	for i, v := range []string{p.Exe, p.Username, p.Realname, p.Computer, p.Distro, p.CPUBrand} {
		c.str(19+i, v)
	}
	c.ts(25, p.InsertTime.UnixNano())
	c.str(26, p.ParentProcessID)
	c.dict(27, m.processProps)
	end := b.EndTime.UnixNano()
	if ins := b.InsertTime.UnixNano(); ins > end {
		end = ins
	}
	s.noteRow(b.BeginTime.UnixNano(), end)
	return nil
}
