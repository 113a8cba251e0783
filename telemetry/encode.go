package telemetry

import (
	"encoding/binary"
	"fmt"

	"github.com/google/uuid"
	"github.com/micromegas-go/micromegas/internal/transit"
)

// encodeBlock turns a closed block into the CBOR body of insert_block:
// it extracts the static metadata the events reference (each once, strings
// before the records that point to them), compresses both buffers and
// wraps them with the block's identity and times. It runs on the
// dispatcher goroutine, never on the instrumented one.
func encodeBlock(processID string, startTicks int64, b *rawBlock) ([]byte, error) {
	deps, err := extractLogDependencies(b.buf)
	if err != nil {
		return nil, err
	}
	depsZ, err := transit.Compress(nil, deps)
	if err != nil {
		return nil, err
	}
	objsZ, err := transit.Compress(nil, b.buf)
	if err != nil {
		return nil, err
	}
	msg := transit.Block{
		BlockID:      transit.UUID(uuid.NewString()),
		StreamID:     transit.UUID(b.stream.id),
		ProcessID:    transit.UUID(processID),
		BeginTime:    transit.Time{Time: b.begin.time},
		BeginTicks:   b.begin.ticks - startTicks,
		EndTime:      transit.Time{Time: b.end.time},
		EndTicks:     b.end.ticks - startTicks,
		Payload:      transit.BlockPayload{Dependencies: depsZ, Objects: objsZ},
		ObjectOffset: b.offset,
		NbObjects:    b.nbObjects,
	}
	return transit.Encode(msg)
}

// extractLogDependencies walks the events of a log block and returns the
// dependency buffer for the sites they reference.
func extractLogDependencies(objs []byte) ([]byte, error) {
	seen := map[uint64]bool{}
	var deps []byte
	addString := func(id uint64) {
		if seen[id] {
			return
		}
		seen[id] = true
		text, _ := reg.text(id)
		deps = append(deps, depStaticString)
		deps = transit.AppendU32(deps, uint32(8+len(text)))
		deps = transit.AppendU64(deps, id)
		deps = append(deps, text...)
	}
	for i := 0; i < len(objs); {
		var siteID uint64
		switch objs[i] {
		case logStaticStrEvent:
			siteID = binary.LittleEndian.Uint64(objs[i+1:])
			i += 1 + logStaticStrEventSize
		case logStringEventV2:
			size := binary.LittleEndian.Uint32(objs[i+1:])
			siteID = binary.LittleEndian.Uint64(objs[i+5:])
			i += 1 + 4 + int(size)
		default:
			return nil, fmt.Errorf("log block: unknown event type %d at byte %d", objs[i], i)
		}
		if seen[siteID] {
			continue
		}
		site := reg.logSite(siteID)
		if site == nil {
			return nil, fmt.Errorf("log block: unknown log site %d", siteID)
		}
		addString(site.formatID)
		addString(site.targetID)
		addString(site.moduleID)
		addString(site.fileID)
		seen[siteID] = true
		deps = append(deps, depLogMetadataRecord)
		deps = transit.AppendU64(deps, site.id)
		deps = transit.AppendU64(deps, site.formatID)
		deps = transit.AppendU64(deps, site.targetID)
		deps = transit.AppendU64(deps, site.moduleID)
		deps = transit.AppendU64(deps, site.fileID)
		deps = transit.AppendU32(deps, site.line)
		deps = transit.AppendU32(deps, uint32(site.level))
	}
	return deps, nil
}

// encodeStream returns the CBOR body of insert_stream for s.
func encodeStream(processID string, s *stream) ([]byte, error) {
	return transit.Encode(transit.StreamInfo{
		ProcessID:            transit.UUID(processID),
		StreamID:             transit.UUID(s.id),
		DependenciesMetadata: s.depUDTs,
		ObjectsMetadata:      s.objUDTs,
		Tags:                 s.tags,
		Properties:           map[string]string{},
	})
}

// encodeProcess returns the CBOR body of insert_process.
func encodeProcess(p transit.ProcessInfo) ([]byte, error) {
	return transit.Encode(p)
}
